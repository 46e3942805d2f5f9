/**
 * ZooKeeper numeric constants, from @zkts/client-wire (one source of truth), plus the ones only the tree needs.
 */
export { ErrorCode, EventType, KeeperState, OpCode, Perms, WatcherType } from "@zkts/client-wire";

/** Long.MIN_VALUE: the ephemeralOwner of container nodes (EphemeralType.CONTAINER_EPHEMERAL_OWNER). */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
