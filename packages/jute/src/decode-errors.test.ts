import { describe, expect, it } from "vitest";
import { buffer, decode, encode, int, ustring, vector, vectorOrNull } from "./codec.js";
import { JuteDecodeError, JuteError } from "./errors.js";
import { InputArchive } from "./input.js";
import { ACL, CreateRequest, GetChildrenResponse, MultiTxn, Stat, WatcherEvent } from "./records.js";

function decodeError(fn: () => unknown): JuteDecodeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(JuteDecodeError);
    return e as JuteDecodeError;
  }
  throw new Error("expected a JuteDecodeError");
}

const create = {
  path: "/app",
  data: Buffer.from("data"),
  acl: [
    { perms: 31, id: { scheme: "world", id: "anyone" } },
    { perms: 1, id: { scheme: "ip", id: "10.0.0.1" } },
  ],
  flags: 0,
};
const createBytes = encode(CreateRequest, create);
const oneAcl = encode(CreateRequest, { ...create, acl: [create.acl[0]!] });

describe("truncated input", () => {
  it("every strict prefix of a CreateRequest is rejected and names CreateRequest", () => {
    for (let cut = 0; cut < createBytes.length; cut++) {
      const e = decodeError(() => decode(CreateRequest, createBytes.subarray(0, cut)));
      expect(e.record).toBe("CreateRequest");
      expect(e.code).toBe(-5);
      expect(e).toBeInstanceOf(JuteError);
    }
  });

  it("names the field: path, data, acl[0], acl[1], flags", () => {
    const at = (cut: number) => decodeError(() => decode(CreateRequest, createBytes.subarray(0, cut))).field;
    expect(at(2)).toBe("path");
    expect(at(4 + 4 + 2)).toBe("data");
    // two ACLs need at least 24 bytes: a cut inside acl[0] fails at the vector count itself
    expect(at(4 + 4 + 8 + 4 + 3)).toBe("acl");
    expect(decodeError(() => decode(CreateRequest, oneAcl.subarray(0, 4 + 4 + 8 + 4 + 15))).field).toBe("acl[0]");
    const secondAcl = createBytes.indexOf(Buffer.from("ip")) - 4;
    expect(at(secondAcl + 2)).toBe("acl[1]");
    expect(at(createBytes.length - 1)).toBe("flags");
  });

  it("the trail goes down to the innermost field", () => {
    const cut = oneAcl.indexOf(Buffer.from("anyone")) + 1;
    const e = decodeError(() => decode(CreateRequest, oneAcl.subarray(0, cut)));
    expect(e.trail).toEqual(["CreateRequest.acl[0]", "ACL.id", "Id.id"]);
    expect(e.message).toContain("CreateRequest.acl[0] > ACL.id > Id.id");
    expect(e.offset).toBeGreaterThan(0);
  });

  it("names fields of other records", () => {
    const stat = encode(Stat, {
      czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7,
      ephemeralOwner: 8n, dataLength: 9, numChildren: 10, pzxid: 11n,
    });
    const e = decodeError(() => decode(Stat, stat.subarray(0, 34)));
    expect([e.record, e.field]).toEqual(["Stat", "version"]);
    const w = decodeError(() => decode(WatcherEvent, Buffer.from("00000001000000030000000a2f", "hex")));
    expect([w.record, w.field]).toEqual(["WatcherEvent", "path"]);
    const m = encode(MultiTxn, { txns: [{ type: 1, data: Buffer.from("abc") }, { type: 2, data: Buffer.from("de") }] });
    const mt = decodeError(() => decode(MultiTxn, m.subarray(0, m.length - 1)));
    expect(mt.trail).toEqual(["MultiTxn.txns[1]", "Txn.data"]);
  });
});

describe("malformed input", () => {
  it("rejects null where a value is required", () => {
    const nullPath = Buffer.concat([Buffer.from("ffffffff", "hex"), createBytes.subarray(4 + 4)]);
    const e = decodeError(() => decode(CreateRequest, nullPath));
    expect([e.record, e.field]).toEqual(["CreateRequest", "path"]);
    expect(e.reason).toMatch(/null ustring/);
    const nullAcl = encode(vectorOrNull(ACL), null);
    expect(decodeError(() => decode(vector(ACL), nullAcl)).reason).toMatch(/null vector/);
  });

  it("rejects negative lengths other than -1", () => {
    expect(decodeError(() => decode(ustring, Buffer.from("fffffffe", "hex"))).reason).toMatch(/negative/);
    expect(decodeError(() => decode(buffer, Buffer.from("80000000", "hex"))).reason).toMatch(/negative/);
    expect(decodeError(() => decode(vector(int), Buffer.from("fffffffd", "hex"))).reason).toMatch(/negative/);
  });

  it("rejects trailing bytes unless allowed", () => {
    const bytes = Buffer.concat([createBytes, Buffer.from([0])]);
    const e = decodeError(() => decode(CreateRequest, bytes));
    expect(e.reason).toMatch(/1 trailing bytes/);
    expect(e.record).toBe("CreateRequest");
    expect(decode(CreateRequest, bytes, { allowTrailing: true })).toEqual(create);
  });
});

describe("limits", () => {
  it("rejects ustring and buffer lengths over jute.maxbuffer before reading them", () => {
    const e = decodeError(() => decode(buffer, Buffer.from("00100000", "hex")));
    expect(e.reason).toMatch(/exceeds jute.maxbuffer 1048575/);
    const big = Buffer.concat([Buffer.from("00000064", "hex"), Buffer.alloc(100)]);
    expect(decode(buffer, big)).toHaveLength(100);
    expect(decodeError(() => decode(buffer, big, { maxBuffer: 99 })).reason).toMatch(/maxbuffer 99/);
    expect(decodeError(() => decode(ustring, big, { maxBuffer: 10 })).reason).toMatch(/maxbuffer 10/);
  });

  it("rejects a length that runs past the end", () => {
    expect(decodeError(() => decode(ustring, Buffer.from("0000000a2f", "hex"))).reason).toMatch(/truncated/);
  });

  it("rejects vector counts larger than the remaining bytes without allocating", () => {
    const huge = Buffer.from("7fffffff" + "00000000", "hex");
    const e = decodeError(() => decode(vector(int), huge));
    expect(e.reason).toMatch(/cannot fit in 4 remaining bytes/);
    // ACL needs at least 12 bytes: 2 elements cannot fit in 20
    const acls = Buffer.concat([Buffer.from("00000002", "hex"), Buffer.alloc(20)]);
    expect(decodeError(() => decode(vector(ACL), acls)).reason).toMatch(/cannot fit/);
    const gc = decodeError(() => decode(GetChildrenResponse, Buffer.from("40000000", "hex")));
    expect([gc.record, gc.field]).toEqual(["GetChildrenResponse", "children"]);
  });

  it("InputArchive never reads past `end`", () => {
    const inp = new InputArchive(Buffer.from("0000000100000002", "hex"), { end: 4 });
    expect(inp.readInt()).toBe(1);
    expect(inp.atEnd()).toBe(true);
    expect(() => inp.readInt()).toThrow(JuteDecodeError);
    const off = new InputArchive(Buffer.from("0000000100000002", "hex"), { offset: 4 });
    expect(off.readInt()).toBe(2);
  });
});
