import { GraphQLJSON } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import type { EventKind as EventKindName } from "../../sim/types";
import { EventKind } from "./enums";

@ObjectType({ simpleResolvers: true, description: "One step of a run, with a sentence that explains it." })
export class TraceEvent {
  @Field(() => Int, { description: "Position in the run's trace: 0, 1, 2, ..." })
  seq!: number;

  @Field(() => Int, { description: "Virtual time in ticks (1 tick = 1 simulated millisecond)." })
  time!: number;

  @Field(() => String, { description: 'The node the event happened at ("network" for partitions and heals).' })
  node!: string;

  @Field(() => EventKind)
  kind!: EventKindName;

  @Field(() => String, { description: "One plain-English sentence that explains the event to a learner." })
  summary!: string;

  @Field(() => Int, { description: "The node's Lamport timestamp after the event." })
  lamport!: number;

  @Field(() => GraphQLJSON, { description: "The node's vector clock after the event: node name -> counter." })
  vclock!: Record<string, number>;

  @Field(() => GraphQLJSON, { nullable: true, description: "Details: the message, the timer, the state change..." })
  data!: unknown;
}

@ObjectType({ simpleResolvers: true, description: "A page of a run's events, in seq order." })
export class EventPage {
  @Field(() => [TraceEvent])
  events!: TraceEvent[];

  @Field(() => Int, {
    nullable: true,
    description: "Pass as `after` to get the next page; null when the page is empty.",
  })
  nextCursor!: number | null;

  @Field(() => Boolean, { description: "Whether events after this page match the query." })
  hasMore!: boolean;
}

@ObjectType({ simpleResolvers: true, description: "A safety property a run broke." })
export class Violation {
  @Field(() => String, { description: "The invariant's name, e.g. agreement." })
  invariant!: string;

  @Field(() => Int, { description: "The seq of the event after which the violation was detected." })
  seq!: number;

  @Field(() => String)
  message!: string;
}

@ObjectType({ simpleResolvers: true, description: "One node's state at a point of a run." })
export class NodeState {
  @Field(() => String, { description: "The node's name (not an id: it repeats in every run)." })
  node!: string;

  @Field(() => Boolean, { description: "False while the node is crashed." })
  up!: boolean;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The node's state as the protocol shows it; null while down.",
  })
  state!: unknown;
}
