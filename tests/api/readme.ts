import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../src/api/paths";

/** The text between the README's api section markers. */
export function readmeApiSection(): string {
  const readme = readFileSync(join(projectRoot, "README.md"), "utf8");
  const match = /<!-- section:api -->([\s\S]*?)<!-- \/section:api -->/.exec(readme);
  assert.ok(match?.[1] !== undefined, "README.md has no api section");
  return match[1];
}
