import { describe, expect, it } from "vitest";
import { resolveOptions, retryPause } from "./options.js";

describe("retry pause after a full round of failed hosts", () => {
  it("starts at retryDelay / 16 after a connection, doubles each round, stops at retryDelay; jittered into [p/2, p)", () => {
    const low = resolveOptions({ retryDelay: 1000, random: () => 0 });
    expect([0, 1, 2, 3, 4, 5, 9].map((c) => retryPause(low, c))).toEqual([31, 62, 125, 250, 500, 500, 500]);
    const high = resolveOptions({ retryDelay: 1000, random: () => 0.999 });
    expect([0, 4, 100].map((c) => retryPause(high, c))).toEqual([62, 999, 999]);
    // without a round count: the whole retryDelay, as before
    expect(retryPause(low)).toBe(500);
  });
});
