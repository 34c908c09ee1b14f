import { GraphQLJSON } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import type { EventKind as EventKindName } from "../../sim/types";
import { EventKind } from "./enums";
import { Message, StateChange } from "./explore";

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

  @Field(() => Message, { nullable: true, description: "SEND, DELIVER, DROP, DUPLICATE: the message; null otherwise." })
  message!: Message | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "The seq of the DELIVER, TIMER, CLIENT_INVOKE, RECOVER or fault this event was a step of; null for a step " +
      "of nothing (a node's start, a scheduled fault, a message arriving).",
  })
  cause!: number | null;

  @Field(() => [StateChange], {
    nullable: true,
    description: "STATE_CHANGE: the state fields it moved, before and after; null for other kinds.",
  })
  changes!: StateChange[] | null;
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

  @Field(() => String, {
    nullable: true,
    description: "Raft: follower, candidate or leader; null elsewhere and while down.",
  })
  role!: string | null;

  @Field(() => Int, { nullable: true, description: "Raft: currentTerm; null elsewhere and while down." })
  term!: number | null;

  @Field(() => String, { nullable: true, description: "Raft: the leader this node knows of, if any; null elsewhere." })
  leader!: string | null;

  @Field(() => Int, { nullable: true, description: "Raft: commitIndex; null elsewhere and while down." })
  commitIndex!: number | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The node's state as the protocol shows it (each protocol's fields: see the README); null while down.",
  })
  state!: unknown;
}
