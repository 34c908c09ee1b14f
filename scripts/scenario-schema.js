// Writes schema/scenario.schema.json from src/explore/scenario-schema.ts (run through
// `npm run scenario-schema`, which builds first). tests/explore/scenario-schema.test.ts
// fails when the committed file and the generator disagree.
const { writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { scenarioJsonSchema } = require("../dist/src/explore/scenario-schema");

const file = join(__dirname, "..", "schema", "scenario.schema.json");
// Formatted by prettier, so that `npm run lint` (prettier --check) agrees with the file.
const prettier = require("prettier");
prettier
  .resolveConfig(file)
  .then((config) => prettier.format(JSON.stringify(scenarioJsonSchema()), { ...config, filepath: file }))
  .then((text) => {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  });
