import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/**
 * The one import rule of the layout (README, "Layout"): the gateway (src/gateway, commands) and the worker
 * (workers) never import each other; both may import src/shared, which imports neither; only the
 * command-line entries (src/cli) may import all three, and nothing imports them.
 */
const gateway = ["./src/gateway", "./commands"];
const layoutZones = [
  { target: gateway, from: "./workers", message: "The gateway never imports the worker: share it through src/shared." },
  { target: "./workers", from: gateway, message: "The worker never imports the gateway: share it through src/shared." },
  {
    target: "./src/shared",
    from: [...gateway, "./workers", "./src/cli"],
    message: "src/shared is used by both processes and imports neither.",
  },
  {
    target: [...gateway, "./workers", "./src/shared"],
    from: "./src/cli",
    message: "Command-line entries are entry points: nothing imports them.",
  },
];

const { "import-x/resolver": _legacyResolver, ...typescriptSettings } = importX.flatConfigs.typescript.settings;

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "models/",
      "coverage/",
      "bench/results/",
      "bench/.cache/",
      ".test-artifacts/",
      ".scratch/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // TypeScript's own settings (which files to parse for the import graph), with our resolver.
      ...typescriptSettings,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { basePath: import.meta.dirname, zones: layoutZones }],
      "import-x/no-cycle": "error",
      "import-x/no-unresolved": "error",
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
