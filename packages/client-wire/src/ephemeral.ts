/**
 * ZooKeeper's EphemeralType: what a znode's ephemeralOwner encodes (a session, a container, a TTL) - the one copy
 * for server, tree, snapshot tools and CLI.
 */

/** Long.MIN_VALUE (0x8000000000000000): the ephemeralOwner of container nodes (EphemeralType.CONTAINER_EPHEMERAL_OWNER). */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;

/** How a node's ephemeralOwner reads (ZooKeeper's EphemeralType). */
export type EphemeralKind = "void" | "normal" | "container" | "ttl";

const EXTENDED_MASK = -0x100000000000000n; // 0xff00000000000000 as a signed long
const RESERVED_BITS_MASK = 0x00ffff0000000000n;
const EXTENDED_FEATURE_VALUE_MASK = 0x000000ffffffffffn;
const EXTENDED_BIT_TTL = 0n;

/** Largest TTL in milliseconds (2^40 - 1, about 34 years). */
export const MAX_TTL = EXTENDED_FEATURE_VALUE_MASK;

/** EphemeralType.TTL.toEphemeralOwner: 0xFF00000000000000 | ttl; throws RangeError unless 0 < ttl <= MAX_TTL. */
export function ttlEphemeralOwner(ttl: bigint): bigint {
  if (ttl <= 0n || ttl > MAX_TTL) throw new RangeError(`ttl must be positive and cannot be larger than: ${MAX_TTL}`);
  return BigInt.asIntN(64, EXTENDED_MASK | EXTENDED_BIT_TTL | ttl);
}

/** true when ZooKeeper accepts `ttl` for a TTL create mode (0 < ttl <= MAX_TTL). */
export function isValidTtl(ttl: bigint): boolean {
  return ttl > 0n && ttl <= MAX_TTL;
}

/**
 * EphemeralType.get. With extended types enabled an owner whose high byte is 0xFF is an extended type
 * (feature bits 0 = TTL; other feature bits read as "normal" here instead of throwing).
 */
export function ephemeralKind(owner: bigint, extendedTypesEnabled = true): EphemeralKind {
  if (extendedTypesEnabled && (owner & EXTENDED_MASK) === EXTENDED_MASK) {
    const feature = (owner & RESERVED_BITS_MASK) >> 40n;
    if (feature === EXTENDED_BIT_TTL) return "ttl";
  }
  if (owner === CONTAINER_EPHEMERAL_OWNER) return "container";
  return owner === 0n ? "void" : "normal";
}

/** The TTL in ms encoded in a TTL node's ephemeralOwner. */
export function ttlOf(owner: bigint): bigint {
  return owner & EXTENDED_FEATURE_VALUE_MASK;
}

/** An ephemeralOwner read as an unsigned 64-bit number (0x8000000000000000 for containers) made signed, as Java's long. */
export function ownerAsLong(owner: bigint): bigint {
  return BigInt.asIntN(64, owner);
}

/** The ephemeralOwner a client sees in Stat: the session id for ephemerals, 0 for containers and TTL nodes. */
export function clientEphemeralOwner(owner: bigint, extendedTypesEnabled = true): bigint {
  return ephemeralKind(owner, extendedTypesEnabled) === "normal" ? owner : 0n;
}
