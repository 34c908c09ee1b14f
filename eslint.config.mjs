// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

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
