import { JuteDecodeError } from "@zkts/jute";
import { describe, expect, it } from "vitest";
import { decodeConnectRequest, decodeConnectResponse, encodeConnectRequest, encodeConnectResponse } from "./connect.js";

const passwd = Buffer.alloc(16, 0xab);
// protocolVersion 0, lastZxidSeen 0x100000005, timeOut 30000, sessionId 0, passwd 16 zero bytes
const requestHex =
  "00000000" + "0000000100000005" + "00007530" + "0000000000000000" + "00000010" + "00".repeat(16);

describe("ConnectRequest", () => {
  it("decodes a request without the readOnly byte (old clients)", () => {
    const r = decodeConnectRequest(Buffer.from(requestHex, "hex"));
    expect(r).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0x1_0000_0005n,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: false,
      hasReadOnly: false,
    });
    expect(encodeConnectRequest(r).toString("hex")).toBe(requestHex);
  });

  it("decodes a request with the readOnly byte", () => {
    for (const [byte, ro] of [["00", false], ["01", true]] as const) {
      const r = decodeConnectRequest(Buffer.from(requestHex + byte, "hex"));
      expect(r.hasReadOnly).toBe(true);
      expect(r.readOnly).toBe(ro);
      expect(encodeConnectRequest(r).toString("hex")).toBe(requestHex + byte);
    }
  });

  it("round-trips a reconnect with a session and password", () => {
    const v = { protocolVersion: 0, lastZxidSeen: -1n, timeOut: 4000, sessionId: 0x1000_0abc_def0_0001n, passwd, readOnly: true, hasReadOnly: true };
    expect(decodeConnectRequest(encodeConnectRequest(v))).toEqual(v);
  });

  it("rejects truncated and over-long requests", () => {
    const full = Buffer.from(requestHex + "01", "hex");
    for (let cut = 0; cut < full.length - 1; cut++) {
      expect(() => decodeConnectRequest(full.subarray(0, cut))).toThrow(JuteDecodeError);
    }
    try {
      decodeConnectRequest(full.subarray(0, 30));
      throw new Error("no throw");
    } catch (e) {
      expect((e as JuteDecodeError).record).toBe("ConnectRequest");
      expect((e as JuteDecodeError).field).toBe("passwd");
    }
    const extra = Buffer.concat([full, Buffer.from([0])]);
    expect(() => decodeConnectRequest(extra)).toThrow(/trailing/);
    expect(decodeConnectRequest(extra, { allowTrailing: true }).readOnly).toBe(true);
  });
});

describe("ConnectResponse", () => {
  it("round-trips with and without the readOnly byte", () => {
    const base = { protocolVersion: 0, timeOut: 30000, sessionId: 0x1000_0000_0000_0001n, passwd, readOnly: false };
    const without = encodeConnectResponse({ ...base, hasReadOnly: false });
    const withByte = encodeConnectResponse({ ...base, hasReadOnly: true });
    expect(without.length).toBe(4 + 4 + 8 + 4 + 16);
    expect(withByte.length).toBe(without.length + 1);
    expect(decodeConnectResponse(without)).toEqual({ ...base, hasReadOnly: false });
    expect(decodeConnectResponse(withByte)).toEqual({ ...base, hasReadOnly: true });
  });

  it("encodes the expired-session answer", () => {
    const bytes = encodeConnectResponse({ protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false, hasReadOnly: true });
    expect(bytes.toString("hex")).toBe("00000000" + "00000000" + "0000000000000000" + "00000010" + "00".repeat(16) + "00");
  });
});
