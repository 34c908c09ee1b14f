import { type DocumentNode, type FieldNode, type GraphQLError, type GraphQLSchema, getOperationAST } from "graphql";
import {
  type ComplexityEstimator,
  type ComplexityEstimatorArgs,
  getComplexity,
  simpleEstimator,
} from "graphql-query-complexity";
import { MAX_EVENTS_PAGE, MAX_RUNS_PAGE } from "../../runs";
import type { Limits } from "./config";
import { limitRefusal } from "./refusal";
import { runSizes } from "./run-sizes";

/**
 * The price of an operation, in points: one per field, with these exceptions, which
 * grow with what the server must read or compute. A run's length is its stored
 * eventCount when the operation names it with run(id:), else UNKNOWN_RUN_EVENTS.
 *
 *   Run.events(first)              first x (the fields asked of each event) + 1; first defaults to 100, counts at most 1000
 *   Query.runs(first)              first x (the fields asked of each run) + 1; first defaults to 20, counts at most 100
 *   Run.concurrentWith(seq)        a scan of the whole run: 1 per EVENTS_PER_POINT events + 1
 *   Run.nodes(atSeq)               a replay up to atSeq (the run's end when absent): REPLAY + 1 per EVENTS_PER_POINT
 *   Run.timeline / Run.diagram     a replay up to toSeq plus the range drawn: REPLAY + 1 per EVENTS_PER_POINT of toSeq,
 *                                  + (toSeq - fromSeq) / every frames x the fields of a frame
 *   Run.linearizability, .serializability, .export, .divergesAt
 *                                  CHECK + 1 per EVENTS_PER_POINT events of the run
 *   Query.checkLinearizability / checkSerializability
 *                                  CHECK + 1 per operation or transaction of the history argument
 *
 * Fields that other issues add (timeline, diagram, export, divergesAt) are priced by
 * name if the schema has them.
 */
export const EVENTS_PER_POINT = 10;
export const UNKNOWN_RUN_EVENTS = 10_000;
export const REPLAY_POINTS = 10;
export const CHECK_POINTS = 100;
const DEFAULT_EVENTS_FIRST = 100;
const DEFAULT_RUNS_FIRST = 20;
/** graphql-query-complexity stops pricing after this many field nodes (fragments counted where spread). */
const MAX_PRICED_NODES = 10_000;
const TOO_MANY_NODES = "Query exceeds the maximum allowed number of nodes.";

/** The context the estimators read: how long the run behind each Run field is. */
interface CostContext {
  readonly runEvents: WeakMap<FieldNode, number>;
}

const scan = (events: number): number => Math.ceil(Math.max(0, events) / EVENTS_PER_POINT);

function intArgument(args: Record<string, unknown>, name: string): number | undefined {
  const value = args[name];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** A page's `first`, within what the run engine accepts (it refuses the rest by name, BAD_USER_INPUT). */
function pageSize(args: Record<string, unknown>, fallback: number, max: number): number {
  return Math.min(max, Math.max(0, intArgument(args, "first") ?? fallback));
}

/** How many items a JSON history argument holds (operations or txns), 0 when it has none. */
function historySize(history: unknown, key: "operations" | "txns"): number {
  if (typeof history !== "object" || history === null) return 0;
  const items = (history as Record<string, unknown>)[key];
  return Array.isArray(items) ? items.length : 0;
}

type Price = (options: ComplexityEstimatorArgs, runEvents: number) => number;

const rangePrice: Price = ({ args, childComplexity }, runEvents) => {
  const to = Math.min(intArgument(args, "toSeq") ?? runEvents, runEvents);
  const from = Math.max(0, intArgument(args, "fromSeq") ?? 0);
  const every = Math.max(1, intArgument(args, "every") ?? 1);
  const frames = Math.ceil(Math.max(0, to - from + 1) / every);
  return REPLAY_POINTS + scan(to) + frames * Math.max(1, childComplexity);
};

const runCheckPrice: Price = ({ childComplexity }, runEvents) => CHECK_POINTS + scan(runEvents) + childComplexity;

const PRICES: Readonly<Record<string, Price>> = {
  "Run.events": ({ args, childComplexity }) =>
    1 + pageSize(args, DEFAULT_EVENTS_FIRST, MAX_EVENTS_PAGE) * Math.max(1, childComplexity),
  "Query.runs": ({ args, childComplexity }) =>
    1 + pageSize(args, DEFAULT_RUNS_FIRST, MAX_RUNS_PAGE) * Math.max(1, childComplexity),
  "Run.concurrentWith": (_options, runEvents) => 1 + scan(runEvents),
  "Run.nodes": ({ args, childComplexity }, runEvents) =>
    REPLAY_POINTS + scan(Math.min(intArgument(args, "atSeq") ?? runEvents, runEvents)) + childComplexity,
  "Run.timeline": rangePrice,
  "Run.diagram": rangePrice,
  "Run.linearizability": runCheckPrice,
  "Run.serializability": runCheckPrice,
  "Run.export": runCheckPrice,
  "Run.divergesAt": runCheckPrice,
  "Query.checkLinearizability": ({ args, childComplexity }) =>
    CHECK_POINTS + historySize(args["history"], "operations") + childComplexity,
  "Query.checkSerializability": ({ args, childComplexity }) =>
    CHECK_POINTS + historySize(args["history"], "txns") + childComplexity,
};

const pricedEstimator: ComplexityEstimator = (options) => {
  const price = PRICES[`${options.type.name}.${options.field.name}`];
  if (price === undefined) return undefined;
  const context = options.context as CostContext | undefined;
  return price(options, context?.runEvents.get(options.node) ?? UNKNOWN_RUN_EVENTS);
};

export interface CostRequest {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly variables?: Readonly<Record<string, unknown>> | undefined;
  readonly operationName?: string | null | undefined;
  /** The stored length of a run, undefined when there is no such run. */
  readonly eventCountOf: (runId: string) => number | undefined;
}

/** The operation's price in points (see above). Throws a GraphQLError for variables that do not fit the operation. */
export function operationCost(request: CostRequest): number {
  const runEvents = runSizes(
    request.schema,
    request.document,
    request.variables,
    request.operationName,
    request.eventCountOf,
    UNKNOWN_RUN_EVENTS,
  );
  return getComplexity({
    schema: request.schema,
    query: request.document,
    variables: { ...request.variables },
    ...(request.operationName === null || request.operationName === undefined
      ? {}
      : { operationName: request.operationName }),
    estimators: [pricedEstimator, simpleEstimator({ defaultComplexity: 1 })],
    context: { runEvents } satisfies CostContext,
    maxQueryNodes: MAX_PRICED_NODES,
  });
}

/** A refusal if the operation costs more than the limit; undefined if it may run. */
export function costRefusal(request: CostRequest, limits: Limits): GraphQLError | undefined {
  if (getOperationAST(request.document, request.operationName ?? undefined) === null) return undefined;
  let cost: number;
  try {
    cost = operationCost(request);
  } catch (error) {
    if (error instanceof Error && error.message === TOO_MANY_NODES) {
      return limitRefusal("maxCost", limits.maxCost, `The operation has more than ${MAX_PRICED_NODES} fields to price`);
    }
    // Variables that do not fit the operation: execution refuses them (BAD_USER_INPUT) before any resolver runs.
    return undefined;
  }
  if (cost <= limits.maxCost) return undefined;
  return limitRefusal(
    "maxCost",
    limits.maxCost,
    `The operation would cost ${cost} points, more than the ${limits.maxCost} allowed; ask for fewer events, ` +
      "fewer aliases or a shorter range (the README's Limits section lists what each field costs)",
  );
}
