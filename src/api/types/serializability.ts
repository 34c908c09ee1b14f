import { GraphQLJSON } from "graphql-scalars";
import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  ANOMALIES,
  EDGE_KINDS,
  type Anomaly as AnomalyName,
  type EdgeKind,
  type Scalar,
  type SerializabilityVerdict as VerdictName,
} from "../../checkers/serializability";

const verdicts: { readonly [Name in VerdictName]: Name } = {
  SERIALIZABLE: "SERIALIZABLE",
  NOT_SERIALIZABLE: "NOT_SERIALIZABLE",
  UNKNOWN: "UNKNOWN",
};
export const SerializabilityVerdict = verdicts;

registerEnumType(SerializabilityVerdict, {
  name: "SerializabilityVerdict",
  description: "What the serializability checker concluded about a history.",
  valuesConfig: {
    SERIALIZABLE: { description: "Some serial order of the committed transactions explains every read." },
    NOT_SERIALIZABLE: { description: "No serial order does: see the anomalies." },
    UNKNOWN: { description: "The time budget (or the edge limit) ran out before the answer was certain." },
  },
});

/** The Anomaly enum, built from the checker's own list so the two can never disagree. */
export const Anomaly = Object.fromEntries(ANOMALIES.map((name) => [name, name])) as {
  readonly [Name in AnomalyName]: Name;
};

registerEnumType(Anomaly, {
  name: "Anomaly",
  description:
    "Elle's anomaly classes (Kingsbury & Alvaro 2020) after Adya (1999): cycles in the dependency graph, " +
    "reads of aborted or intermediate writes, and checks of the history itself.",
  valuesConfig: {
    G0: { description: "Write cycle: transactions overwrite each other in a cycle (ww edges only)." },
    G1A: { description: "Aborted read: a committed transaction read a write of a failed one." },
    G1B: {
      description: "Intermediate read: a transaction read a value its writer later overwrote in the same transaction.",
    },
    G1C: { description: "Circular information flow: a cycle of ww and wr edges, at least one wr." },
    G_SINGLE: { description: "Read skew: a cycle with exactly one anti-dependency (rw) edge." },
    G2_ITEM: { description: "Write skew and lost update: a cycle with two or more anti-dependency (rw) edges." },
    INTERNAL: { description: "A transaction's read disagrees with its own earlier reads or writes of the key." },
    INCOMPATIBLE_ORDER: { description: "Two reads of a list are not prefixes of one another (list-append only)." },
    DUPLICATE_ELEMENTS: { description: "A read list holds a value twice, though it was appended once." },
    GARBAGE_READ: { description: "A read saw a value no transaction wrote." },
  },
});

export const DependencyKind = Object.fromEntries(EDGE_KINDS.map((name) => [name, name])) as {
  readonly [Name in EdgeKind]: Name;
};

registerEnumType(DependencyKind, {
  name: "DependencyKind",
  description: "Why one transaction must precede another in a serial order (Adya 1999).",
  valuesConfig: {
    WW: { description: "Write dependency: the second overwrote (or appended after) the first's write." },
    WR: { description: "Read dependency: the second read what the first wrote." },
    RW: { description: "Anti-dependency: the first read a version the second's write replaced." },
    REALTIME: { description: "The first returned before the second was invoked (asked for with realtime: true)." },
    PROCESS: { description: "The same process ran the first, then the second (asked for with processOrder: true)." },
  },
});

@ObjectType({ simpleResolvers: true, description: "One edge of a cycle: `from` must precede `to`, and why." })
export class DependencyEdge {
  @Field(() => Int, { description: "Index (from 0) of a transaction in the history." })
  from!: number;

  @Field(() => Int)
  to!: number;

  @Field(() => DependencyKind)
  kind!: EdgeKind;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The key the edge is about; null for REALTIME and PROCESS.",
  })
  key!: Scalar | null;

  @Field(() => String)
  explanation!: string;
}

@ObjectType({ simpleResolvers: true, description: "One anomaly: its class, its transactions and why." })
export class AnomalyFound {
  @Field(() => Anomaly)
  type!: AnomalyName;

  @Field(() => [Int], {
    description:
      "Indexes (from 0) of the transactions that form the cycle, in cycle order; for G1A and G1B, which are not " +
      "cycles, the writer and the reader; for the history checks, the transactions involved.",
  })
  cycle!: number[];

  @Field(() => [DependencyEdge], {
    description: "The cycle's edges in order; empty for anomalies that are not cycles.",
  })
  edges!: DependencyEdge[];

  @Field(() => String, { description: "The cycle in sentences a learner can follow." })
  explanation!: string;
}

@ObjectType({ simpleResolvers: true, description: "How many dependency edges of each kind the checker inferred." })
export class DependencyCounts {
  @Field(() => Int) ww!: number;
  @Field(() => Int) wr!: number;
  @Field(() => Int) rw!: number;
  @Field(() => Int) realtime!: number;
  @Field(() => Int) process!: number;
}

@ObjectType({ simpleResolvers: true, description: "The serializability checker's answer about one history." })
export class SerializabilityResult {
  @Field(() => SerializabilityVerdict)
  verdict!: VerdictName;

  @Field(() => [AnomalyFound], { description: "At most 20 of each type are listed; `reason` counts the rest." })
  anomalies!: AnomalyFound[];

  @Field(() => Int, { description: "How many transactions the history holds (of every type)." })
  transactions!: number;

  @Field(() => Float, { description: "Wall time the check took, in milliseconds." })
  elapsedMs!: number;

  @Field(() => String, {
    nullable: true,
    description: "Why the verdict is UNKNOWN or the search stopped early, and anomalies not listed; null otherwise.",
  })
  reason!: string | null;

  @Field(() => DependencyCounts)
  edgeCounts!: DependencyCounts;
}
