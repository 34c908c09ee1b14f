import "reflect-metadata";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse, validate } from "graphql";
import { buildApiSchema, printApiSchema, SCHEMA_FILE } from "../../src/api/schema";
import { projectRoot } from "../../src/api/paths";
import { readmeApiSection } from "./readme";

test("the committed schema/schema.graphql is what the code emits", async () => {
  const emitted = printApiSchema(await buildApiSchema());
  const committed = readFileSync(join(projectRoot, SCHEMA_FILE), "utf8");
  assert.ok(
    committed === emitted,
    `${SCHEMA_FILE} differs from the schema the code builds: run \`npm run schema\` and commit the file.`,
  );
});

test("the schema keeps the design's contract: root fields, ids and enums", async () => {
  const schema = await buildApiSchema();
  const fields = (typeName: string): string[] => {
    const type = schema.getType(typeName);
    assert.ok(type !== undefined && "getFields" in type, `type ${typeName} is missing`);
    return Object.keys(type.getFields()).sort();
  };
  // The contract is extended, never renamed: every field it names must be there.
  const includes = (typeName: string, names: readonly string[]): void => {
    const missing = names.filter((name) => !fields(typeName).includes(name));
    assert.deepEqual(missing, [], `${typeName} lost fields of the contract`);
  };
  includes("Query", [
    "checkLinearizability",
    "checkSerializability",
    "run",
    "runs",
    "scenario",
    "scenarioProblems",
    "scenarios",
  ]);
  includes("Mutation", ["cancelRun", "startRun"]);
  includes("Subscription", ["runEvents"]);
  for (const field of [
    "id",
    "scenario",
    "seed",
    "status",
    "eventCount",
    "traceHash",
    "events",
    "violations",
    "nodes",
  ]) {
    assert.ok(fields("Run").includes(field), `Run.${field} is missing`);
  }
  // A node's name repeats in every run, so it is never an `id` (clients normalize caches by id).
  assert.ok(!fields("NodeState").includes("id"), "NodeState names its node `node`, never `id`");
  includes("NodeState", ["node", "state", "up"]);
  assert.equal(String(schema.getQueryType()?.getFields().run.type), "Run");
  assert.equal(String(schema.getMutationType()?.getFields().startRun.type), "Run!");
  assert.equal(String(schema.getSubscriptionType()?.getFields().runEvents.type), "TraceEvent!");
  // Issue 10's Contract.
  assert.equal(String(schema.getQueryType()?.getFields().checkLinearizability.type), "LinearizabilityResult!");
  assert.deepEqual(
    schema
      .getQueryType()
      ?.getFields()
      .checkLinearizability.args.map((arg) => `${arg.name}: ${String(arg.type)}`)
      .sort(),
    ["history: JSON!", "timeoutMs: Int"],
  );
  assert.deepEqual(fields("LinearizabilityResult"), [
    "elapsedMs",
    "explanation",
    "failedOp",
    "operations",
    "prefix",
    "verdict",
  ]);
  assert.ok(fields("Run").includes("linearizability"));
});

test("every GraphQL example in the README is valid against the schema", async () => {
  const schema = await buildApiSchema();
  const blocks = [...readmeApiSection().matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
  const operations = new Set<string>();
  for (const block of blocks) {
    const document = parse(block);
    assert.deepEqual(
      validate(schema, document).map((error) => error.message),
      [],
      block,
    );
    for (const definition of document.definitions) {
      if (definition.kind === "OperationDefinition") operations.add(definition.operation);
    }
  }
  assert.deepEqual([...operations].sort(), ["mutation", "query", "subscription"]);
});
