import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { checkSchema } from "../../src/explore/schema-check";
import { scenarioJsonSchema } from "../../src/explore/scenario-schema";
import { FAULT_KINDS } from "../../src/scenarios/loader";
import { SCENARIOS_DIR } from "./helpers";

const COMMITTED = join(__dirname, "..", "..", "..", "schema", "scenario.schema.json");

function realFiles(): { file: string; value: unknown }[] {
  return readdirSync(SCENARIOS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      readdirSync(join(SCENARIOS_DIR, dir.name))
        .filter((name) => name.endsWith(".yaml"))
        .map((name) => ({
          file: `${dir.name}/${name}`,
          value: parse(readFileSync(join(SCENARIOS_DIR, dir.name, name), "utf8")),
        })),
    );
}

test("the committed schema/scenario.schema.json is what `npm run scenario-schema` writes", () => {
  const committed: unknown = JSON.parse(readFileSync(COMMITTED, "utf8"));
  assert.deepEqual(
    committed,
    JSON.parse(JSON.stringify(scenarioJsonSchema())),
    "run `npm run scenario-schema` and commit the file",
  );
});

test("every real scenario file validates against the schema", () => {
  const schema = scenarioJsonSchema();
  const files = realFiles();
  assert.ok(files.length >= 20);
  for (const { file, value } of files) assert.deepEqual(checkSchema(schema, value), [], file);
});

test("the schema knows every fault kind the loader knows", () => {
  const schema = scenarioJsonSchema() as {
    properties: { faults: { items: { oneOf: { properties: { do: { const: string } } }[] } } };
  };
  const kinds = schema.properties.faults.items.oneOf.map((option) => option.properties.do.const);
  assert.deepEqual(
    [...kinds].sort(),
    [...FAULT_KINDS].sort(),
    "add the new fault kind to src/explore/scenario-schema.ts",
  );
});

test("broken scenarios do not validate, and the error says where", () => {
  const schema = scenarioJsonSchema();
  const base = realFiles().find((f) => f.file === "consensus/raft-leader-crash.yaml")?.value as Record<string, unknown>;
  const broken = (change: (copy: Record<string, unknown>) => void) => {
    const copy = structuredClone(base);
    change(copy);
    return checkSchema(schema, copy);
  };
  const paths = (errors: { path: string }[]) => errors.map((e) => e.path);
  assert.ok(paths(broken((c) => delete c["nodes"])).includes("/"));
  assert.ok(broken((c) => (c["colour"] = "red")).some((e) => e.message.includes("colour")));
  assert.ok(paths(broken((c) => (c["topic"] = "cooking"))).includes("/topic"));
  assert.ok(broken((c) => (c["faults"] = [{ at: 1, do: "explode" }])).length > 0);
  assert.ok(broken((c) => (c["faults"] = [{ at: 1, when: { event: { kind: "SEND" } }, do: "heal" }])).length > 0);
  assert.ok(broken((c) => (c["faults"] = [{ do: "heal" }])).length > 0, "a fault needs at: or when:");
  assert.ok(
    broken((c) => (c["faults"] = [{ at: 1, do: "drop", probability: 2 }])).some(
      (e) => e.path === "/faults/0/probability",
    ),
  );
  assert.ok(broken((c) => (c["expect"] = [{ stop: "maxTime", violations: [] }])).length > 0);
  assert.ok(broken((c) => (c["seed"] = -1)).some((e) => e.path === "/seed"));
  assert.deepEqual(
    broken(() => undefined),
    [],
  );
  assert.throws(() => checkSchema({ not: {} }, 1), /not supported/);
});
