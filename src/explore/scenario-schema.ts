import { FAULT_KINDS, MAX_SEED } from "../scenarios/loader";
import { TOPICS } from "../scenarios/types";
import { EVENT_KINDS } from "../sim/types";

/**
 * A JSON Schema (draft 2020-12) of scenario files, for editors (the YAML language
 * server reads it through a `# yaml-language-server: $schema=` comment or a settings
 * mapping). It is the shape only: the loader (src/scenarios/loader.ts) also checks
 * what a schema cannot say (node names that exist, a protocol's config and
 * operations, limits), and remains the authority. The subset of JSON Schema used here
 * is exactly what src/explore/schema-check.ts checks.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The fields each fault kind takes besides its trigger and `do:` (the loader's FAULT_FIELDS). */
const FAULT_FIELDS: Readonly<Record<(typeof FAULT_KINDS)[number], Readonly<Record<string, JsonSchema>>>> = {
  crash: { node: { $ref: "#/$defs/node" } },
  recover: { node: { $ref: "#/$defs/node" } },
  isolate: { node: { $ref: "#/$defs/node" } },
  partition: {
    groups: { type: "array", minItems: 1, items: { type: "array", minItems: 1, items: { $ref: "#/$defs/node" } } },
  },
  heal: {},
  pause: { node: { $ref: "#/$defs/node" }, duration: { type: "integer", minimum: 1 } },
  cut: { from: { $ref: "#/$defs/node" }, to: { $ref: "#/$defs/node" } },
  lose: { from: { $ref: "#/$defs/node" }, to: { $ref: "#/$defs/node" }, count: { type: "integer", minimum: 1 } },
  drop: { probability: { $ref: "#/$defs/probability" }, from: { $ref: "#/$defs/node" }, to: { $ref: "#/$defs/node" } },
  duplicate: {
    probability: { $ref: "#/$defs/probability" },
    from: { $ref: "#/$defs/node" },
    to: { $ref: "#/$defs/node" },
  },
  delay: {
    min: { $ref: "#/$defs/ticks" },
    max: { $ref: "#/$defs/ticks" },
    from: { $ref: "#/$defs/node" },
    to: { $ref: "#/$defs/node" },
  },
  ignore: { message: { type: "string" }, node: { $ref: "#/$defs/node" } },
  clock: {
    node: { $ref: "#/$defs/node" },
    offset: { type: "integer" },
    drift: { type: "number", exclusiveMinimum: -1 },
  },
};

const REQUIRED_FAULT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  crash: ["node"],
  recover: ["node"],
  isolate: ["node"],
  partition: ["groups"],
  cut: ["from", "to"],
  lose: ["from", "to"],
  drop: ["probability"],
  duplicate: ["probability"],
  delay: ["min", "max"],
  ignore: ["message"],
  clock: ["node", "offset"],
};

const TRIGGER: Readonly<Record<string, JsonSchema>> = {
  at: { $ref: "#/$defs/ticks", description: "When it happens, in ms of virtual time." },
  when: {
    type: "object",
    additionalProperties: false,
    required: ["event"],
    properties: { event: { $ref: "#/$defs/predicateWithCount" } },
    description: "When the count-th event matching the predicate is recorded.",
  },
  after: { $ref: "#/$defs/ticks", description: "With when: a delay after the matching event." },
};

/** Exactly one of at: and when:. */
const ONE_TRIGGER = [{ required: ["at"] }, { required: ["when"] }];

const PREDICATE_FIELDS: Readonly<Record<string, JsonSchema>> = {
  kind: { enum: [...EVENT_KINDS] },
  node: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  message: { type: "string" },
  summaryContains: { type: "string" },
};

function closed(
  properties: Readonly<Record<string, JsonSchema>>,
  required: readonly string[] = [],
  extra: JsonSchema = {},
): JsonSchema {
  return { type: "object", additionalProperties: false, required: [...required], properties, ...extra };
}

function expectCheck(check: string, body: JsonSchema, counts = false): JsonSchema {
  const countFields: Record<string, JsonSchema> = counts
    ? {
        count: { type: "integer", minimum: 0 },
        min: { type: "integer", minimum: 0 },
        max: { type: "integer", minimum: 0 },
      }
    : {};
  return closed({ [check]: body, description: { type: "string" }, ...countFields }, [check]);
}

export function scenarioJsonSchema(): JsonSchema {
  const text = { type: "string", minLength: 1 };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://faultline.invalid/schema/scenario.schema.json",
    title: "faultline scenario",
    description:
      "A scenario file (scenarios/<topic>/<id>.yaml). The loader checks more than this schema can: see the README, 'Scenario format'.",
    ...closed(
      {
        id: { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$", description: "The file's base name." },
        title: text,
        topic: { enum: [...TOPICS], description: "The file's folder." },
        protocol: { type: "string" },
        summary: text,
        objectives: { type: "array", minItems: 1, items: text },
        nodes: { type: "array", minItems: 1, items: { $ref: "#/$defs/node" } },
        seed: { type: "integer", minimum: 0, maximum: MAX_SEED },
        seeds: {
          anyOf: [
            { type: "string", pattern: "^[0-9]+-[0-9]+$" },
            { type: "array", items: { type: "integer", minimum: 0, maximum: MAX_SEED } },
            closed({ only: { type: "array", items: { type: "integer", minimum: 0 } }, why: text }, ["only", "why"]),
          ],
        },
        network: closed({
          delay: { $ref: "#/$defs/delay" },
          drop: { $ref: "#/$defs/probability" },
          duplicate: { $ref: "#/$defs/probability" },
          fifo: { type: "boolean" },
          partitionInFlight: { enum: ["drop", "hold"] },
          links: {
            type: "array",
            items: closed(
              {
                from: { $ref: "#/$defs/node" },
                to: { $ref: "#/$defs/node" },
                delay: { $ref: "#/$defs/delay" },
                drop: { $ref: "#/$defs/probability" },
                duplicate: { $ref: "#/$defs/probability" },
              },
              ["from", "to"],
            ),
          },
        }),
        clocks: {
          type: "object",
          additionalProperties: closed({
            offset: { type: "integer" },
            drift: { type: "number", exclusiveMinimum: -1 },
          }),
        },
        config: { type: "object", description: "The protocol's own settings, checked by the protocol." },
        workload: {
          type: "array",
          items: closed(
            {
              ...TRIGGER,
              node: { $ref: "#/$defs/node" },
              op: { type: "string" },
              args: { type: "object" },
              followRedirects: { type: "integer", minimum: 0 },
            },
            ["node", "op"],
            { oneOf: ONE_TRIGGER },
          ),
        },
        faults: {
          type: "array",
          items: {
            oneOf: FAULT_KINDS.map((kind) =>
              closed(
                { ...TRIGGER, do: { const: kind }, ...FAULT_FIELDS[kind] },
                ["do", ...(REQUIRED_FAULT_FIELDS[kind] ?? [])],
                {
                  oneOf: ONE_TRIGGER,
                },
              ),
            ),
          },
        },
        expect: {
          type: "array",
          items: {
            oneOf: [
              expectCheck("violations", { type: "array", items: { type: "string" } }),
              expectCheck("events", { $ref: "#/$defs/predicate" }, true),
              expectCheck(
                "state",
                closed({ node: { $ref: "#/$defs/node" }, path: text, equals: {} }, ["node", "path", "equals"]),
              ),
              expectCheck("stop", { enum: ["quiescent", "maxTime", "maxEvents"] }),
              expectCheck(
                "order",
                closed({ first: { $ref: "#/$defs/predicate" }, then: { $ref: "#/$defs/predicate" } }, [
                  "first",
                  "then",
                ]),
              ),
            ],
          },
        },
        questions: { type: "array" },
        limits: closed({ maxTime: { type: "integer", minimum: 1 }, maxEvents: { type: "integer", minimum: 1 } }),
      },
      ["id", "title", "topic", "protocol", "summary", "objectives", "nodes"],
    ),
    $defs: {
      node: { type: "string", minLength: 1 },
      ticks: { type: "integer", minimum: 0 },
      probability: { type: "number", minimum: 0, maximum: 1 },
      delay: closed({ min: { $ref: "#/$defs/ticks" }, max: { $ref: "#/$defs/ticks" } }, ["min", "max"]),
      predicate: closed(PREDICATE_FIELDS),
      predicateWithCount: closed({ ...PREDICATE_FIELDS, count: { type: "integer", minimum: 1 } }),
    },
  };
}
