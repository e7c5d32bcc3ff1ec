// Lint: the conventions' rules that the type checker cannot enforce. No floating
// promises (fire-and-forget is written `void task()`), no misused promises, no `any`.
// Generated code (src/gen, clients/*/src/gen) is excluded from lint, never from tsc.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/gen/**", "**/dist/**", "**/node_modules/**", "bench/.build/**", "clients/go/**", "clients/python/**", ".venv/**", ".tools/**", "**/*.mjs", "**/*.js", "vitest.config.ts"] },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: ["./tsconfig.json", "./clients/ts/tsconfig.test.json"], tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
);
