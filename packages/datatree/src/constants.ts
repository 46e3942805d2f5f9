/**
 * ZooKeeper numeric constants, from @zkts/client-wire (one source of truth).
 */
export { CONTAINER_EPHEMERAL_OWNER, ErrorCode, EventType, KeeperState, OpCode, Perms, WatcherType } from "@zkts/client-wire";
