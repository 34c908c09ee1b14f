import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node } from "yaml";
import type { Json, JsonObject } from "../sim/json";
import { closest, didYouMean, formatPath, type FieldPath, type ScenarioProblem } from "./problems";
import { parseBounded } from "./yaml-bounds";

/** A 1-based line and column in the file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A value read from the file, with its field path and where to point at it. */
export interface Slot {
  /** The value's node (an alias already resolved to what it names); null for an empty document. */
  readonly node: Node | null;
  readonly path: FieldPath;
  /** The value's own position; for an empty value (`node:` with nothing after it), its key's. */
  readonly at: Position;
}

/** One field of a mapping: its name, the key as a slot (for mappings keyed by node name), and its value. */
export interface Entry {
  readonly key: string;
  readonly keySlot: Slot;
  readonly value: Slot;
}

/** The fields a mapping may have. */
export interface FieldSpec {
  readonly required: readonly string[];
  readonly optional: readonly string[];
  /** Appended to the "unknown field" message, e.g. "for do: crash". */
  readonly context?: string;
  /** The order fields are listed in messages, when not required-then-optional. */
  readonly listed?: readonly string[];
}

/**
 * Reads a YAML document node by node, so that every problem can name the line and
 * column of the value it is about (yaml v2: a LineCounter turns each node's range
 * into a position). Every reading method reports what it expected and what it found,
 * and returns undefined when the value is unusable, so validation carries on and
 * collects every problem in the file.
 */
export class Reader {
  readonly problems: ScenarioProblem[] = [];
  readonly root: Slot;
  private readonly lines = new LineCounter();
  private readonly doc: Document;

  constructor(
    readonly file: string,
    source: string,
  ) {
    const parsed = parseBounded(source, this.lines);
    this.doc = parsed.doc;
    for (const problem of parsed.problems) {
      this.problems.push({ file, ...this.positionOf(problem.offset), path: "", message: problem.message });
    }
    const contents = this.doc.contents;
    this.root = { node: contents, path: [], at: contents === null ? { line: 1, column: 1 } : this.position(contents) };
  }

  /** True when the YAML itself could not be parsed: then the content is not validated. */
  get syntaxFailed(): boolean {
    return this.problems.length > 0;
  }

  report(at: Position, path: FieldPath, message: string): void {
    this.problems.push({ file: this.file, line: at.line, column: at.column, path: formatPath(path), message });
  }

  /** "expected <what>, found <description of the slot's value>". */
  expected(slot: Slot, what: string): undefined {
    this.report(slot.at, slot.path, `expected ${what}, found ${describe(slot.node)}`);
    return undefined;
  }

  position(node: Node): Position {
    return this.positionOf(node.range?.[0] ?? 0);
  }

  private positionOf(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  /** The deepest node along `path` below `slot` (for pointing at a problem someone else found by path). */
  locate(slot: Slot, path: FieldPath): Position {
    let at = slot.at;
    let node = slot.node;
    for (const segment of path) {
      const child = this.child(node, segment);
      if (child === undefined) break;
      at = child.at;
      node = child.node;
    }
    return at;
  }

  private child(node: Node | null, segment: string | number): { node: Node | null; at: Position } | undefined {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key) && String(pair.key.value) === String(segment)) {
          return this.valueOf(pair.key, pair.value as Node | null);
        }
      }
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment] as Node | undefined;
      if (item !== undefined) return { node: this.resolve(item), at: this.position(item) };
    }
    return undefined;
  }

  private resolve(node: Node | null): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  private valueOf(key: Node, value: Node | null): { node: Node | null; at: Position } {
    const empty = value === null || (isScalar(value) && value.value === null && value.source === "");
    return { node: this.resolve(value), at: empty || value === null ? this.position(key) : this.position(value) };
  }

  /** A mapping's entries in file order, with their key positions; reports anything that is not a mapping. */
  entries(slot: Slot, what: string): Entry[] | undefined {
    if (!isMap(slot.node)) return this.expected(slot, what);
    const entries: Entry[] = [];
    for (const pair of slot.node.items) {
      const keyNode = pair.key as Node | null;
      const keyAt = keyNode === null ? slot.at : this.position(keyNode);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === "object") {
        this.report(keyAt, slot.path, `expected a field name, found ${describe(keyNode)}`);
        continue;
      }
      const key = String(keyNode.value);
      const value = this.valueOf(keyNode, pair.value as Node | null);
      const path = [...slot.path, key];
      entries.push({ key, keySlot: { node: keyNode, at: keyAt, path }, value: { node: value.node, at: value.at, path } });
    }
    return entries;
  }

  /** A field of a mapping without any checking (undefined when absent or not a mapping). */
  peek(slot: Slot, key: string): Slot | undefined {
    const child = this.child(slot.node, key);
    return child === undefined ? undefined : { ...child, path: [...slot.path, key] };
  }

  /**
   * A mapping with known fields: reports unknown fields (with a "did you mean" when
   * one is close) and missing required ones (at the mapping itself).
   */
  mapping(slot: Slot, fields: FieldSpec, what = "a mapping"): Map<string, Slot> | undefined {
    const known = [...fields.required, ...fields.optional];
    const entries = this.entries(slot, what);
    if (entries === undefined) return undefined;
    const result = new Map<string, Slot>();
    for (const entry of entries) {
      if (!known.includes(entry.key)) {
        const context = fields.context === undefined ? "" : ` ${fields.context}`;
        const listed = fields.listed ?? known;
        const expected = listed.length === 0 ? "no fields here" : `one of ${listed.join(", ")}`;
        const suggestion = closest(entry.key, known);
        this.report(
          entry.keySlot.at,
          entry.value.path,
          suggestion === undefined
            ? `unknown field "${entry.key}"${context}; expected ${expected}`
            : `unknown field "${entry.key}"${context}: did you mean "${suggestion}"? (expected ${expected})`,
        );
        continue;
      }
      result.set(entry.key, entry.value);
    }
    for (const field of fields.required) {
      if (!result.has(field)) {
        this.report(slot.at, [...slot.path, field], `missing required field "${field}"`);
      }
    }
    return result;
  }

  /** A list's items, each as a slot. */
  list(slot: Slot, what = "a list"): Slot[] | undefined {
    if (!isSeq(slot.node)) return this.expected(slot, what);
    return slot.node.items.map((item, index) => {
      const node = item as Node | null;
      return {
        node: this.resolve(node),
        at: node === null ? slot.at : this.position(node),
        path: [...slot.path, index],
      };
    });
  }

  string(slot: Slot, what = "a string"): string | undefined {
    if (isScalar(slot.node) && typeof slot.node.value === "string") return slot.node.value;
    return this.expected(slot, what);
  }

  /** A string with at least one non-blank character. */
  text(slot: Slot, what = "some text"): string | undefined {
    if (isScalar(slot.node) && typeof slot.node.value === "string" && slot.node.value.trim() !== "") {
      return slot.node.value;
    }
    if (isMap(slot.node) && slot.node.items.length === 1 && !slot.node.flow) {
      // The commonest YAML slip: plain text with ": " in it is read as a mapping.
      this.report(
        slot.at,
        slot.path,
        `expected ${what}, found a mapping: in plain YAML text ": " starts a mapping, so put the text in quotes`,
      );
      return undefined;
    }
    return this.expected(slot, what);
  }

  boolean(slot: Slot): boolean | undefined {
    if (isScalar(slot.node) && typeof slot.node.value === "boolean") return slot.node.value;
    return this.expected(slot, "true or false");
  }

  /** An integer in [min, max]. */
  integer(slot: Slot, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const value = isScalar(slot.node) ? slot.node.value : undefined;
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max) return value;
    return this.expected(slot, what);
  }

  /** A finite number in [min, max]. */
  number(slot: Slot, what: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number | undefined {
    const value = isScalar(slot.node) ? slot.node.value : undefined;
    if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max) return value;
    return this.expected(slot, what);
  }

  /** One of a fixed set of words, with a "did you mean" when the value is close to one. */
  choice<T extends string>(slot: Slot, options: readonly T[], what: string): T | undefined {
    const value = isScalar(slot.node) ? slot.node.value : undefined;
    if (typeof value === "string" && (options as readonly string[]).includes(value)) return value as T;
    const hint = typeof value === "string" ? didYouMean(value, options) : "";
    this.report(slot.at, slot.path, `expected ${what}, found ${describe(slot.node)}${hint}`);
    return undefined;
  }

  /** Any JSON value (null, boolean, finite number, string, list, mapping with text keys). */
  json(slot: Slot): Json | undefined {
    const node = slot.node;
    if (isScalar(node)) {
      const value = node.value;
      if (value === null || typeof value === "boolean" || typeof value === "string") return value;
      if (typeof value === "number" && Number.isFinite(value)) return value;
      return this.expected(slot, "a JSON value (text, a finite number, true, false or null)");
    }
    if (isSeq(node)) {
      const items = this.list(slot) ?? [];
      const values = items.map((item) => this.json(item));
      return values.every((value) => value !== undefined) ? (values as Json[]) : undefined;
    }
    if (isMap(node)) return this.jsonObject(slot);
    if (node === null) return null;
    return this.expected(slot, "a JSON value");
  }

  jsonObject(slot: Slot, what = "a mapping"): JsonObject | undefined {
    const entries = this.entries(slot, what);
    if (entries === undefined) return undefined;
    const result: JsonObject = {};
    let ok = true;
    for (const entry of entries) {
      const value = this.json(entry.value);
      if (value === undefined) ok = false;
      else result[entry.key] = value;
    }
    return ok ? result : undefined;
  }
}

/** How a found value is named in a message: text in quotes, numbers and booleans bare, collections by kind. */
export function describe(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isMap(node)) return node.items.length === 0 ? "an empty mapping" : "a mapping";
  if (isSeq(node)) return node.items.length === 0 ? "an empty list" : "a list";
  if (isScalar(node)) {
    const value = node.value;
    if (value === null) return node.source === "" || node.source === undefined ? "nothing" : "null";
    if (typeof value === "string") {
      const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
      return JSON.stringify(shown);
    }
    return String(value);
  }
  return "an unsupported YAML value";
}

