import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import type { LinearizabilityVerdict as VerdictName } from "../../checkers/linearizability";

export const LinearizabilityVerdict = {
  LINEARIZABLE: "LINEARIZABLE",
  NOT_LINEARIZABLE: "NOT_LINEARIZABLE",
  UNKNOWN: "UNKNOWN",
} as const satisfies Record<VerdictName, VerdictName>;

registerEnumType(LinearizabilityVerdict, {
  name: "LinearizabilityVerdict",
  description: "What the linearizability checker decided about a history.",
  valuesConfig: {
    LINEARIZABLE: { description: "Some order of the operations explains every result and respects real time." },
    NOT_LINEARIZABLE: { description: "No such order exists; failedOp cannot be placed after the prefix." },
    UNKNOWN: { description: "The search ran out of its time (or memory) budget before deciding." },
  },
});

@ObjectType({
  simpleResolvers: true,
  description:
    "The verdict of the linearizability checker (Wing and Gong's search with Lowe's memoization, as Porcupine " +
    "does it) on a history of client operations, with its reasons.",
})
export class LinearizabilityResult {
  @Field(() => LinearizabilityVerdict)
  verdict!: VerdictName;

  @Field(() => String, { description: "Why, in sentences a learner can follow." })
  explanation!: string;

  @Field(() => Int, { description: "How many operations the history has (failed ones too)." })
  operations!: number;

  @Field(() => [Int], {
    nullable: true,
    description:
      "Operation indexes (into the submitted operations, or a run's client operations in order of invocation). " +
      "LINEARIZABLE: one linearization of the operations that took effect. NOT_LINEARIZABLE: the longest " +
      "linearizable prefix found (for kv, of the failing key). UNKNOWN: null.",
  })
  prefix!: readonly number[] | null;

  @Field(() => Int, { nullable: true, description: "NOT_LINEARIZABLE: the operation that cannot be placed." })
  failedOp!: number | null;

  @Field(() => Float, { description: "Wall time the check took, in milliseconds." })
  elapsedMs!: number;
}
