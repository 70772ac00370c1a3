// Lint for every JS file of the project: the package's own (src/web), the
// browser tests, the demo, and the Node scripts and tests.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["pkg/", "target/", "node_modules/", "artifacts/"] },
  js.configs.recommended,
  {
    files: ["src/web/**/*.js", "tests/web/**/*.js", "www/**/*.js", "tests/bench/**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
];
