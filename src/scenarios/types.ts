import type { Json, JsonObject } from "../sim/json";
import type { EventPredicate, SimulationSpec } from "../sim/spec";

export const TOPICS = ["consensus", "transactions", "clocks", "crdt", "replication"] as const;
export type Topic = (typeof TOPICS)[number];

/** A validated scenario file. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly topic: Topic;
  readonly protocol: string;
  /** Markdown shown to learners. */
  readonly summary: string;
  readonly objectives: readonly string[];
  /** The protocol's `config:` block, already validated by the protocol's parseConfig. */
  readonly config: unknown;
  readonly spec: SimulationSpec;
  readonly expect: readonly ExpectSpec[];
  /** The seeds its lesson holds for (`seeds:`): every expect: must hold on each, and on `spec.seed`. */
  readonly seeds: LessonSeeds;
  /**
   * The `questions:` list for grading, as written (JSON values); its format belongs to
   * src/grading, which validates it. The loader always sets it (empty when the file has none).
   */
  readonly questions?: readonly Json[];
  /** The YAML text the scenario was read from, served as Scenario.source. */
  readonly source: string;
  /** Where it was read from (relative to the scenarios directory), for error messages. */
  readonly file: string;
}

/** `seeds:` of a scenario file. */
export interface LessonSeeds {
  readonly seeds: readonly number[];
  /** Set when the lesson is meant only for these seeds (fewer than the default twenty): why. */
  readonly only?: string;
}

/**
 * An outcome that must hold for the scenario's own seed; tests check every one.
 * Exactly one of the checks is present in each item.
 */
export type ExpectSpec =
  | {
      /** The exact set of invariants violated in the run (empty: none). */
      readonly kind: "violations";
      readonly invariants: readonly string[];
      readonly description?: string;
    }
  | {
      /** How many events match the predicate (predicate.count is ignored here). */
      readonly kind: "events";
      readonly match: Omit<EventPredicate, "count">;
      readonly count?: number;
      readonly min?: number;
      readonly max?: number;
      readonly description?: string;
    }
  | {
      /** A value in a node's final state view, by dotted path (e.g. "transactions.t1.status"). */
      readonly kind: "state";
      readonly node: string;
      readonly path: string;
      readonly equals: JsonObject[string];
      readonly description?: string;
    }
  | {
      /** The run's stop reason. */
      readonly kind: "stop";
      readonly reason: string;
      readonly description?: string;
    }
  | {
      /** Every event matching `first` comes before the first event matching `then` (by seq). */
      readonly kind: "order";
      readonly first: Omit<EventPredicate, "count">;
      readonly then: Omit<EventPredicate, "count">;
      readonly description?: string;
    };
