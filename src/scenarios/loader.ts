import * as path from "node:path";
import { PROTOCOLS, type AnyProtocol } from "../protocols";
import type { JsonObject } from "../sim/json";
import {
  DEFAULT_LIMITS,
  DEFAULT_NETWORK,
  type ClockSpec,
  type DelaySpec,
  type EventPredicate,
  type FaultAction,
  type FaultSpec,
  type LimitsSpec,
  type LinkSpec,
  type NetworkSpec,
  type TriggerSpec,
  type WorkloadSpec,
} from "../sim/spec";
import { EVENT_KINDS, NETWORK_NODE } from "../sim/types";
import { didYouMean, formatPath, sortProblems, type FieldPath, type ScenarioProblem } from "./problems";
import { TOPICS, type ExpectSpec, type LessonSeeds, type Scenario, type Topic } from "./types";
import { isMap, isScalar } from "yaml";
import { SCENARIO_LIMITS } from "./limits";
import { Reader, type FieldSpec, type Slot } from "./yaml-reader";

export { formatProblem } from "./problems";

/** Where the loader finds protocols by name: the registry (the default), or a map or function given by a test. */
export type ProtocolLookup = ReadonlyMap<string, AnyProtocol> | ((name: string) => AnyProtocol | undefined);

export type ParseResult = { ok: true; scenario: Scenario } | { ok: false; problems: ScenarioProblem[] };

/** Follow a reply's `redirect` this many times unless a workload item says otherwise. */
export const DEFAULT_FOLLOW_REDIRECTS = 3;
/** The seed of a scenario that names none. */
export const DEFAULT_SEED = 1;
/** Seeds are GraphQL Ints (startRun(seed:)), so they stay within 32-bit signed range. */
export const MAX_SEED = 2_147_483_647;
/** The most messages one lose fault may take from a link. */
export const MAX_LOSE_COUNT = 1_000;

/** A scenario without `seeds:` must keep its lesson on seeds 1 to 20. */
export const MIN_LESSON_SEEDS = 20;
/** At most this many seeds in `seeds:`, so a test of every lesson stays bounded. */
export const MAX_LESSON_SEEDS = 200;
export function defaultLessonSeeds(): number[] {
  return Array.from({ length: MIN_LESSON_SEEDS }, (_, i) => i + 1);
}

const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const TOP_LEVEL: FieldSpec = {
  required: ["id", "title", "topic", "protocol", "summary", "objectives", "nodes"],
  optional: ["seed", "seeds", "network", "clocks", "config", "workload", "faults", "expect", "questions", "limits"],
};

const PREDICATE_FIELDS = ["kind", "node", "from", "to", "message", "summaryContains"] as const;

export const FAULT_KINDS = [
  "crash",
  "recover",
  "partition",
  "isolate",
  "heal",
  "cut",
  "drop",
  "duplicate",
  "delay",
  "ignore",
  "clock",
  "pause",
  "lose",
] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

/** The fields each fault takes besides its trigger and `do:` (README, "Faults"). */
const FAULT_FIELDS: Readonly<Record<FaultKind, { required: readonly string[]; optional: readonly string[] }>> = {
  crash: { required: ["node"], optional: [] },
  recover: { required: ["node"], optional: [] },
  isolate: { required: ["node"], optional: [] },
  partition: { required: ["groups"], optional: [] },
  heal: { required: [], optional: [] },
  cut: { required: ["from", "to"], optional: [] },
  lose: { required: ["from", "to"], optional: ["count"] },
  drop: { required: ["probability"], optional: ["from", "to"] },
  duplicate: { required: ["probability"], optional: ["from", "to"] },
  delay: { required: ["min", "max"], optional: ["from", "to"] },
  ignore: { required: ["message"], optional: ["node"] },
  clock: { required: ["node", "offset"], optional: ["drift"] },
  pause: { required: ["node", "duration"], optional: [] },
};
const TRIGGER_FIELDS = ["at", "when", "after"];

const EXPECT_CHECKS = ["violations", "events", "state", "stop", "order"] as const;
const STOP_REASONS = ["quiescent", "maxTime", "maxEvents"] as const;

const TICKS = "a non-negative integer number of ms";
const OFFSET = "an integer number of ms (the clock's offset from true time)";
const PROBABILITY = "a probability between 0 and 1";
/** A drift of -1 or less would stop the clock or run it backwards. */
const DRIFT = "a drift greater than -1 (a fraction: 0.001 gains 1 ms per second)";

/**
 * Reads and validates one scenario file (README, "Scenario format"). Every problem in
 * the file is collected, each with its 1-based line and column, its field path and
 * what was expected and found; `file` is the path relative to the scenarios
 * directory (its folder must be the topic, its base name the id).
 */
export function parseScenario(source: string, file: string, protocols: ProtocolLookup = PROTOCOLS): ParseResult {
  const reader = new Reader(file, source);
  if (reader.syntaxFailed) return { ok: false, problems: sortProblems(reader.problems) };
  const scenario = new ScenarioValidator(reader, file, source, protocols).validate();
  if (scenario === undefined && reader.problems.length === 0) {
    // Every path that rejects a value reports it; this only guards against a loader bug going silent.
    reader.report(reader.root.at, [], "the file could not be loaded, but no problem was recorded (a loader bug)");
  }
  if (scenario === undefined || reader.problems.length > 0) {
    return { ok: false, problems: sortProblems(reader.problems) };
  }
  return { ok: true, scenario };
}

/**
 * How a fault given apart from a file is timed: "now" (an injected fault: it applies at
 * once, so at:, when: and after: are refused) or "optional" (a fork's schedule: a fault
 * without at: or when: applies at the fork point).
 */
export type FaultTiming = "now" | "optional";

/** A fault given apart from a file; its trigger is undefined when it applies at once. */
export interface LooseFault {
  readonly trigger: TriggerSpec | undefined;
  readonly action: FaultAction;
}

/**
 * Validates faults given apart from a scenario file (a fault injected into a paused run,
 * a fork's new schedule) against a loaded scenario, with the same checks and messages as
 * its `faults:` list: `source` is YAML (JSON is YAML) of one fault, or of a list of them
 * when `list` is true; problems name `label` as the file.
 */
export function parseFaults(
  source: string,
  label: string,
  scenario: Scenario,
  options: { readonly list: boolean; readonly timing: FaultTiming },
): { ok: true; faults: LooseFault[] } | { ok: false; problems: ScenarioProblem[] } {
  const reader = new Reader(label, source);
  if (reader.syntaxFailed) return { ok: false, problems: sortProblems(reader.problems) };
  const validator = new ScenarioValidator(reader, label, source, PROTOCOLS);
  const faults = validator.looseFaults(scenario, options.list, options.timing);
  if (faults === undefined || reader.problems.length > 0) {
    if (reader.problems.length === 0) reader.report(reader.root.at, [], "the faults could not be read (a loader bug)");
    return { ok: false, problems: sortProblems(reader.problems) };
  }
  return { ok: true, faults };
}

/** The position of a field in a scenario's YAML (the catalog points duplicate ids at their `id:`). */
export function locateField(source: string, file: string, fieldPath: FieldPath): { line: number; column: number } {
  const reader = new Reader(file, source);
  return reader.locate(reader.root, fieldPath);
}

function lookup(protocols: ProtocolLookup, name: string): AnyProtocol | undefined {
  return typeof protocols === "function" ? protocols(name) : protocols.get(name);
}

/** The id and topic a file's location requires: its base name, and its folder if it has one. */
function expectedFromFile(file: string): { id: string; topic: string | undefined } {
  const normalized = file.split(path.sep).join("/");
  const base = path.posix.basename(normalized).replace(/\.ya?ml$/, "");
  const folder = path.posix.dirname(normalized);
  return { id: base, topic: folder === "." || folder === "" ? undefined : path.posix.basename(folder) };
}

class ScenarioValidator {
  private nodes: string[] = [];
  private protocol: AnyProtocol | undefined;
  /** The name the file gave for its protocol, once it is found to be registered. */
  private protocolName = "";
  private limits: LimitsSpec = DEFAULT_LIMITS;

  constructor(
    private readonly reader: Reader,
    private readonly file: string,
    private readonly source: string,
    private readonly protocols: ProtocolLookup,
  ) {}

  validate(): Scenario | undefined {
    const r = this.reader;
    const top = r.mapping(r.root, TOP_LEVEL, `a mapping with the fields ${TOP_LEVEL.required.join(", ")}`);
    if (top === undefined) return undefined;
    const field = (name: string): Slot | undefined => top.get(name);
    const fromFile = expectedFromFile(this.file);

    const id = this.id(field("id"), fromFile.id);
    const title = this.optional(field("title"), (slot) => r.text(slot, "a title (text)"));
    const topic = this.topic(field("topic"), fromFile.topic);
    const summary = this.optional(field("summary"), (slot) => r.text(slot, "a summary (markdown text)"));
    const objectives = this.objectives(field("objectives"));
    this.protocol = this.protocolNamed(field("protocol"));
    this.nodes = this.nodeList(field("nodes"));
    const seed = this.optional(field("seed"), (slot) => r.integer(slot, `a seed: an integer from 0 to ${MAX_SEED}`, 0, MAX_SEED));
    const seeds = this.seedList(field("seeds"));
    this.limits = this.limitsSpec(field("limits"));
    const network = this.network(field("network"));
    const clocks = this.clocks(field("clocks"));
    const config = this.config(field("config"), r.root);
    const workload = this.listOf(field("workload"), "a list of client requests", (slot) => this.workloadItem(slot));
    const faults = this.listOf(field("faults"), "a list of faults", (slot) => this.fault(slot, "required"));
    const expect = this.listOf(field("expect"), "a list of expected outcomes", (slot) => this.expectItem(slot));
    // Questions are src/grading's to validate; here they only need to be a list of JSON values.
    const questions = this.listOf(field("questions"), "a list of questions", (slot) => r.json(slot));

    if (
      id === undefined ||
      title === undefined ||
      topic === undefined ||
      summary === undefined ||
      objectives === undefined ||
      this.protocol === undefined ||
      config === undefined
    ) {
      return undefined;
    }
    return {
      id,
      title,
      topic,
      protocol: this.protocolName,
      summary,
      objectives,
      config: config.value,
      spec: {
        nodes: this.nodes,
        seed: seed ?? DEFAULT_SEED,
        network,
        clocks,
        workload,
        faults,
        limits: this.limits,
      },
      expect,
      seeds: seeds ?? { seeds: defaultLessonSeeds() },
      questions,
      source: this.source,
      file: this.file,
    };
  }

  // ------------------------------------------------------------ seeds

  /**
   * `seeds:` names the seeds a scenario's lesson holds for: its expect: list must hold
   * on each. A range "1-20", a list [1, 2, 5], or { only: [7], why: "..." } for a
   * scenario meant for particular seeds, with the reason.
   */
  private seedList(slot: Slot | undefined): LessonSeeds | undefined {
    if (slot === undefined) return undefined;
    const r = this.reader;
    const what = `seeds: a range such as "1-20", a list of seeds, or { only: [seeds], why: "..." }`;
    const node = slot.node;
    if (isMap(node)) {
      const fields = r.mapping(slot, { required: ["only", "why"], optional: [] }, what);
      if (fields === undefined) return undefined;
      const seeds = this.seedsOf(fields.get("only"), what);
      const why = this.optional(fields.get("why"), (whySlot) => r.text(whySlot, "why the lesson holds only for these seeds"));
      return seeds === undefined || why === undefined ? undefined : { seeds, only: why };
    }
    const seeds = this.seedsOf(slot, what);
    if (seeds === undefined) return undefined;
    if (seeds.length < MIN_LESSON_SEEDS) {
      r.expected(slot, `at least ${MIN_LESSON_SEEDS} seeds (a scenario meant for fewer says so: seeds: { only: [...], why: "..." })`);
      return undefined;
    }
    return { seeds };
  }

  private seedsOf(slot: Slot | undefined, what: string): number[] | undefined {
    if (slot === undefined) return undefined;
    const r = this.reader;
    const node = slot.node;
    if (isScalar(node) && typeof node.value === "string") {
      const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(node.value);
      const first = match ? Number(match[1]) : NaN;
      const last = match ? Number(match[2]) : NaN;
      if (!match || first > last || last > MAX_SEED) return r.expected(slot, what);
      if (last - first + 1 > MAX_LESSON_SEEDS) return r.expected(slot, `at most ${MAX_LESSON_SEEDS} seeds`);
      return Array.from({ length: last - first + 1 }, (_, i) => first + i);
    }
    const items = r.list(slot, what);
    if (items === undefined) return undefined;
    if (items.length === 0) return r.expected(slot, `at least one seed`);
    if (items.length > MAX_LESSON_SEEDS) return r.expected(slot, `at most ${MAX_LESSON_SEEDS} seeds`);
    const seeds = items.map((item) => r.integer(item, `a seed: an integer from 0 to ${MAX_SEED}`, 0, MAX_SEED));
    return seeds.every((seed) => seed !== undefined) ? (seeds as number[]) : undefined;
  }

  // ------------------------------------------------------------ identity

  private optional<T>(slot: Slot | undefined, read: (slot: Slot) => T | undefined): T | undefined {
    return slot === undefined ? undefined : read(slot);
  }

  private id(slot: Slot | undefined, fromFile: string): string | undefined {
    if (slot === undefined) return undefined;
    const id = this.reader.string(slot, "an id in kebab-case (lower-case words joined by -)");
    if (id === undefined) return undefined;
    if (!KEBAB_CASE.test(id)) {
      return this.reader.expected(slot, "an id in kebab-case (lower-case letters and digits joined by single -)");
    }
    if (id !== fromFile) {
      return this.reader.expected(slot, `"${fromFile}" (the id must equal the file's name without .yaml)`);
    }
    return id;
  }

  private topic(slot: Slot | undefined, fromFolder: string | undefined): Topic | undefined {
    if (slot === undefined) return undefined;
    const topic = this.reader.choice(slot, TOPICS, `a topic: one of ${TOPICS.join(", ")}`);
    if (topic === undefined) return undefined;
    if (fromFolder !== undefined && topic !== fromFolder) {
      return this.reader.expected(slot, `"${fromFolder}" (the topic must equal the folder the file is in)`);
    }
    return topic;
  }

  private objectives(slot: Slot | undefined): string[] | undefined {
    if (slot === undefined) return undefined;
    const items = this.reader.list(slot, "a list of objectives (text)");
    if (items === undefined) return undefined;
    if (items.length === 0) return this.reader.expected(slot, "at least one objective");
    const texts = items.map((item) => this.reader.text(item, "an objective (text)"));
    return texts.every((text) => text !== undefined) ? (texts as string[]) : undefined;
  }

  private protocolNamed(slot: Slot | undefined): AnyProtocol | undefined {
    if (slot === undefined) return undefined;
    const name = this.reader.string(slot, "the name of a registered protocol");
    if (name === undefined) return undefined;
    const protocol = lookup(this.protocols, name);
    if (protocol === undefined) {
      const known = typeof this.protocols === "function" ? [] : [...this.protocols.keys()];
      const list = known.length === 0 ? "" : ` (${known.join(", ")})`;
      this.reader.report(
        slot.at,
        slot.path,
        `expected a registered protocol${list}, found "${name}"${didYouMean(name, known)}`,
      );
      return undefined;
    }
    this.protocolName = name;
    return protocol;
  }

  private nodeList(slot: Slot | undefined): string[] {
    if (slot === undefined) return [];
    const items = this.reader.list(slot, "a list of node names");
    if (items === undefined) return [];
    if (items.length === 0) {
      this.reader.expected(slot, "at least one node");
      return [];
    }
    if (items.length > SCENARIO_LIMITS.maxNodes) {
      this.reader.expected(slot, `at most ${SCENARIO_LIMITS.maxNodes} nodes (the limit maxNodes)`);
      return [];
    }
    const names: string[] = [];
    for (const item of items) {
      const name = this.reader.string(item, "a node name (text)");
      if (name === undefined) continue;
      if (name.trim() === "" || /\s/.test(name)) {
        this.reader.expected(item, "a node name without spaces");
      } else if (name === NETWORK_NODE) {
        this.reader.expected(item, `a node name other than "${NETWORK_NODE}" (the trace's name for the network)`);
      } else if (names.includes(name)) {
        this.reader.report(item.at, item.path, `node "${name}" is listed twice; node names must be unique`);
      } else {
        names.push(name);
      }
    }
    return names;
  }

  /** A reference to one of the scenario's nodes; `network` too where the trace's network events can match. */
  private nodeRef(slot: Slot, allowNetwork = false): string | undefined {
    const value = this.reader.string(slot, "a node name");
    if (value === undefined) return undefined;
    // With no usable nodes: list, that one problem is reported; every reference would only repeat it.
    if (this.nodes.length === 0) return undefined;
    if (this.nodes.includes(value) || (allowNetwork && value === NETWORK_NODE)) return value;
    const names = allowNetwork ? [...this.nodes, NETWORK_NODE] : this.nodes;
    this.reader.report(
      slot.at,
      slot.path,
      `expected one of the scenario's nodes (${names.join(", ")}), found "${value}"${didYouMean(value, names)}`,
    );
    return undefined;
  }

  // ------------------------------------------------------------ numbers and network

  private limitsSpec(slot: Slot | undefined): LimitsSpec {
    if (slot === undefined) return DEFAULT_LIMITS;
    const fields = this.reader.mapping(slot, { required: [], optional: ["maxTime", "maxEvents"] });
    if (fields === undefined) return DEFAULT_LIMITS;
    const maxTime = this.optional(fields.get("maxTime"), (s) =>
      this.reader.integer(
        s,
        `${TICKS}, at most ${SCENARIO_LIMITS.maxTimeMs} (the limit maxTimeMs)`,
        0,
        SCENARIO_LIMITS.maxTimeMs,
      ),
    );
    const maxEvents = this.optional(fields.get("maxEvents"), (s) =>
      this.reader.integer(
        s,
        `a positive integer number of events, at most ${SCENARIO_LIMITS.maxEvents} (the limit maxEvents)`,
        1,
        SCENARIO_LIMITS.maxEvents,
      ),
    );
    return { maxTime: maxTime ?? DEFAULT_LIMITS.maxTime, maxEvents: maxEvents ?? DEFAULT_LIMITS.maxEvents };
  }

  private delay(slot: Slot): DelaySpec | undefined {
    const fields = this.reader.mapping(slot, { required: ["min", "max"], optional: [] }, "a delay { min, max } in ms");
    if (fields === undefined) return undefined;
    const minSlot = fields.get("min");
    const maxSlot = fields.get("max");
    const min = this.optional(minSlot, (s) => this.reader.integer(s, TICKS, 0));
    const max = this.optional(maxSlot, (s) => this.reader.integer(s, TICKS, 0));
    if (min === undefined || max === undefined || maxSlot === undefined) return undefined;
    if (min > max) {
      this.reader.report(maxSlot.at, maxSlot.path, `expected a max of at least min (${min}), found ${max}`);
      return undefined;
    }
    return { min, max };
  }

  private probability(slot: Slot): number | undefined {
    return this.reader.number(slot, PROBABILITY, 0, 1);
  }

  private network(slot: Slot | undefined): NetworkSpec {
    if (slot === undefined) return DEFAULT_NETWORK;
    const fields = this.reader.mapping(slot, {
      required: [],
      optional: ["delay", "drop", "duplicate", "fifo", "partitionInFlight", "links"],
    });
    if (fields === undefined) return DEFAULT_NETWORK;
    const links: LinkSpec[] = [];
    const linkSlot = fields.get("links");
    const seen = new Map<string, string>();
    for (const item of (linkSlot === undefined ? undefined : this.reader.list(linkSlot, "a list of links")) ?? []) {
      const link = this.reader.mapping(item, { required: ["from", "to"], optional: ["delay", "drop", "duplicate"] });
      if (link === undefined) continue;
      const from = this.optional(link.get("from"), (s) => this.nodeRef(s));
      const to = this.optional(link.get("to"), (s) => this.nodeRef(s));
      const delay = this.optional(link.get("delay"), (s) => this.delay(s));
      const drop = this.optional(link.get("drop"), (s) => this.probability(s));
      const duplicate = this.optional(link.get("duplicate"), (s) => this.probability(s));
      if (from === undefined || to === undefined) continue;
      const toSlot = link.get("to") as Slot;
      if (from === to) {
        this.reader.expected(toSlot, `a node other than from (${from}): a link joins two nodes`);
        continue;
      }
      const earlier = seen.get(`${from}->${to}`);
      if (earlier !== undefined) {
        this.reader.report(item.at, item.path, `the link from ${from} to ${to} is already given at ${earlier}`);
        continue;
      }
      seen.set(`${from}->${to}`, formatPath(item.path));
      links.push({
        from,
        to,
        ...(delay === undefined ? {} : { delay }),
        ...(drop === undefined ? {} : { drop }),
        ...(duplicate === undefined ? {} : { duplicate }),
      });
    }
    const fifo = this.optional(fields.get("fifo"), (s) => this.reader.boolean(s));
    const inFlight = this.optional(fields.get("partitionInFlight"), (s) =>
      this.reader.choice(s, ["drop", "hold"] as const, "drop or hold"),
    );
    return {
      delay: this.optional(fields.get("delay"), (s) => this.delay(s)) ?? DEFAULT_NETWORK.delay,
      drop: this.optional(fields.get("drop"), (s) => this.probability(s)) ?? DEFAULT_NETWORK.drop,
      duplicate: this.optional(fields.get("duplicate"), (s) => this.probability(s)) ?? DEFAULT_NETWORK.duplicate,
      fifo: fifo ?? DEFAULT_NETWORK.fifo,
      partitionInFlight: inFlight ?? DEFAULT_NETWORK.partitionInFlight,
      links,
    };
  }

  private clocks(slot: Slot | undefined): Record<string, ClockSpec> {
    const clocks: Record<string, ClockSpec> = {};
    if (slot === undefined) return clocks;
    const entries = this.reader.entries(slot, "a mapping from node names to { offset, drift }");
    for (const entry of entries ?? []) {
      const name = this.nodeRef(entry.keySlot);
      const fields = this.reader.mapping(entry.value, { required: [], optional: ["offset", "drift"] });
      if (fields === undefined || name === undefined) continue;
      const offset = this.optional(fields.get("offset"), (s) => this.reader.integer(s, OFFSET, -Number.MAX_SAFE_INTEGER));
      const drift = this.optional(fields.get("drift"), (s) => this.drift(s));
      clocks[name] = { offset: offset ?? 0, drift: drift ?? 0 };
    }
    return clocks;
  }

  private drift(slot: Slot): number | undefined {
    const value = this.reader.number(slot, DRIFT);
    if (value !== undefined && value <= -1) return this.reader.expected(slot, DRIFT);
    return value;
  }

  // ------------------------------------------------------------ config

  /** The protocol's own config, validated by its parseConfig; its problems are located under `config`. */
  private config(slot: Slot | undefined, root: Slot): { value: unknown } | undefined {
    const raw = slot === undefined ? undefined : this.reader.json(slot);
    if (slot !== undefined && raw === undefined) return undefined;
    if (this.protocol === undefined || this.nodes.length === 0) return undefined;
    let result: ReturnType<AnyProtocol["parseConfig"]>;
    try {
      result = this.protocol.parseConfig(raw, this.nodes);
    } catch (error) {
      // A bug in a protocol's config check must not take the whole catalog down.
      const at = slot === undefined ? root.at : slot.at;
      this.reader.report(at, ["config"], `${this.protocolName}'s config check failed: ${String(error)}`);
      return undefined;
    }
    if (result.ok) return { value: result.config };
    for (const problem of result.problems) {
      const at = slot === undefined ? root.at : this.reader.locate(slot, problem.path);
      this.reader.report(at, ["config", ...problem.path], problem.message);
    }
    return undefined;
  }

  // ------------------------------------------------------------ workload and faults

  private listOf<T>(slot: Slot | undefined, what: string, read: (slot: Slot) => T | undefined): T[] {
    if (slot === undefined) return [];
    const values: T[] = [];
    const items = this.reader.list(slot, what) ?? [];
    if (items.length > SCENARIO_LIMITS.maxListItems) {
      this.reader.expected(slot, `${what} of at most ${SCENARIO_LIMITS.maxListItems} items (the limit maxListItems)`);
      return values;
    }
    for (const item of items) {
      const value = read(item);
      if (value !== undefined) values.push(value);
    }
    return values;
  }

  private workloadItem(slot: Slot): WorkloadSpec | undefined {
    const fields = this.reader.mapping(
      slot,
      { required: ["node", "op"], optional: [...TRIGGER_FIELDS, "args", "followRedirects"] },
      "a client request { at or when, node, op, args }",
    );
    if (fields === undefined) return undefined;
    const trigger = this.trigger(slot, fields);
    const node = this.optional(fields.get("node"), (s) => this.nodeRef(s));
    const op = this.optional(fields.get("op"), (s) => this.operation(s));
    const args = this.optional(fields.get("args"), (s) => this.reader.jsonObject(s, "a mapping of arguments"));
    const followRedirects = this.optional(fields.get("followRedirects"), (s) =>
      this.reader.integer(s, "a non-negative integer number of redirects", 0),
    );
    if (trigger === undefined || node === undefined || op === undefined) return undefined;
    if (fields.has("args") && args === undefined) return undefined;
    return {
      trigger,
      node,
      op,
      args: args ?? ({} as JsonObject),
      followRedirects: followRedirects ?? DEFAULT_FOLLOW_REDIRECTS,
    };
  }

  private operation(slot: Slot): string | undefined {
    const op = this.reader.string(slot, "an operation name");
    if (op === undefined || this.protocol === undefined) return undefined;
    const operations = this.protocol.operations;
    if (operations.includes(op)) return op;
    this.reader.report(
      slot.at,
      slot.path,
      `expected one of ${this.protocolName}'s operations (${operations.join(", ")}), found "${op}"${didYouMean(op, operations)}`,
    );
    return undefined;
  }

  /** Exactly one of `at:` and `when:`; `after:` only with `when:`. */
  private trigger(item: Slot, fields: Map<string, Slot>): TriggerSpec | undefined {
    const atSlot = fields.get("at");
    const whenSlot = fields.get("when");
    const afterSlot = fields.get("after");
    if (atSlot !== undefined && whenSlot !== undefined) {
      this.reader.report(
        item.at,
        item.path,
        "expected exactly one of at: (a time) or when: (an event predicate), found both",
      );
      return undefined;
    }
    if (atSlot === undefined && whenSlot === undefined) {
      this.reader.report(
        item.at,
        item.path,
        "expected at: (a time in ms) or when: (an event predicate) saying when this happens, found neither",
      );
      return undefined;
    }
    if (atSlot !== undefined) {
      if (afterSlot !== undefined) {
        this.reader.report(
          afterSlot.at,
          afterSlot.path,
          "after: is only allowed with when:; with at: add the delay to the time instead",
        );
      }
      const at = this.reader.integer(atSlot, TICKS, 0);
      if (at === undefined) return undefined;
      if (at > this.limits.maxTime) {
        return this.reader.expected(
          atSlot,
          `a time within limits.maxTime (${this.limits.maxTime} ms), or it would never happen`,
        );
      }
      return afterSlot === undefined ? { type: "at", at } : undefined;
    }
    const when = whenSlot as Slot;
    const whenFields = this.reader.mapping(when, { required: ["event"], optional: [] }, "a mapping { event: ... }");
    const eventSlot = whenFields?.get("event");
    const predicate = eventSlot === undefined ? undefined : this.predicate(eventSlot, true);
    const after = this.optional(afterSlot, (s) => this.reader.integer(s, TICKS, 0));
    if (predicate === undefined || (afterSlot !== undefined && after === undefined)) return undefined;
    return { type: "when", when: { ...predicate, count: predicate.count ?? 1 }, after: after ?? 0 };
  }

  /** An event predicate (README: kind, node, from, to, message, summaryContains, and count in triggers). */
  private predicate(
    slot: Slot,
    withCount: boolean,
    context?: string,
  ): (Omit<EventPredicate, "count"> & { count?: number }) | undefined {
    const fields = this.reader.mapping(
      slot,
      {
        required: [],
        optional: withCount ? [...PREDICATE_FIELDS, "count"] : PREDICATE_FIELDS,
        ...(context === undefined ? {} : { context }),
      },
      "an event predicate { kind, node, from, to, message, summaryContains }",
    );
    if (fields === undefined) return undefined;
    const { read, failed } = fieldReader(fields);
    const kind = read("kind", (s) => this.reader.choice(s, EVENT_KINDS, `an event kind (${EVENT_KINDS.join(", ")})`));
    const node = read("node", (s) => this.nodeRef(s, true));
    const from = read("from", (s) => this.nodeRef(s));
    const to = read("to", (s) => this.nodeRef(s));
    const message = read("message", (s) => this.reader.text(s, "a message type or client op (text)"));
    const summaryContains = read("summaryContains", (s) => this.reader.text(s, "some text to find in the summary"));
    const count = read("count", (s) => this.reader.integer(s, "a count of at least 1", 1));
    if (failed()) return undefined;
    return {
      ...(kind === undefined ? {} : { kind }),
      ...(node === undefined ? {} : { node }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(message === undefined ? {} : { message }),
      ...(summaryContains === undefined ? {} : { summaryContains }),
      ...(count === undefined ? {} : { count }),
    };
  }

  /** Faults given apart from the file (parseFaults), checked against the loaded scenario's nodes and limits. */
  looseFaults(scenario: Scenario, list: boolean, timing: FaultTiming): LooseFault[] | undefined {
    this.nodes = [...scenario.spec.nodes];
    this.limits = scenario.spec.limits;
    const root = this.reader.root;
    if (!list) {
      const fault = this.fault(root, timing);
      return fault === undefined ? undefined : [fault];
    }
    const faults = this.listOf(root, "a list of faults", (slot) => this.fault(slot, timing));
    return this.reader.problems.length > 0 ? undefined : faults;
  }

  private fault(slot: Slot, timing: "required"): FaultSpec | undefined;
  private fault(slot: Slot, timing: FaultTiming): LooseFault | undefined;
  private fault(slot: Slot, timing: "required" | FaultTiming): LooseFault | undefined {
    const doSlot = this.reader.peek(slot, "do");
    const kind =
      doSlot === undefined
        ? undefined
        : this.reader.choice(doSlot, FAULT_KINDS, `a fault kind (${FAULT_KINDS.join(", ")})`);
    // With no usable do:, accept every fault field so that only the do: problem is reported.
    const own =
      kind === undefined
        ? { required: [], optional: [...new Set(Object.values(FAULT_FIELDS).flatMap((f) => [...f.required, ...f.optional]))] }
        : FAULT_FIELDS[kind];
    const fields = this.reader.mapping(
      slot,
      {
        required: ["do", ...own.required],
        optional: timing === "now" ? own.optional : [...TRIGGER_FIELDS, ...own.optional],
        listed: [...(timing === "now" ? [] : TRIGGER_FIELDS), "do", ...own.required, ...own.optional],
        ...(kind === undefined ? {} : { context: `for do: ${kind}` }),
      },
      "a fault { at or when, do, ... }",
    );
    if (fields === undefined) return undefined;
    const untimed = timing === "now" || (timing === "optional" && !fields.has("at") && !fields.has("when"));
    const trigger = untimed ? undefined : this.trigger(slot, fields);
    if (kind === undefined) return undefined;
    const action = this.action(kind, fields);
    if ((!untimed && trigger === undefined) || action === undefined) return undefined;
    return { trigger, action };
  }

  private action(kind: FaultKind, fields: Map<string, Slot>): FaultAction | undefined {
    const r = this.reader;
    // Only the fields this kind allows are in `fields`; each given one is validated.
    const { read, failed } = fieldReader(fields);
    const node = read("node", (s) => this.nodeRef(s));
    const from = read("from", (s) => this.nodeRef(s));
    const to = read("to", (s) => this.nodeRef(s));
    const probability = read("probability", (s) => this.probability(s));
    const min = read("min", (s) => r.integer(s, TICKS, 0));
    const max = read("max", (s) => r.integer(s, TICKS, 0));
    const offset = read("offset", (s) => r.integer(s, OFFSET, -Number.MAX_SAFE_INTEGER));
    const drift = read("drift", (s) => this.drift(s));
    const groups = read("groups", (s) => this.groups(s));
    const message = read("message", (s) => r.text(s, "a message type (text)"));
    const duration = read("duration", (s) => r.integer(s, "a pause of at least 1 ms (an integer)", 1));
    const count = read("count", (s) =>
      r.integer(s, `a count of messages from 1 to ${MAX_LOSE_COUNT}`, 1, MAX_LOSE_COUNT),
    );
    if (failed()) return undefined;
    const link = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
    switch (kind) {
      case "crash":
      case "recover":
      case "isolate":
        return node === undefined ? undefined : { do: kind, node };
      case "heal":
        return { do: "heal" };
      case "partition":
        return groups === undefined ? undefined : { do: "partition", groups };
      case "cut":
        if (from === undefined || to === undefined) return undefined;
        if (from === to) return r.expected(fields.get("to") as Slot, `a node other than from (${from})`);
        return { do: "cut", from, to };
      case "lose":
        if (from === undefined || to === undefined) return undefined;
        if (from === to) return r.expected(fields.get("to") as Slot, `a node other than from (${from})`);
        return { do: "lose", from, to, count: count ?? 1 };
      case "drop":
      case "duplicate":
        return probability === undefined ? undefined : { do: kind, ...link, probability };
      case "delay":
        if (min === undefined || max === undefined) return undefined;
        if (min > max) return r.expected(fields.get("max") as Slot, `a max of at least min (${min})`);
        return { do: "delay", ...link, min, max };
      case "ignore":
        return message === undefined ? undefined : { do: "ignore", message, ...(node === undefined ? {} : { node }) };
      case "pause":
        return node === undefined || duration === undefined ? undefined : { do: "pause", node, duration };
      case "clock":
        if (node === undefined || offset === undefined) return undefined;
        return { do: "clock", node, offset, ...(drift === undefined ? {} : { drift }) };
    }
  }

  private groups(slot: Slot): string[][] | undefined {
    const lists = this.reader.list(slot, "a list of node groups, each a list of node names");
    if (lists === undefined) return undefined;
    if (lists.length === 0) return this.reader.expected(slot, "at least one group of nodes");
    const placed = new Map<string, string>();
    const groups: string[][] = [];
    let ok = true;
    for (const list of lists) {
      const members = this.reader.list(list, "a group: a list of node names");
      if (members === undefined) {
        ok = false;
        continue;
      }
      if (members.length === 0) {
        this.reader.expected(list, "a group with at least one node");
        ok = false;
        continue;
      }
      const group: string[] = [];
      for (const member of members) {
        const name = this.nodeRef(member);
        if (name === undefined) {
          ok = false;
          continue;
        }
        const earlier = placed.get(name);
        if (earlier !== undefined) {
          this.reader.report(member.at, member.path, `${name} is already in ${earlier}; a node is in one group only`);
          ok = false;
          continue;
        }
        placed.set(name, formatPath(list.path));
        group.push(name);
      }
      groups.push(group);
    }
    return ok ? groups : undefined;
  }

  // ------------------------------------------------------------ expect

  private expectItem(slot: Slot): ExpectSpec | undefined {
    const r = this.reader;
    const fields = r.mapping(
      slot,
      { required: [], optional: [...EXPECT_CHECKS, "count", "min", "max", "description"] },
      `an expected outcome (one of ${EXPECT_CHECKS.join(", ")})`,
    );
    if (fields === undefined) return undefined;
    const checks = EXPECT_CHECKS.filter((check) => fields.has(check));
    if (checks.length !== 1) {
      const found = checks.length === 0 ? "none" : checks.join(" and ");
      r.report(slot.at, slot.path, `expected exactly one of ${EXPECT_CHECKS.join(", ")}, found ${found}`);
      return undefined;
    }
    const check = checks[0] as (typeof EXPECT_CHECKS)[number];
    const countFields = ["count", "min", "max"].filter((name) => fields.has(name));
    if (check !== "events") {
      for (const name of countFields) {
        const field = fields.get(name) as Slot;
        r.report(field.at, field.path, `${name}: belongs to an events: check, not to ${check}:`);
      }
    }
    const description = this.optional(fields.get("description"), (s) => r.text(s, "a description (text)"));
    if (fields.has("description") && description === undefined) return undefined;
    const extra = description === undefined ? {} : { description };
    const body = fields.get(check) as Slot;
    switch (check) {
      case "violations": {
        const invariants = this.invariants(body);
        return invariants === undefined || countFields.length > 0
          ? undefined
          : { kind: "violations", invariants, ...extra };
      }
      case "events": {
        const match = this.predicate(body, false, "(count:, min: and max: go beside events:, not inside it)");
        const count = this.optional(fields.get("count"), (s) => r.integer(s, "a non-negative integer count", 0));
        const min = this.optional(fields.get("min"), (s) => r.integer(s, "a non-negative integer count", 0));
        const max = this.optional(fields.get("max"), (s) => r.integer(s, "a non-negative integer count", 0));
        if (countFields.length === 0) {
          r.report(slot.at, slot.path, "expected count:, or min: and/or max:, with events:, found none of them");
          return undefined;
        }
        if (fields.has("count") && (fields.has("min") || fields.has("max"))) {
          r.report(slot.at, slot.path, "expected either count: or min:/max:, found both");
          return undefined;
        }
        if (min !== undefined && max !== undefined && min > max) {
          const maxSlot = fields.get("max") as Slot;
          r.report(maxSlot.at, maxSlot.path, `expected a max of at least min (${min}), found ${max}`);
          return undefined;
        }
        if (match === undefined || countFields.length !== [count, min, max].filter((v) => v !== undefined).length) {
          return undefined;
        }
        return {
          kind: "events",
          match,
          ...(count === undefined ? {} : { count }),
          ...(min === undefined ? {} : { min }),
          ...(max === undefined ? {} : { max }),
          ...extra,
        };
      }
      case "state": {
        const state = r.mapping(body, { required: ["node", "path", "equals"], optional: [] }, "a mapping { node, path, equals }");
        if (state === undefined) return undefined;
        const node = this.optional(state.get("node"), (s) => this.nodeRef(s));
        const statePath = this.optional(state.get("path"), (s) =>
          r.text(s, "a dotted path into the node's state view (e.g. transactions.t1.status)"),
        );
        const equalsSlot = state.get("equals");
        const equals = equalsSlot === undefined ? undefined : r.json(equalsSlot);
        if (node === undefined || statePath === undefined || equals === undefined || countFields.length > 0) {
          return undefined;
        }
        return { kind: "state", node, path: statePath, equals, ...extra };
      }
      case "stop": {
        const reason = r.choice(body, STOP_REASONS, `a stop reason (${STOP_REASONS.join(", ")})`);
        return reason === undefined || countFields.length > 0 ? undefined : { kind: "stop", reason, ...extra };
      }
      case "order": {
        const order = r.mapping(body, { required: ["first", "then"], optional: [] }, "a mapping { first, then }");
        if (order === undefined) return undefined;
        const first = this.optional(order.get("first"), (s) => this.predicate(s, false));
        const then = this.optional(order.get("then"), (s) => this.predicate(s, false));
        if (first === undefined || then === undefined || countFields.length > 0) return undefined;
        return { kind: "order", first, then, ...extra };
      }
    }
  }

  /** The invariants the protocol declares (Protocol.invariants): no checker is built to learn them. */
  private checkedInvariants(): readonly string[] | undefined {
    return this.protocol?.invariants;
  }

  /** The invariants named in `violations:` must be ones the protocol checks, or the expectation could never fail. */
  private invariants(slot: Slot): string[] | undefined {
    const items = this.reader.list(slot, "a list of invariant names ([] for none)");
    if (items === undefined) return undefined;
    const checked = this.checkedInvariants();
    const names: string[] = [];
    let ok = true;
    for (const item of items) {
      const name = this.reader.text(item, "an invariant name");
      if (name === undefined) {
        ok = false;
      } else if (checked !== undefined && !checked.includes(name)) {
        const list = checked.length === 0 ? `${this.protocolName} checks no invariants` : `one of ${checked.join(", ")}`;
        this.reader.report(
          item.at,
          item.path,
          `expected an invariant that ${this.protocolName} checks (${list}), found "${name}"${didYouMean(name, checked)}`,
        );
        ok = false;
      } else if (names.includes(name)) {
        this.reader.report(item.at, item.path, `invariant "${name}" is listed twice`);
        ok = false;
      } else {
        names.push(name);
      }
    }
    return ok ? names : undefined;
  }
}

/**
 * Reads optional fields of a mapping, remembering whether any that was given failed
 * to validate (a field left out is fine; one given wrongly makes the whole item unusable).
 */
function fieldReader(fields: Map<string, Slot>): {
  read: <T>(name: string, parse: (slot: Slot) => T | undefined) => T | undefined;
  failed: () => boolean;
} {
  let failed = false;
  return {
    read: (name, parse) => {
      const field = fields.get(name);
      if (field === undefined) return undefined;
      const value = parse(field);
      if (value === undefined) failed = true;
      return value;
    },
    failed: () => failed,
  };
}
