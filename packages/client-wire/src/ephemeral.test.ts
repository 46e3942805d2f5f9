import { describe, expect, it } from "vitest";
import { CONTAINER_EPHEMERAL_OWNER, MAX_TTL, clientEphemeralOwner, ephemeralKind, isValidTtl, ttlEphemeralOwner, ttlOf } from "./ephemeral.js";

describe("EphemeralType", () => {
  it("kinds", () => {
    expect(ephemeralKind(0n)).toBe("void");
    expect(ephemeralKind(0x1000005737400an)).toBe("normal");
    expect(ephemeralKind(CONTAINER_EPHEMERAL_OWNER)).toBe("container");
    expect(ephemeralKind(ttlEphemeralOwner(1n))).toBe("ttl");
    expect(ephemeralKind(ttlEphemeralOwner(1n), false)).toBe("normal");
  });
  it("TTL encoding is 0xFF00000000000000 | ttl with 0 < ttl <= 2^40-1", () => {
    expect(BigInt.asUintN(64, ttlEphemeralOwner(1n))).toBe(0xff00000000000001n);
    expect(ttlOf(ttlEphemeralOwner(123456n))).toBe(123456n);
    expect(MAX_TTL).toBe(2n ** 40n - 1n);
    expect(() => ttlEphemeralOwner(0n)).toThrow(RangeError);
    expect(() => ttlEphemeralOwner(MAX_TTL + 1n)).toThrow(RangeError);
    expect(isValidTtl(MAX_TTL)).toBe(true);
    expect(isValidTtl(-5n)).toBe(false);
  });
  it("clients see the session id only for plain ephemerals", () => {
    expect(clientEphemeralOwner(42n)).toBe(42n);
    expect(clientEphemeralOwner(CONTAINER_EPHEMERAL_OWNER)).toBe(0n);
    expect(clientEphemeralOwner(ttlEphemeralOwner(5n))).toBe(0n);
  });
});
