// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";
import { readdirSync } from "node:fs";

// The rules of the house (DESIGN.md "Data flows one way"), enforced on every import.
// Each room lists the rooms it must not import; the message says why.
const room = (names) => `(\\.\\./)+(${names})(/|$)`;
const GRAPHQL = {
  regex: "^(graphql|type-graphql|graphql-.*|@apollo/.*|@graphql-.*)(/|$)",
  message: "Only src/api speaks GraphQL: put the logic in src/runs or src/grading and call it from a resolver.",
};
const house = (files, forbidden, message, extra = []) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", { patterns: [{ regex: room(forbidden), message }, ...extra] }],
  },
});
const PROTOCOL_DIRS = readdirSync(`${import.meta.dirname}/src/protocols`, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
export const houseRules = [
  house(
    ["src/sim/**/*.ts"],
    "protocols|checkers|store|runs|api|cli|grading|scenarios",
    "src/sim is the core: it imports no protocol, checker, scenario, store, runs, api or cli.",
    [GRAPHQL],
  ),
  house(
    ["src/checkers/**/*.ts"],
    "protocols|scenarios|store|runs|api|cli|grading",
    "src/checkers judge traces and histories: they import only src/sim.",
    [GRAPHQL],
  ),
  house(["src/scenarios/**/*.ts"], "store|runs|api|cli|grading", "src/scenarios imports no store, runs or api.", [
    GRAPHQL,
  ]),
  house(["src/store/**/*.ts"], "api|runs|cli|grading", "src/store imports no api (nor the rooms above it).", [GRAPHQL]),
  house(
    ["src/runs/**/*.ts", "src/grading/**/*.ts", "src/cli/**/*.ts"],
    "api",
    "Only src/api serves GraphQL; the run engine, grading and the CLI never import it.",
    [GRAPHQL],
  ),
  ...PROTOCOL_DIRS.map((name) =>
    house(
      [`src/protocols/${name}/**/*.ts`],
      ["store", "runs", "api", "cli", "grading", "scenarios", ...PROTOCOL_DIRS.filter((other) => other !== name)].join(
        "|",
      ),
      `A protocol (${name}) is a pure state machine over src/sim: it imports no store, runs, api, cli or other protocol.`,
      [GRAPHQL],
    ),
  ),
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/", ".tmp/", "public/vendor/"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the run's seeded Rng: determinism is sacred." },
      ],
    },
  },
  {
    files: ["src/sim/**/*.ts", "src/protocols/**/*.ts", "src/checkers/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the run's seeded Rng: determinism is sacred." },
        {
          object: "Date",
          property: "now",
          message: "Use virtual time (ctx.now): no wall clock inside the simulation.",
        },
        { object: "performance", property: "now", message: "No wall clock inside the simulation." },
      ],
      "no-restricted-globals": ["error", "setTimeout", "setInterval", "setImmediate"],
    },
  },
  ...houseRules,
  {
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        require: "readonly",
        process: "readonly",
        console: "readonly",
        __dirname: "readonly",
        module: "writable",
      },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
