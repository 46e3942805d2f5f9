// jest config for the example (run from packages/testing, after `pnpm build`:
//   npx jest --config examples/jest/jest.config.cjs)
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testMatch: ["<rootDir>/*.test.cjs"],
  testEnvironment: "node",
  transform: {}, // plain CommonJS: nothing to compile
  testTimeout: 60_000,
};
