import { list } from "../../sim/english";
import type { JsonObject } from "../../sim/json";
import type { ClientRequest, Context } from "../../sim/types";
import { ssiOnCommit, ssiOnRead } from "./ssi";
import type { IsolationConfig, Op, StoreState, Txn, Value, Waiting } from "./types";

/** The setup transaction that writes config.initial; it is T0 of the run's history. */
export const SETUP_TX = "setup";

export function initStore(node: string, config: IsolationConfig): StoreState {
  const versions: StoreState["versions"] = {};
  for (const [key, value] of Object.entries(config.initial)) versions[key] = [{ value, ts: 0, tx: SETUP_TX }];
  return { role: "store", node, config, clock: 0, versions, txns: {}, queue: [] };
}

function newTxn(state: StoreState, asOf: number | null): Txn {
  return {
    status: "ACTIVE",
    start: state.clock,
    ops: [],
    writes: {},
    asOf,
    committedAt: null,
    inConflict: false,
    outConflict: false,
    shared: [],
    exclusive: [],
    waiting: null,
  };
}

/** The value a transaction reads: its own write first, else the committed version its level lets it see. */
function visible(state: StoreState, txn: Txn, key: string): Value | null {
  const own = txn.writes[key];
  if (own !== undefined) return own;
  const versions = state.versions[key] ?? [];
  // Snapshot isolation reads the last version committed before its snapshot (Berenson et al. 1995, 4.2);
  // a read-only transaction at a past timestamp reads the versions committed by then.
  const limit = txn.asOf ?? (snapshotReads(state) ? txn.start : Infinity);
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    if (version !== undefined && version.ts <= limit) return version.value;
  }
  return null;
}

function snapshotReads(state: StoreState): boolean {
  return state.config.isolation === "snapshot" || state.config.isolation === "serializable-snapshot";
}

/** Who holds a lock on key that conflicts with `kind` for tx (strict 2PL's compatibility: only S with S). */
function blockers(state: StoreState, tx: string, kind: "read" | "write", key: string): string[] {
  const out: string[] = [];
  for (const [other, txn] of Object.entries(state.txns)) {
    if (other === tx || txn.status !== "ACTIVE") continue;
    if (txn.exclusive.includes(key) || (kind === "write" && txn.shared.includes(key))) out.push(other);
  }
  return out;
}

/** Would tx waiting for these holders close a cycle in the waits-for graph (Bernstein et al. 1987, 3.4)? */
function deadlocks(state: StoreState, tx: string, holders: readonly string[]): boolean {
  const seen = new Set<string>();
  const stack = [...holders];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (next === tx) return true;
    if (seen.has(next)) continue;
    seen.add(next);
    const waiting = state.txns[next]?.waiting;
    if (waiting !== null && waiting !== undefined) stack.push(...blockers(state, next, waiting.kind, waiting.key));
  }
  return false;
}

export function storeOnClient(ctx: Context, state: StoreState, request: ClientRequest): void {
  const tx = typeof request.args["tx"] === "string" ? request.args["tx"] : "";
  const key = typeof request.args["key"] === "string" ? request.args["key"] : "";
  const raw = request.args["value"];
  const value: Value | null = typeof raw === "number" || typeof raw === "string" ? raw : null;
  if (tx === "" || tx === SETUP_TX) {
    ctx.reply(
      request.id,
      { ok: false, error: "args.tx must name a transaction other than setup" },
      `${ctx.node} refuses a request without a usable tx.`,
    );
    return;
  }
  const asOf = request.args["asOf"];
  let txn = state.txns[tx];
  if (asOf !== undefined) {
    const why =
      typeof asOf !== "number" || !Number.isInteger(asOf) || asOf < 0 || asOf > state.clock
        ? `args.asOf must be a commit timestamp from 0 to ${state.clock}, got ${JSON.stringify(asOf)}`
        : txn !== undefined
          ? `args.asOf is only allowed on ${tx}'s first operation`
          : request.op !== "read"
            ? "args.asOf starts a read-only transaction, so its first operation must be a read"
            : null;
    if (why !== null) {
      ctx.explain(`${ctx.node} cannot run ${request.op} for ${tx}: ${why}.`);
      ctx.reply(request.id, { ok: false, tx, error: why }, `${ctx.node} refuses: ${why}.`);
      return;
    }
  }
  if (txn === undefined) {
    txn = newTxn(state, typeof asOf === "number" ? asOf : null);
    state.txns[tx] = txn;
  }
  if (txn.status !== "ACTIVE" || txn.waiting !== null) {
    const why =
      txn.status !== "ACTIVE"
        ? `${tx} has already ${txn.status === "COMMITTED" ? "committed" : "aborted"}`
        : `${tx} is waiting for a lock`;
    ctx.explain(`${ctx.node} cannot run ${request.op} for ${tx}: ${why}.`);
    ctx.reply(request.id, { ok: false, tx, error: why }, `${ctx.node} refuses: ${why}.`);
    return;
  }
  if (request.op === "commit") {
    commit(ctx, state, tx, txn, request.id);
  } else if (request.op === "abort") {
    abort(ctx, state, tx, txn, request.id, "the client asked to abort");
  } else if (
    (request.op === "read" || request.op === "write") &&
    key !== "" &&
    (request.op === "read" || value !== null)
  ) {
    access(ctx, state, tx, txn, { request: request.id, kind: request.op, key, value });
  } else {
    ctx.reply(
      request.id,
      { ok: false, tx, error: "read needs args.key; write needs args.key and args.value (a number or text)" },
      `${ctx.node} refuses a malformed ${request.op}.`,
    );
  }
}

function access(ctx: Context, state: StoreState, tx: string, txn: Txn, want: Waiting): void {
  if (txn.asOf !== null) {
    if (want.kind === "write") {
      const why = `${tx} is a read-only transaction at timestamp ${txn.asOf}, so it cannot write`;
      ctx.explain(`${ctx.node} cannot let ${tx} write ${want.key}: ${why}.`);
      ctx.reply(want.request, { ok: false, tx, error: why }, `${ctx.node} refuses: ${why}.`);
      return;
    }
    // A read of committed versions no later than asOf: nothing can change them, so no lock is
    // needed, and the transaction serializes at asOf (Bernstein, Hadzilacos & Goodman 1987,
    // 5.5: read-only transactions read a committed snapshot beside two-phase locking).
    perform(ctx, state, tx, txn, want);
    return;
  }
  if (state.config.isolation === "serializable-snapshot" && want.kind === "read") {
    const why = ssiOnRead(state, tx, txn, want.key);
    if (why !== null) {
      ctx.explain(`${ctx.node}: ${tx} wants to read ${want.key}, which a concurrent transaction writes.`);
      abort(ctx, state, tx, txn, want.request, why);
      return;
    }
  }
  if (state.config.isolation === "serializable") {
    const holders = blockers(state, tx, want.kind, want.key);
    if (holders.length > 0) {
      if (deadlocks(state, tx, holders)) {
        ctx.explain(
          `${ctx.node}: ${tx} wants ${want.kind === "read" ? "a shared" : "an exclusive"} lock on ${want.key}, held by ${list(holders)}, which ${holders.length === 1 ? "waits" : "wait"} for ${tx}.`,
        );
        abort(ctx, state, tx, txn, want.request, `a deadlock: waiting for ${list(holders)} would wait forever`);
        return;
      }
      txn.waiting = want;
      state.queue.push(tx);
      ctx.explain(
        `${ctx.node}: ${tx} must wait for ${want.kind === "read" ? "a shared" : "an exclusive"} lock on ${want.key}, held by ${list(holders)} (strict two-phase locking).`,
      );
      ctx.note(`${tx} waits for ${list(holders)} to finish before it may ${want.kind} ${want.key}.`, {
        fact: "wait",
        tx,
        op: want.kind,
        key: want.key,
        holders,
      });
      return;
    }
    const locks = want.kind === "read" ? txn.shared : txn.exclusive;
    if (!locks.includes(want.key)) locks.push(want.key);
  }
  perform(ctx, state, tx, txn, want);
}

/** Runs an access whose lock is held; `handling` says it answers the event being handled (else a waiter resumes). */
function perform(ctx: Context, state: StoreState, tx: string, txn: Txn, want: Waiting, handling = true): void {
  const explain = (sentence: string): void => {
    if (handling) ctx.explain(sentence);
  };
  if (want.kind === "read") {
    const value = visible(state, txn, want.key);
    const op: Op = ["r", want.key, value];
    txn.ops.push(op);
    explain(
      `${ctx.node}: ${tx} reads ${want.key} = ${JSON.stringify(value)} (${txn.asOf === null ? state.config.isolation : `read-only, as of timestamp ${txn.asOf}`}).`,
    );
    ctx.reply(
      want.request,
      { ok: true, tx, key: want.key, value },
      `${ctx.node} answers ${tx}: ${want.key} = ${JSON.stringify(value)}.`,
    );
  } else {
    const value = want.value as Value;
    txn.writes[want.key] = value;
    txn.ops.push(["w", want.key, value]);
    explain(
      `${ctx.node}: ${tx} writes ${want.key} = ${JSON.stringify(value)}; nobody else sees it before ${tx} commits.`,
    );
    ctx.reply(
      want.request,
      { ok: true, tx, key: want.key, value },
      `${ctx.node} confirms ${tx}'s write of ${want.key}.`,
    );
  }
}

function opsJson(txn: Txn): JsonObject["ops"] {
  return txn.ops.map((op) => [...op]);
}

function commit(ctx: Context, state: StoreState, tx: string, txn: Txn, request: string): void {
  if (snapshotReads(state)) {
    // First committer wins (Berenson et al. 1995, 4.2): a key another transaction committed since our snapshot aborts us.
    for (const key of Object.keys(txn.writes)) {
      const last = (state.versions[key] ?? []).at(-1);
      if (last !== undefined && last.ts > txn.start) {
        abort(ctx, state, tx, txn, request, `first committer wins: ${last.tx} committed ${key} after ${tx}'s snapshot`);
        return;
      }
    }
  }
  if (txn.asOf !== null) {
    txn.status = "COMMITTED";
    ctx.explain(`${ctx.node} commits the read-only ${tx}.`);
    ctx.stateChange(
      `${ctx.node} commits ${tx}, which read the versions committed by timestamp ${txn.asOf} and wrote nothing.`,
      { fact: "commit", tx, ts: txn.asOf, asOf: txn.asOf, isolation: state.config.isolation, ops: opsJson(txn) },
    );
    ctx.reply(request, { ok: true, tx, outcome: "COMMITTED" }, `${ctx.node} tells the client ${tx} committed.`);
    return;
  }
  if (state.config.isolation === "serializable-snapshot") {
    const why = ssiOnCommit(state, tx, txn);
    if (why !== null) {
      ctx.explain(`${ctx.node} looks for rw-antidependencies between ${tx} and the transactions concurrent with it.`);
      abort(ctx, state, tx, txn, request, why);
      return;
    }
  }
  state.clock += 1;
  txn.committedAt = state.clock;
  for (const [key, value] of Object.entries(txn.writes)) {
    (state.versions[key] ??= []).push({ value, ts: state.clock, tx });
  }
  txn.status = "COMMITTED";
  ctx.explain(`${ctx.node} commits ${tx}.`);
  ctx.stateChange(`${ctx.node} commits ${tx} at timestamp ${state.clock}; its writes are now visible.`, {
    fact: "commit",
    tx,
    ts: state.clock,
    isolation: state.config.isolation,
    ops: opsJson(txn),
  });
  ctx.reply(request, { ok: true, tx, outcome: "COMMITTED" }, `${ctx.node} tells the client ${tx} committed.`);
  release(ctx, state, txn);
}

function abort(ctx: Context, state: StoreState, tx: string, txn: Txn, request: string, why: string): void {
  txn.status = "ABORTED";
  txn.waiting = null;
  state.queue = state.queue.filter((id) => id !== tx);
  ctx.stateChange(`${ctx.node} aborts ${tx}: ${why}; none of its writes is installed.`, {
    fact: "abort",
    tx,
    why,
    isolation: state.config.isolation,
    ops: opsJson(txn),
  });
  ctx.reply(request, { ok: false, tx, outcome: "ABORTED", error: why }, `${ctx.node} tells the client ${tx} aborted.`);
  release(ctx, state, txn);
}

/** Strict 2PL: every lock is released at the end, and waiters whose lock is now free go on, in arrival order. */
function release(ctx: Context, state: StoreState, txn: Txn): void {
  txn.shared = [];
  txn.exclusive = [];
  let granted = true;
  while (granted) {
    granted = false;
    for (const waiter of state.queue) {
      const wtxn = state.txns[waiter];
      const want = wtxn?.waiting;
      if (wtxn === undefined || want === null || want === undefined) continue;
      if (blockers(state, waiter, want.kind, want.key).length > 0) continue;
      wtxn.waiting = null;
      state.queue = state.queue.filter((id) => id !== waiter);
      (want.kind === "read" ? wtxn.shared : wtxn.exclusive).push(want.key);
      ctx.note(`${waiter} gets its lock on ${want.key} and goes on.`, {
        fact: "granted",
        tx: waiter,
        op: want.kind,
        key: want.key,
      });
      perform(ctx, state, waiter, wtxn, want, false);
      granted = true;
      break;
    }
  }
}
