/** Jest runs TypeScript through SWC (fast, no type-check); `npm test` type-checks with tsc first. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }] },
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
  setupFiles: ["<rootDir>/test/support/setup-env.ts"],
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
  testTimeout: 60000,
};
