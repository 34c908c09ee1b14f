import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildApiSchema, printApiSchema, SCHEMA_FILE } from "./schema";
import { projectRoot } from "./paths";

/** `npm run schema`: writes schema/schema.graphql from the code. */
async function main(): Promise<void> {
  const file = join(projectRoot, SCHEMA_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, printApiSchema(await buildApiSchema()));
  console.log(`wrote ${SCHEMA_FILE}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
