import fc from "fast-check";
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from "yaml";

/**
 * Mutations of real scenario files for the loader fuzz (issue 13): structural ones
 * applied to the parsed YAML document (drop, duplicate, retype, rename a field, a
 * huge number, deep nesting, an alias, a small alias bomb), then at most one applied
 * to the bytes (bad UTF-8, a cut, a YAML metacharacter inserted). A mutation that
 * cannot apply (its path vanished under an earlier one) is skipped.
 */

export type Structural =
  | { readonly kind: "drop"; readonly pick: number }
  | { readonly kind: "duplicate"; readonly pick: number }
  | { readonly kind: "retype"; readonly pick: number; readonly value: unknown }
  | { readonly kind: "rename"; readonly pick: number; readonly suffix: string }
  | { readonly kind: "huge"; readonly pick: number; readonly value: number }
  | { readonly kind: "nest"; readonly pick: number; readonly depth: number; readonly flow: "seq" | "map" }
  | { readonly kind: "alias"; readonly pick: number; readonly target: number }
  | { readonly kind: "bomb"; readonly pick: number; readonly levels: number };

export type Textual =
  | { readonly kind: "bytes"; readonly at: number; readonly bytes: readonly number[] }
  | { readonly kind: "truncate"; readonly at: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string };

export interface Sample {
  readonly file: number;
  readonly structural: readonly Structural[];
  readonly textual: Textual | null;
}

const pick = fc.nat();
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const HUGE = [1e308, -1e308, 2 ** 53 + 1, 1e21, Infinity, -Infinity, NaN, -0, 0.5, -1, 2 ** 31, 2 ** 32, 1e9];
const BAD_UTF8 = [
  [0xff],
  [0x80],
  [0xc3],
  [0xc3, 0x28],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe, 0xff],
  [0xc0, 0xaf],
];
const YAML_BITS = [
  ": ",
  "- ",
  "\t",
  "[",
  "{",
  "&a ",
  "*a",
  "*missing",
  "!!binary ",
  "!!js/function 'f'",
  "!custom ",
  "%YAML 1.1\n",
  "---\n",
  "...\n",
  "<<: *a\n",
  "? ",
  '"',
  "'",
  " #",
  "|",
  "\u2028",
  "\ufeff",
  "\u0000",
  "\r",
];

const structural: fc.Arbitrary<Structural> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), pick }),
  fc.record({ kind: fc.constant("duplicate" as const), pick }),
  fc.record({ kind: fc.constant("retype" as const), pick, value: anyValue }),
  fc.record({ kind: fc.constant("rename" as const), pick, suffix: fc.string({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant("huge" as const), pick, value: fc.constantFrom(...HUGE) }),
  fc.record({
    kind: fc.constant("nest" as const),
    pick,
    depth: fc.integer({ min: 20, max: 5_000 }),
    flow: fc.constantFrom("seq" as const, "map" as const),
  }),
  fc.record({ kind: fc.constant("alias" as const), pick, target: fc.nat() }),
  fc.record({ kind: fc.constant("bomb" as const), pick, levels: fc.integer({ min: 2, max: 9 }) }),
);

const textual: fc.Arbitrary<Textual> = fc.oneof(
  fc.record({ kind: fc.constant("bytes" as const), at: fc.nat(), bytes: fc.constantFrom(...BAD_UTF8) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...YAML_BITS), fc.string({ unit: "binary", maxLength: 8 })),
  }),
);

export const sampleArbitrary: fc.Arbitrary<Sample> = fc.record({
  file: fc.nat(),
  structural: fc.array(structural, { minLength: 1, maxLength: 3 }),
  textual: fc.option(textual, { freq: 3 }),
});

type Key = string | number;

/** Every node of the document with the path of keys and indexes that reaches it (the root excluded). */
function nodesOf(doc: Document): { path: Key[]; node: YamlNode }[] {
  const found: { path: Key[]; node: YamlNode }[] = [];
  const walk = (node: unknown, path: Key[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof key !== "string" && typeof key !== "number") continue;
        const child = [...path, key];
        if (pair.value !== null && typeof pair.value === "object") found.push({ path: child, node: pair.value as YamlNode });
        walk(pair.value, child);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        const child = [...path, index];
        if (item !== null && typeof item === "object") found.push({ path: child, node: item as YamlNode });
        walk(item, child);
      });
    }
  };
  walk(doc.contents, []);
  return found;
}

function placeholder(index: number): string {
  return `FUZZ_PLACEHOLDER_${index}`;
}

function nested(depth: number, flow: "seq" | "map"): string {
  return flow === "seq" ? "[".repeat(depth) + "1" + "]".repeat(depth) : "{a: ".repeat(depth) + "1" + "}".repeat(depth);
}

function bomb(levels: number, index: number): string {
  const anchors = [`&z${index}x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let level = 1; level <= levels; level++) {
    anchors.push(`&z${index}x${level} [${Array.from({ length: 10 }, () => `*z${index}x${level - 1}`).join(", ")}]`);
  }
  return `[${anchors.join(", ")}]`;
}

/** Applies one structural mutation; returns text to put in place of a placeholder it left, if any. */
function applyStructural(doc: Document, mutation: Structural, index: number): string | undefined {
  const nodes = nodesOf(doc);
  if (nodes.length === 0) return undefined;
  const chosen = nodes[mutation.pick % nodes.length] as { path: Key[]; node: YamlNode };
  const path = chosen.path;
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1] as Key;
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  switch (mutation.kind) {
    case "drop":
      doc.deleteIn(path);
      return undefined;
    case "duplicate":
      if (isSeq(parent) && typeof last === "number") parent.items.splice(last, 0, chosen.node.clone());
      if (isMap(parent)) {
        const at = parent.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === last);
        // A repeated key: YAML says map keys must be unique.
        if (at >= 0) parent.items.splice(at, 0, (parent.items[at] as (typeof parent.items)[number]).clone());
      }
      return undefined;
    case "retype":
      doc.setIn(path, doc.createNode(mutation.value));
      return undefined;
    case "rename":
      if (isMap(parent)) {
        const pair = parent.items.find((candidate) => isScalar(candidate.key) && candidate.key.value === last);
        if (pair !== undefined) pair.key = doc.createNode(`${String(last)}${mutation.suffix}`);
      }
      return undefined;
    case "huge":
      doc.setIn(path, doc.createNode(mutation.value));
      return undefined;
    case "nest":
      doc.setIn(path, placeholder(index));
      return nested(mutation.depth, mutation.flow);
    case "alias": {
      const target = nodes[mutation.target % nodes.length] as { path: Key[]; node: YamlNode };
      chosen.node.anchor ??= `fz${index}`;
      doc.setIn(target.path, doc.createAlias(chosen.node as Parameters<Document["createAlias"]>[0]));
      return undefined;
    }
    case "bomb":
      doc.setIn(path, placeholder(index));
      return bomb(mutation.levels, index);
  }
}

function applyTextual(bytes: Buffer, mutation: Textual): Buffer {
  const at = bytes.length === 0 ? 0 : mutation.at % (bytes.length + 1);
  switch (mutation.kind) {
    case "bytes":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.bytes), bytes.subarray(at)]);
    case "truncate":
      return bytes.subarray(0, at);
    case "insert":
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(mutation.text, "utf8"), bytes.subarray(at)]);
  }
}

const parsed = new Map<string, Document>();

/** The bytes of the mutated file. */
export function mutate(source: string, sample: Sample): Buffer {
  let original = parsed.get(source);
  if (original === undefined) {
    original = parseDocument(source);
    parsed.set(source, original);
  }
  const doc = original.clone();
  const replacements = new Map<string, string>();
  sample.structural.forEach((mutation, index) => {
    try {
      const text = applyStructural(doc, mutation, index);
      if (text !== undefined) replacements.set(placeholder(index), text);
    } catch {
      // The mutation does not apply to what earlier ones left (e.g. its parent became a scalar).
    }
  });
  let text: string;
  try {
    text = doc.toString({ lineWidth: 0 });
  } catch {
    text = source;
  }
  for (const [name, replacement] of replacements) text = text.split(name).join(replacement);
  const bytes = Buffer.from(text, "utf8");
  return sample.textual === null ? bytes : applyTextual(bytes, sample.textual);
}
