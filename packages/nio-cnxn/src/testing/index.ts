/**
 * @zkts/nio-cnxn/testing — a stand-in core (`FakeCore`) and raw socket clients for testing the connection layer
 * and the four-letter words without @zkts/core.
 */
export * from "./harness.js";
