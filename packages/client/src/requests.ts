/**
 * Building request bodies from the public API's arguments, as ZooKeeper.java does before it queues a packet:
 * data to bytes, create modes (create2, createContainer or createTTL), watcher types for checkWatches and
 * removeWatches, and the local watch kinds a watcher type covers.
 */
import { CreateMode, ErrorCode, Ids, OpCode, WatcherType, type MultiOp } from "@zkts/client-wire";
import type { ACL } from "@zkts/jute";
import { errorFromCode } from "./errors.js";
import type { WatchKind } from "./watch-manager.js";
import type { CreateModeName, Data, WatchTypeName } from "./types.js";

const createModeNames: Record<CreateModeName, CreateMode> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  persistentSequential: CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeralSequential: CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  persistentWithTTL: CreateMode.PERSISTENT_WITH_TTL,
  persistentSequentialWithTTL: CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
};

export function toBuffer(data: Data): Buffer | null {
  if (data === null || data === undefined) return null;
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function modeOf(mode: CreateMode | CreateModeName | undefined): CreateMode {
  if (mode === undefined) return CreateMode.PERSISTENT;
  if (typeof mode === "number") return mode;
  const m = createModeNames[mode];
  if (m === undefined) throw new TypeError(`unknown create mode ${String(mode)}`);
  return m;
}

export const isSequential = (m: number) =>
  m === CreateMode.PERSISTENT_SEQUENTIAL || m === CreateMode.EPHEMERAL_SEQUENTIAL || m === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
const isTTL = (m: number) => m === CreateMode.PERSISTENT_WITH_TTL || m === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;

/** The create request (opcode + body) for a path/mode: create2, createContainer or createTTL. */
export function createOp(serverPath: string, data: Data, mode: CreateMode, acl: ACL[] | undefined, ttl: number | bigint | undefined): MultiOp {
  const base = { path: serverPath, data: toBuffer(data), acl: acl ?? (Ids.OPEN_ACL_UNSAFE as ACL[]), flags: mode };
  if (isTTL(mode)) {
    if (ttl === undefined) throw errorFromCode(ErrorCode.BADARGUMENTS, serverPath, "a TTL create mode needs a ttl");
    return { type: OpCode.createTTL, body: { ...base, ttl: BigInt(ttl) } };
  }
  if (ttl !== undefined) throw errorFromCode(ErrorCode.BADARGUMENTS, serverPath, "ttl given for a mode without TTL");
  if (mode === CreateMode.CONTAINER) return { type: OpCode.createContainer, body: base };
  return { type: OpCode.create2, body: base };
}

/** The WatcherType sent in checkWatches / removeWatches. */
export function wireWatcherType(type: WatchTypeName): number {
  switch (type) {
    case "children":
      return WatcherType.Children;
    case "data":
      return WatcherType.Data;
    case "any":
    case "persistent":
    case "persistentRecursive":
      return WatcherType.Any;
    default:
      throw new TypeError(`unknown watcher type ${String(type)}`);
  }
}

/** The local watch kinds a watcher type covers ("data" includes exists watches, "any" every kind). */
export function kindsOf(type: WatchTypeName): WatchKind[] {
  switch (type) {
    case "children":
      return ["child"];
    case "data":
      return ["data", "exist"];
    case "persistent":
      return ["persistent"];
    case "persistentRecursive":
      return ["persistentRecursive"];
    case "any":
      return ["data", "exist", "child", "persistent", "persistentRecursive"];
    default:
      throw new TypeError(`unknown watcher type ${String(type)}`);
  }
}
