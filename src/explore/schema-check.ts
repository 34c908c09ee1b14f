import { isDeepStrictEqual } from "node:util";
import type { JsonSchema } from "./scenario-schema";

/** Keywords this checker understands; any other keyword in a schema is an error, so nothing is silently skipped. */
const KNOWN = new Set([
  "$schema",
  "$id",
  "$defs",
  "$ref",
  "title",
  "description",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "minItems",
  "minLength",
  "pattern",
]);

export interface SchemaError {
  /** Where in the value, as "/faults/0/do". */
  readonly path: string;
  readonly message: string;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a value against the subset of JSON Schema that scenarioJsonSchema emits
 * (the keywords in KNOWN, $ref only to "#/$defs/<name>"). A tiny checker, so that the
 * test of the committed schema does not trust a library it cannot read in one sitting.
 */
export function checkSchema(root: JsonSchema, value: unknown): SchemaError[] {
  const defs = (root["$defs"] ?? {}) as Record<string, JsonSchema>;
  const errors: SchemaError[] = [];
  const check = (schema: JsonSchema, value: unknown, path: string, out: SchemaError[]): void => {
    for (const keyword of Object.keys(schema)) {
      if (!KNOWN.has(keyword)) throw new Error(`checkSchema: the keyword "${keyword}" is not supported`);
    }
    const fail = (message: string): void => {
      out.push({ path: path || "/", message });
    };
    const ref = schema["$ref"];
    if (typeof ref === "string") {
      const name = ref.replace(/^#\/\$defs\//, "");
      const target = defs[name];
      if (target === undefined) throw new Error(`checkSchema: unresolved $ref ${ref}`);
      check(target, value, path, out);
    }
    const type = schema["type"];
    const actual = typeOf(value);
    if (typeof type === "string" && actual !== type && !(type === "number" && actual === "integer")) {
      fail(`expected ${type}, found ${actual}`);
      return;
    }
    if (Array.isArray(schema["enum"]) && !schema["enum"].some((option) => isDeepStrictEqual(option, value))) {
      fail(`expected one of ${JSON.stringify(schema["enum"])}`);
    }
    if ("const" in schema && !isDeepStrictEqual(schema["const"], value))
      fail(`expected ${JSON.stringify(schema["const"])}`);
    if (typeof value === "number") {
      if (typeof schema["minimum"] === "number" && value < schema["minimum"]) fail(`expected >= ${schema["minimum"]}`);
      if (typeof schema["maximum"] === "number" && value > schema["maximum"]) fail(`expected <= ${schema["maximum"]}`);
      if (typeof schema["exclusiveMinimum"] === "number" && value <= schema["exclusiveMinimum"]) {
        fail(`expected > ${schema["exclusiveMinimum"]}`);
      }
    }
    if (typeof value === "string") {
      if (typeof schema["minLength"] === "number" && value.length < schema["minLength"]) fail("too short");
      if (typeof schema["pattern"] === "string" && !new RegExp(schema["pattern"], "u").test(value)) {
        fail(`expected to match ${schema["pattern"]}`);
      }
    }
    if (Array.isArray(value)) {
      if (typeof schema["minItems"] === "number" && value.length < schema["minItems"])
        fail(`expected at least ${schema["minItems"]} items`);
      const items = schema["items"];
      if (isRecord(items)) value.forEach((item, i) => check(items, item, `${path}/${i}`, out));
    }
    if (isRecord(value)) {
      const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
      for (const name of (schema["required"] ?? []) as string[]) {
        if (!(name in value)) fail(`missing required field ${name}`);
      }
      const additional = schema["additionalProperties"];
      for (const [name, field] of Object.entries(value)) {
        const own = properties[name];
        if (own !== undefined) check(own, field, `${path}/${name}`, out);
        else if (additional === false) fail(`unknown field ${name}`);
        else if (isRecord(additional)) check(additional, field, `${path}/${name}`, out);
      }
    }
    const anyOf = schema["anyOf"];
    if (Array.isArray(anyOf) && !anyOf.some((option: JsonSchema) => trial(option, value, path).length === 0)) {
      fail("matches none of the allowed forms");
    }
    const oneOf = schema["oneOf"];
    if (Array.isArray(oneOf)) {
      const trials = oneOf.map((option: JsonSchema) => trial(option, value, path));
      const passing = trials.filter((t) => t.length === 0).length;
      if (passing !== 1) {
        const closest = trials.reduce((best, t) => (t.length < best.length ? t : best));
        if (passing === 0) out.push(...closest);
        else fail(`matches ${passing} forms where exactly one is allowed`);
      }
    }
  };
  const trial = (schema: JsonSchema, value: unknown, path: string): SchemaError[] => {
    const out: SchemaError[] = [];
    check(schema, value, path, out);
    return out;
  };
  check(root, value, "", errors);
  return errors;
}
