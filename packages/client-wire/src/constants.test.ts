import { describe, expect, it } from "vitest";
import {
  AddWatchMode,
  CreateMode,
  ErrorCode,
  EventType,
  Ids,
  KeeperState,
  OpCode,
  Perms,
  WatcherType,
  Xid,
  createModeFromFlag,
  createModeName,
  errorMessage,
  errorName,
  eventTypeName,
  keeperStateName,
  opName,
} from "./constants.js";
import { KeeperError, UnknownOpCodeError } from "./errors.js";

describe("constants", () => {
  it("has ZooDefs opcodes", () => {
    expect(OpCode).toMatchObject({ notification: 0, ping: 11, multi: 14, auth: 100, setWatches: 101, sasl: 102 });
    expect(OpCode).toMatchObject({ whoAmI: 107, createSession: -10, closeSession: -11, error: -1 });
    expect(Object.keys(OpCode)).toHaveLength(33);
    expect(opName(1)).toBe("create");
    expect(opName(107)).toBe("whoAmI");
    expect(opName(10)).toBeUndefined();
  });

  it("names error codes and formats Java's messages", () => {
    expect(Object.keys(ErrorCode)).toHaveLength(32);
    expect(errorName(-101)).toBe("NONODE");
    expect(errorName(0)).toBe("OK");
    expect(errorName(-9)).toBeUndefined();
    expect(errorMessage(ErrorCode.NONODE)).toBe("KeeperErrorCode = NoNode");
    expect(errorMessage(ErrorCode.NODEEXISTS, "/a")).toBe("KeeperErrorCode = NodeExists for /a");
    expect(errorMessage(ErrorCode.NOTEMPTY, "/a")).toBe("KeeperErrorCode = Directory not empty for /a");
    expect(errorMessage(ErrorCode.OK)).toBe("KeeperErrorCode = ok");
    expect(errorMessage(ErrorCode.REQUESTTIMEOUT)).toBe("KeeperErrorCode = Unknown error REQUESTTIMEOUT");
    for (const code of Object.values(ErrorCode)) expect(errorMessage(code)).toMatch(/^KeeperErrorCode = \S/);
  });

  it("has event, state and watch constants", () => {
    expect(KeeperState.SyncConnected).toBe(3);
    expect(KeeperState.Expired).toBe(-112);
    expect(keeperStateName(5)).toBe("ConnectedReadOnly");
    expect(EventType.NodeChildrenChanged).toBe(4);
    expect(eventTypeName(-1)).toBe("None");
    expect(WatcherType.Any).toBe(3);
    expect(AddWatchMode.PERSISTENT_RECURSIVE).toBe(1);
    expect(Xid).toEqual({ NOTIFICATION: -1, PING: -2, AUTH: -4, SET_WATCHES: -8 });
    expect(Perms.ALL).toBe(Perms.READ | Perms.WRITE | Perms.CREATE | Perms.DELETE | Perms.ADMIN);
  });

  it("interprets CreateMode flags", () => {
    expect(createModeFromFlag(CreateMode.PERSISTENT)).toEqual({ ephemeral: false, sequential: false, container: false, ttl: false });
    expect(createModeFromFlag(CreateMode.EPHEMERAL_SEQUENTIAL)).toEqual({ ephemeral: true, sequential: true, container: false, ttl: false });
    expect(createModeFromFlag(CreateMode.CONTAINER)?.container).toBe(true);
    expect(createModeFromFlag(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL)).toEqual({ ephemeral: false, sequential: true, container: false, ttl: true });
    for (const bad of [-1, 7, 8, 1.5, Number.NaN, 0x7fffffff]) expect(createModeFromFlag(bad)).toBeUndefined();
    expect(createModeName(2)).toBe("PERSISTENT_SEQUENTIAL");
  });

  it("has frozen ZooDefs.Ids", () => {
    expect(Ids.OPEN_ACL_UNSAFE).toEqual([{ perms: 31, id: { scheme: "world", id: "anyone" } }]);
    expect(Ids.CREATOR_ALL_ACL).toEqual([{ perms: 31, id: { scheme: "auth", id: "" } }]);
    expect(Ids.READ_ACL_UNSAFE).toEqual([{ perms: 1, id: { scheme: "world", id: "anyone" } }]);
    expect(Object.isFrozen(Ids.OPEN_ACL_UNSAFE)).toBe(true);
    expect(Object.isFrozen(Ids.OPEN_ACL_UNSAFE[0])).toBe(true);
    expect(Object.isFrozen(Ids.ANYONE_ID_UNSAFE)).toBe(true);
  });
});

describe("KeeperError", () => {
  it("carries code, name and path", () => {
    const e = new KeeperError(ErrorCode.NONODE, "/x");
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(-101);
    expect(e.codeName).toBe("NONODE");
    expect(e.path).toBe("/x");
    expect(e.message).toBe("KeeperErrorCode = NoNode for /x");
    expect(e.name).toBe("KeeperError");
    expect(new KeeperError(-9999).codeName).toBe("-9999");
    const u = new UnknownOpCodeError(3, 99);
    expect(u).toBeInstanceOf(KeeperError);
    expect(u.codeName).toBe("UNIMPLEMENTED");
    expect(u.name).toBe("UnknownOpCodeError");
  });
});
