import { GraphQLJSON } from "graphql-scalars";
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { EXPORT_FORMATS, type ExportFormat as ExportFormatName } from "../../explore/export";
import { NodeState } from "./event";

export const ExportFormat = Object.fromEntries(EXPORT_FORMATS.map((format) => [format, format])) as {
  [K in ExportFormatName]: K;
};
registerEnumType(ExportFormat, {
  name: "ExportFormat",
  description: "What Run.export writes.",
  valuesConfig: {
    JSON: {
      description: "Scenario source, seed, schedule and events: importRun reads it back to the same trace hash.",
    },
    SHIVIZ: { description: "A ShiViz log (its parser regex first, then host and vector clock, then the event)." },
    HISTORY: { description: "A Jepsen-style EDN history of the client operations (invoke, ok, fail, info)." },
  },
});

@ObjectType({ simpleResolvers: true, description: "A message, as SEND, DELIVER, DROP and DUPLICATE carry it." })
export class Message {
  @Field(() => ID, { description: "The message's id in its run; a DUPLICATE's copies share it." })
  id!: string;

  @Field(() => String, { description: "The message type (PREPARE, RequestVote, ...)." })
  type!: string;

  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: "The message as the protocol sent it." })
  payload!: unknown;
}

@ObjectType({ simpleResolvers: true, description: "One state field a STATE_CHANGE moved." })
export class StateChange {
  @Field(() => String, { description: "The field, as the protocol's state documents it (term, role, value...)." })
  path!: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "Its value before; null when the event records only the new one.",
  })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  after!: unknown;
}

@ObjectType({ simpleResolvers: true, description: "A directed link cut by a `cut` fault." })
export class Link {
  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;
}

@ObjectType({ simpleResolvers: true, description: "What the network does at one seq." })
export class NetworkState {
  @Field(() => [[String]], { description: "The groups of the partition in force; empty when there is none." })
  partitions!: string[][];

  @Field(() => [Link], { description: "Directed links cut." })
  cut!: Link[];

  @Field(() => [String], { description: "Nodes paused by a `pause` fault." })
  paused!: string[];
}

@ObjectType({ simpleResolvers: true, description: "A timer set at a node, and when it is due." })
export class TimerState {
  @Field(() => String)
  node!: string;

  @Field(() => String, { description: "The timer's name as the protocol set it (election, heartbeat, ...)." })
  name!: string;

  @Field(() => Int, { description: "The virtual time (ticks) it fires at unless cancelled or reset." })
  deadline!: number;
}

@ObjectType({ simpleResolvers: true, description: "The world right after one event: what a frontend draws there." })
export class TimelineFrame {
  @Field(() => Int)
  seq!: number;

  @Field(() => Int, { description: "The event's virtual time." })
  time!: number;

  @Field(() => [NodeState])
  nodes!: NodeState[];

  @Field(() => NetworkState)
  network!: NetworkState;

  @Field(() => [TimerState])
  timers!: TimerState[];
}

@ObjectType({ simpleResolvers: true, description: "Frames of a run, from one replay." })
export class Timeline {
  @Field(() => [TimelineFrame])
  frames!: TimelineFrame[];
}

@ObjectType({ description: "One topic of the course, with its scenarios in teaching order." })
export class Topic {
  @Field(() => ID, { description: "consensus, transactions, clocks, crdt, replication, ..." })
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { description: "Markdown, shown to learners." })
  summary!: string;

  @Field(() => [String], { description: "Ids of topics to take first (always earlier in the list)." })
  prerequisites!: string[];

  @Field(() => [String], { description: "What the learner should take away." })
  objectives!: string[];
}
