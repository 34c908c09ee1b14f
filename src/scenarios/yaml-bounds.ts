import { Composer, isAlias, isMap, isSeq, Parser, YAMLParseError, type CST, type Document, type LineCounter, type Node } from "yaml";
import { SCENARIO_LIMITS } from "./limits";

/**
 * Reading a YAML document within bounds, without recursion of our own. The yaml package
 * composes a document recursively (several stack frames a level), and so did our alias
 * bound: a file nested some thousand levels deep ran out of stack and was reported as
 * "YAML syntax error: Maximum call stack size exceeded" rather than by a named limit.
 * So depth is measured twice, each time with an explicit stack: on the parser's tokens
 * before anything is composed, and on the composed nodes with every alias expanded (a
 * chain of aliases can be deep although no one place in the file is).
 */

/** A problem with the document as a whole, at an offset into the source. */
export interface DocumentProblem {
  readonly offset: number;
  readonly message: string;
}

/**
 * The first YAML document in `source` (as yaml's parseDocument gives it), composed only
 * once its nesting is known to be within maxYamlDepth, with its syntax errors, and then
 * refused if its aliases expand beyond maxExpandedYamlNodes or maxYamlDepth. `lines`
 * learns where each line starts, to turn offsets into lines and columns. When the
 * nesting is too deep the document is empty and that is the only problem.
 */
export function parseBounded(source: string, lines: LineCounter): { doc: Document; problems: DocumentProblem[] } {
  // The parser keeps its own stack, so tokens of any depth are safe to have.
  const tokens = [...new Parser(lines.addNewLine).parse(source)];
  const depthLimit = SCENARIO_LIMITS.maxYamlDepth;
  const tooDeep = firstTooDeep(tokens, depthLimit);
  if (tooDeep !== undefined) {
    const message = `expected mappings and lists nested at most ${depthLimit} deep (the limit maxYamlDepth), found one ${tooDeep.depth} deep here`;
    return { doc: composeFirst([], 0), problems: [{ offset: tooDeep.offset, message }] };
  }
  const doc = composeFirst(tokens, source.length);
  const problems = [...doc.errors, ...doc.warnings].map((error) => ({
    offset: error.pos[0],
    message: `YAML syntax error: ${error.message}`,
  }));
  if (problems.length > 0) return { doc, problems };
  const limits = { nodes: SCENARIO_LIMITS.maxExpandedYamlNodes, depth: depthLimit };
  const expanded = measureExpanded(doc, limits);
  if (expanded.nodes > limits.nodes) {
    problems.push({
      offset: 0,
      message: `expected a document of at most ${limits.nodes} YAML nodes once aliases are expanded (the limit maxExpandedYamlNodes), found more: an alias bomb?`,
    });
  }
  if (expanded.depth > limits.depth) {
    problems.push({
      offset: expanded.tooDeepAt?.range?.[0] ?? 0,
      message: `expected mappings and lists nested at most ${limits.depth} deep once aliases are expanded (the limit maxYamlDepth), found more levels than that inside the value here`,
    });
  }
  return { doc, problems };
}

/**
 * The first document composed from parsed tokens, as yaml's parseDocument would give
 * it: a second document in the same text is an error, not silently ignored.
 */
function composeFirst(tokens: readonly CST.Token[], endOffset: number): Document {
  let first: Document | undefined;
  for (const doc of new Composer({ prettyErrors: false }).compose(tokens, true, endOffset)) {
    if (first === undefined) {
      first = doc;
    } else {
      const message = "Source contains multiple documents; please use YAML.parseAllDocuments()";
      first.errors.push(new YAMLParseError([doc.range[0], doc.range[1]], "MULTIPLE_DOCS", message));
      break;
    }
  }
  if (first === undefined) throw new Error("yaml-bounds: the composer gave no document although one was forced");
  return first;
}

/** Where the CST first goes deeper than the limit: the offset of that collection, and the depth found there. */
export interface TooDeep {
  readonly offset: number;
  readonly depth: number;
}

/**
 * The first collection (in file order) nested deeper than `limit` levels of mappings
 * and lists, or undefined when none is. A pair written inside a flow list (`[a: b]`)
 * is a one-pair mapping once composed, so it counts as a level of its own.
 */
export function firstTooDeep(tokens: readonly CST.Token[], limit: number): TooDeep | undefined {
  // Each entry is a token and the number of collections that enclose it.
  const pending: { token: CST.Token; enclosing: number }[] = [];
  for (let index = tokens.length - 1; index >= 0; index--) pending.push({ token: tokens[index] as CST.Token, enclosing: 0 });
  while (pending.length > 0) {
    const { token, enclosing } = pending.pop() as { token: CST.Token; enclosing: number };
    const children: { token: CST.Token | null | undefined; enclosing: number }[] = [];
    if (token.type === "document") {
      children.push({ token: token.value, enclosing });
    } else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      const depth = enclosing + 1;
      if (depth > limit) return { offset: token.offset, depth };
      const pairsNest = token.type === "flow-collection" && token.start.source === "[";
      for (const item of token.items) {
        const inner = pairsNest && item.sep !== undefined ? depth + 1 : depth;
        if (inner > limit) return { offset: token.offset, depth: inner };
        children.push({ token: item.key, enclosing: inner }, { token: item.value, enclosing: inner });
      }
    }
    // Later children first onto the stack, so they come off in file order.
    for (let index = children.length - 1; index >= 0; index--) {
      const child = children[index] as { token: CST.Token | null | undefined; enclosing: number };
      if (child.token !== null && child.token !== undefined) pending.push({ token: child.token, enclosing: child.enclosing });
    }
  }
  return undefined;
}

/** A node's size once its aliases are expanded, each figure capped at its limit + 1. */
export interface Expanded {
  /** Nodes, counted as before this module existed: a collection is 1 + its items, an alias is what it names. */
  readonly nodes: number;
  /** Levels of nested mappings and lists (a scalar is 0, an alias is as deep as what it names). */
  readonly depth: number;
  /** The first node found (inner nodes first) whose expanded depth is over the limit: where to point. */
  readonly tooDeepAt: Node | undefined;
}

interface Frame {
  readonly node: Node;
  readonly children: readonly unknown[];
  next: number;
  nodes: number;
  depth: number;
}

/**
 * Measures `doc` with every alias expanded, in one post-order pass over the composed
 * nodes: each node's figures are computed once and reused wherever an alias names it,
 * so an alias bomb costs no more than its text. An alias that names a node it sits
 * inside would expand forever; it counts as over both limits.
 */
export function measureExpanded(doc: Document, limits: { nodes: number; depth: number }): Expanded {
  const over = { nodes: limits.nodes + 1, depth: limits.depth + 1 };
  const known = new Map<Node, { nodes: number; depth: number }>();
  const onPath = new Set<Node>();
  const frames: Frame[] = [];
  let tooDeepAt: Node | undefined;
  let result = { nodes: 1, depth: 0 };

  const finished = (value: { nodes: number; depth: number }): void => {
    const parent = frames[frames.length - 1];
    if (parent === undefined) {
      result = value;
      return;
    }
    parent.nodes = Math.min(parent.nodes + value.nodes, over.nodes);
    parent.depth = Math.max(parent.depth, value.depth);
  };
  /** Finishes a node at once when its figures are known; otherwise opens a frame for it. */
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== "object") return finished({ nodes: 1, depth: 0 });
    const node = value as Node;
    const seen = known.get(node);
    if (seen !== undefined) return finished(seen);
    if (onPath.has(node)) {
      tooDeepAt ??= node;
      return finished(over);
    }
    let children: unknown[] = [];
    if (isAlias(node)) children = [node.resolve(doc)];
    else if (isMap(node)) children = node.items.flatMap((pair) => [pair.key, pair.value]);
    else if (isSeq(node)) children = node.items;
    if (children.length === 0 && !isMap(node) && !isSeq(node)) return finished({ nodes: 1, depth: 0 });
    onPath.add(node);
    frames.push({ node, children, next: 0, nodes: isAlias(node) ? 0 : 1, depth: 0 });
  };

  visit(doc.contents);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.next < frame.children.length) {
      visit(frame.children[frame.next++]);
      continue;
    }
    frames.pop();
    onPath.delete(frame.node);
    const depth = Math.min(isAlias(frame.node) ? frame.depth : frame.depth + 1, over.depth);
    if (depth > limits.depth) tooDeepAt ??= frame.node;
    const figures = { nodes: frame.nodes, depth };
    known.set(frame.node, figures);
    finished(figures);
  }
  return { ...result, tooDeepAt };
}
