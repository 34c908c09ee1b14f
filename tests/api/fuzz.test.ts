import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from "graphql";
import { buildApiSchema } from "../../src/api/schema";
import { projectRoot } from "../../src/api/paths";
import { query } from "./client";
import { useServer } from "./server-fixture";

// 1,000 requests generated from the schema (random fields, arguments, aliases and
// variables, huge and wrong values), mixed with malformed bodies: every one answered
// with a result or a clear error (a code on every error), never a 5xx, a stack trace
// or an internal error, and the server answers afterwards. The seed is fixed (CI
// reproduces itself); FUZZ_SEED=N tries another, and a failure prints its seed and path.

const api = useServer("faultline-fuzz-", join(projectRoot, "scenarios"), {
  limits: { rateLimit: 1_000_000, runsPerClient: 2 },
});

type Gen = fc.GeneratorValue;

/** A value for an input type, sometimes of the wrong kind or absurdly large. */
function valueFor(g: Gen, type: GraphQLInputType, ids: readonly string[], depth = 0): unknown {
  if (g(fc.nat, 20) === 0) return g(fc.constantFrom, null, "", -1, 2 ** 53, "x".repeat(20_000), [], {}, true);
  if (isNonNullType(type)) return valueFor(g, type.ofType, ids, depth);
  if (isListType(type)) {
    return Array.from({ length: g(fc.nat, depth > 1 ? 1 : 4) }, () => valueFor(g, type.ofType, ids, depth + 1));
  }
  if (isEnumType(type)) return g(fc.constantFrom, ...type.getValues().map((value) => value.name), "NOT_A_VALUE");
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return Object.fromEntries(fields.map((field) => [field.name, valueFor(g, field.type, ids, depth + 1)]));
  }
  switch (type.name) {
    case "Int":
      return g(() => fc.oneof(fc.integer({ min: -2, max: 60 }), fc.integer(), fc.constant(2 ** 40)));
    case "Float":
      return g(fc.double, { noNaN: true, noDefaultInfinity: true });
    case "Boolean":
      return g(fc.boolean);
    case "ID":
      return g(() => fc.oneof(fc.constantFrom(...ids, "2pc-happy-path", "raft-leader-election"), fc.string()));
    case "JSON":
      return g(fc.jsonValue, { maxDepth: 4 });
    default:
      return g(() => fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 40 })));
  }
}

/** A selection set for an object type: a few of its fields, aliased now and then, to a bounded depth. */
function selection(g: Gen, type: GraphQLObjectType, ids: readonly string[], vars: Map<string, unknown>, depth: number) {
  const fields = Object.values(type.getFields());
  const count = 1 + g(fc.nat, 3);
  const parts: string[] = [];
  for (let index = 0; index < count; index++) {
    const field = fields[g(fc.nat, fields.length - 1)] as GraphQLField<unknown, unknown>;
    parts.push(fieldText(g, field, ids, vars, depth, index));
  }
  return `{ ${parts.join(" ")} }`;
}

function fieldText(
  g: Gen,
  field: GraphQLField<unknown, unknown>,
  ids: readonly string[],
  vars: Map<string, unknown>,
  depth: number,
  index: number,
): string {
  const alias = g(fc.nat, 3) === 0 ? `a${index}_${depth}: ` : "";
  const args = field.args
    .filter((argument) => isNonNullType(argument.type) || g(fc.boolean))
    .map((argument) => `${argument.name}: ${argumentText(g, argument, ids, vars)}`);
  const named = getNamedType(field.type);
  let sub = "";
  if (isObjectType(named)) {
    sub = depth >= 3 ? "{ __typename }" : selection(g, named, ids, vars, depth + 1);
  } else if (!isScalarType(named) && !isEnumType(named)) sub = "{ __typename }";
  return `${alias}${field.name}${args.length === 0 ? "" : `(${args.join(", ")})`} ${sub}`;
}

/** An argument as a variable (any JSON value) or as a literal where one can be written. */
function argumentText(g: Gen, argument: GraphQLArgument, ids: readonly string[], vars: Map<string, unknown>): string {
  const value = valueFor(g, argument.type, ids);
  if (g(fc.boolean) || isInputObjectType(getNamedType(argument.type)) || getNamedType(argument.type).name === "JSON") {
    const name = `v${vars.size}`;
    vars.set(name, value);
    return `$${name}`;
  }
  return literal(value, argument.type);
}

function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map((item) => literal(item, type)).join(", ")}]`;
  if (typeof value === "string" && isEnumType(getNamedType(type)) && /^[A-Z_]+$/.test(value)) return value;
  if (typeof value === "object") return "{}";
  return JSON.stringify(value);
}

/** Variables are declared with the argument's own type, or a wrong one now and then. */
function operation(g: Gen, schema: GraphQLSchema, ids: readonly string[]): { body: string } {
  const mutation = g(fc.nat, 4) === 0;
  const root = (mutation ? schema.getMutationType() : schema.getQueryType()) as GraphQLObjectType;
  const vars = new Map<string, unknown>();
  const declared: string[] = [];
  const fields = Object.values(root.getFields());
  const parts: string[] = [];
  for (let index = 0; index < 1 + g(fc.nat, 2); index++) {
    const field = fields[g(fc.nat, fields.length - 1)] as GraphQLField<unknown, unknown>;
    const before = vars.size;
    parts.push(fieldText(g, field, ids, vars, 0, index));
    for (const argument of field.args) {
      // Declare each variable made for this field with its argument's type (or String, wrongly).
      for (let number = before; number < vars.size; number++) {
        if (declared.length === number) declared.push(`$v${number}: ${g(fc.nat, 9) === 0 ? "String" : argument.type}`);
      }
    }
  }
  const header = declared.length === 0 ? "" : `(${declared.join(", ")})`;
  const text = `${mutation ? "mutation" : "query"} ${header} { ${parts.join(" ")} }`;
  return { body: JSON.stringify({ query: text, variables: Object.fromEntries(vars) }) };
}

/** Bodies no client library would send. */
const malformed = fc.oneof(
  fc.string().map((text) => ({ body: text })),
  fc.jsonValue().map((value) => ({ body: JSON.stringify(value) })),
  fc.constantFrom(
    { body: '{"query": 42}' },
    { body: '[{"query": "{ __typename }"}, {"query": "{ __typename }"}]' },
    { body: '{"query": "{ __typename }", "variables": "nope"}' },
    { body: `{"query": "{ ${"__typename ".repeat(3000)} }"}` },
    { body: '{"query": "query { run(id: \\"\\u0000\\") { id } }"}' },
  ),
);

test("1,000 generated requests: a result or a clear error each, no 5xx, no stack, no internal error", async () => {
  const schema = await buildApiSchema();
  const seeded = await query<{ startRun: { id: string } }>(
    api.server.url,
    'mutation { startRun(scenarioId: "2pc-happy-path") { id } }',
  );
  const ids = [seeded.startRun.id];
  const internal: string[] = [];
  const original = console.error;
  console.error = (...parts: unknown[]) => {
    internal.push(parts.map(String).join(" ").slice(0, 300));
    if (process.env["FUZZ_TRACE"]) original(...parts);
  };
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { weight: 4, arbitrary: fc.gen().map((g) => operation(g, schema, ids)) },
          { weight: 1, arbitrary: malformed },
        ),
        async ({ body }) => {
          const began = performance.now();
          const response = await fetch(api.server.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          }).catch((error: Error & { cause?: { code?: string } }) => {
            throw new Error(`no answer (${error.message}, ${error.cause?.code ?? "?"}) to ${body.slice(0, 300)}`);
          });
          const text = await response.text();
          if (process.env["FUZZ_TRACE"])
            process.stderr.write(
              `${response.status} ${Math.round(performance.now() - began)}ms ${body.slice(0, 150)}\n`,
            );
          assert.ok(response.status < 500, `HTTP ${response.status}: ${text.slice(0, 300)}`);
          assert.doesNotMatch(text, /\n\s+at |stacktrace/, "no stack trace");
          const answer = JSON.parse(text) as {
            data?: unknown;
            errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
          };
          assert.ok(answer.data !== undefined || answer.errors !== undefined, text.slice(0, 300));
          for (const error of answer.errors ?? []) {
            assert.equal(typeof error.extensions?.["code"], "string", JSON.stringify(error));
            assert.notEqual(
              error.extensions?.["code"],
              "INTERNAL_SERVER_ERROR",
              `${error.message} for ${body.slice(0, 300)}`,
            );
          }
        },
      ),
      {
        numRuns: Number(process.env["FUZZ_RUNS"] ?? 1000),
        // A fixed seed by default, so CI is reproducible; FUZZ_SEED explores others.
        seed: Number(process.env["FUZZ_SEED"] ?? 20261127),
      },
    );
  } finally {
    console.error = original;
  }
  // Only our own internal-error log lines count (a library's warnings go to stderr too).
  assert.deepEqual(
    internal.filter((line) => line.includes("internal error")),
    [],
    "nothing was logged as an internal error",
  );
  assert.deepEqual(await query(api.server.url, "{ __typename }"), { __typename: "Query" });
});
