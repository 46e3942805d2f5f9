import { describe, it, expect } from "vitest";
import { ACL, Id, decode, encode } from "./index.js";

describe("Id", () => {
  it("keeps a null id distinct from an empty one (kazoo sends auth:'' as a null ustring)", () => {
    const nullId = encode(Id, { scheme: "auth", id: null });
    expect(nullId.toString("hex")).toBe("00000004" + Buffer.from("auth").toString("hex") + "ffffffff");
    expect(decode(Id, nullId)).toEqual({ scheme: "auth", id: null });
    const empty = encode(ACL, { perms: 31, id: { scheme: "auth", id: "" } });
    expect(decode(ACL, empty)).toEqual({ perms: 31, id: { scheme: "auth", id: "" } });
    expect(empty.subarray(-4).toString("hex")).toBe("00000000");
  });
});
