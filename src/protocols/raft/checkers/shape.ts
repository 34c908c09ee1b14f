import { canonicalJson, type Json } from "../../../sim/json";

/**
 * What the Raft checkers read of a node's live state: the fields of Figure 2 that the
 * safety properties of Figure 3 talk about. The checkers depend on this shape only,
 * never on the protocol's handlers, so a bug in the protocol cannot hide from them.
 *
 * Entries are treated as values: a log changes by losing a suffix and gaining new
 * entries at its end (Figure 2, AppendEntries rules 3 and 4), never by editing an
 * entry in place. That is what lets the checkers look only at what changed.
 */
export interface RaftLikeEntry {
  readonly term: number;
  readonly command: Json;
}

export interface RaftLikeState {
  readonly role: string;
  readonly currentTerm: number;
  /** log[i - 1] is the entry at index i. */
  readonly log: readonly RaftLikeEntry[];
  readonly commitIndex: number;
  readonly lastApplied: number;
}

const keys = new WeakMap<RaftLikeEntry, string>();

/** A string that is equal for two entries exactly when they have the same term and command. */
export function entryKey(entry: RaftLikeEntry): string {
  let key = keys.get(entry);
  if (key === undefined) {
    key = `${entry.term}|${canonicalJson(entry.command)}`;
    keys.set(entry, key);
  }
  return key;
}

/** "entry 3 (term 2: {"key":"x","op":"put","value":1})" */
export function describeEntry(index: number, entry: RaftLikeEntry): string {
  return `entry ${index} (term ${entry.term}: ${canonicalJson(entry.command)})`;
}

/**
 * Follows one node's log from step to step. `update` returns how many leading
 * entries are unchanged since the last look: it compares from the end backwards and
 * stops at the first entry that is still the same object, so an unchanged log costs
 * one comparison and a changed one costs the length of the change.
 */
export class LogTracker {
  private readonly seen = new Map<string, RaftLikeEntry[]>();

  update(node: string, log: readonly RaftLikeEntry[]): { kept: number; previousLength: number } {
    let known = this.seen.get(node);
    if (known === undefined) {
      known = [];
      this.seen.set(node, known);
    }
    const previousLength = known.length;
    let kept = Math.min(previousLength, log.length);
    while (kept > 0 && known[kept - 1] !== log[kept - 1]) kept -= 1;
    known.length = kept;
    for (let i = kept; i < log.length; i++) known.push(log[i] as RaftLikeEntry);
    return { kept, previousLength };
  }
}
