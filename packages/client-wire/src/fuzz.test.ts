import fc from "fast-check";
import { JuteDecodeError } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { requestCodecs, responseCodecs } from "./codecs.js";
import { decodeConnectRequest, decodeConnectResponse } from "./connect.js";
import { KeeperError } from "./errors.js";
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from "./packet.js";
import { requestSamples, responseSamples } from "./samples.test-util.js";

/** Runs fn; passes when it returns or throws one of our typed errors, fails on anything else. */
function typedOnly(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof JuteDecodeError || e instanceof KeeperError) return;
    throw e;
  }
}

const reqOps = Object.keys(requestCodecs).map(Number);
const respOps = Object.keys(responseCodecs).map(Number);
const validRequests = reqOps.map((type) => encodeRequest({ xid: 1, type, body: requestSamples[type] }));
const validResponses = respOps.map((type) => ({
  type,
  bytes: encodeResponse({ header: { xid: 1, zxid: 1n, err: 0 }, body: responseSamples[type] }, type),
}));

describe("bad input never crashes", () => {
  it("random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -20, max: 120 }), (bytes, op) => {
        typedOnly(() => decodeRequest(bytes));
        typedOnly(() => decodeResponse(bytes, () => op));
        typedOnly(() => decodeConnectRequest(bytes));
        typedOnly(() => decodeConnectResponse(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it("random mutations of valid requests", () => {
    fc.assert(
      fc.property(
        fc.nat(validRequests.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (i, edits) => {
          const b = Buffer.from(validRequests[i]!);
          for (const [pos, v] of edits) b[8 + (pos % Math.max(1, b.length - 8))] = v;
          typedOnly(() => decodeRequest(b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("random mutations of valid responses", () => {
    fc.assert(
      fc.property(
        fc.nat(validResponses.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (i, edits) => {
          const { type, bytes } = validResponses[i]!;
          const b = Buffer.from(bytes);
          for (const [pos, v] of edits) b[16 + (pos % Math.max(1, b.length - 16))] = v;
          typedOnly(() => decodeResponse(b, () => type));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("typedOnly itself fails on untyped errors", () => {
    expect(() => typedOnly(() => { throw new RangeError("x"); })).toThrow(RangeError);
  });
});
