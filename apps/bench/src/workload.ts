/** Request generators of each workload, and the bench tree's layout. */
import { Ids, OpCode } from "@zkts/client-wire";
import type { Mix, Workload } from "./args.js";

export interface Op {
  type: number;
  body: unknown;
  /** Which workload produced it (per-op statistics). */
  workload: Workload;
}

/** xorshift32: deterministic, fast, good enough to pick keys. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let i = 0; i < 4; i++) this.next();
  }
  /** Uniform in [0, 2^32). */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.s = x;
    return x;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x100000000) * n);
  }
}

export const keyPath = (root: string, i: number): string => `${root}/k${i}`;
export const listPath = (root: string): string => `${root}/ls`;
export const createDir = (root: string): string => `${root}/c`;

export interface GeneratorSpec {
  root: string;
  keys: number;
  valueSize: number;
  multiOps: number;
  mix: Mix;
  /** Unique per connection and run: names of created nodes are `${root}/c/${tag}-${n}`. */
  tag: string;
  seed: number;
  /** Nodes of the delete workload's pool for this connection (`${root}/c/${tag}-d${n}`, created before the load). */
  deletePool?: number;
}

/**
 * Produces the next request of one connection; `created` counts create requests issued (for clean-up).
 *
 * delete: while warming up (`measuring` false) each delete is of a node this connection created just before
 * (alternating create `-w<n>` and delete `-w<n>`), so the warm-up takes nothing from the pool; once measuring, a
 * pending warm-up node is deleted first, then the pool (`-d<n>`, created before the load) in order. `next` returns
 * undefined when the pool is used up.
 *
 * multi5: a 5-op multi as an application would send one: create a fresh node, setData on it, check its version
 * (1 after the setData), delete it, and setData on a random key of the key space. Each multi leaves the tree as it
 * was, so it needs no clean-up.
 */
export class OpGenerator {
  created = 0;
  /** Pool nodes whose delete has been issued. */
  poolDeleted = 0;
  private warmCreated = 0;
  private warmPending = false;
  private multis = 0;
  private rng: Rng;
  private value: Buffer;
  private cumulative: number[];
  private total: number;
  private readonly lsPath: string;
  private readonly createPrefix: string;

  constructor(private spec: GeneratorSpec) {
    this.rng = new Rng(spec.seed);
    this.value = Buffer.alloc(spec.valueSize, 0x78);
    let acc = 0;
    this.cumulative = spec.mix.map((m) => (acc += m.weight));
    this.total = acc;
    this.lsPath = listPath(spec.root);
    this.createPrefix = `${createDir(spec.root)}/${spec.tag}-`;
  }

  createdPath(n: number): string {
    return this.createPrefix + n;
  }

  poolPath(n: number): string {
    return `${this.createPrefix}d${n}`;
  }

  /** Pool nodes of this connection. */
  get poolSize(): number {
    return this.spec.deletePool ?? 0;
  }

  private pick(): Workload {
    const mix = this.spec.mix;
    if (mix.length === 1) return mix[0]!.workload;
    const r = (this.rng.next() / 0x100000000) * this.total;
    for (let i = 0; i < mix.length; i++) if (r < this.cumulative[i]!) return mix[i]!.workload;
    return mix[mix.length - 1]!.workload;
  }

  private key(): string {
    return keyPath(this.spec.root, this.rng.below(this.spec.keys));
  }

  next(measuring = true): Op | undefined {
    const workload = this.pick();
    switch (workload) {
      case "get":
        return { workload, type: OpCode.getData, body: { path: this.key(), watch: false } };
      case "exists":
        return { workload, type: OpCode.exists, body: { path: this.key(), watch: false } };
      case "set":
        return { workload, type: OpCode.setData, body: { path: this.key(), data: this.value, version: -1 } };
      case "getChildren":
        return { workload, type: OpCode.getChildren, body: { path: this.lsPath, watch: false } };
      case "create":
        return {
          workload,
          type: OpCode.create,
          body: { path: this.createdPath(this.created++), data: this.value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 },
        };
      case "delete": {
        const del = (path: string): Op => ({ workload, type: OpCode.delete, body: { path, version: -1 } });
        if (this.warmPending) {
          this.warmPending = false;
          return del(`${this.createPrefix}w${this.warmCreated - 1}`);
        }
        if (!measuring) {
          this.warmPending = true;
          const path = `${this.createPrefix}w${this.warmCreated++}`;
          return { workload, type: OpCode.create, body: { path, data: this.value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 } };
        }
        if (this.poolDeleted >= this.poolSize) return undefined;
        return del(this.poolPath(this.poolDeleted++));
      }
      case "multi5": {
        const path = `${this.createPrefix}m${this.multis++}`;
        const ops = [
          { type: OpCode.create, body: { path, data: this.value, acl: Ids.OPEN_ACL_UNSAFE, flags: 0 } },
          { type: OpCode.setData, body: { path, data: this.value, version: 0 } },
          { type: OpCode.check, body: { path, version: 1 } },
          { type: OpCode.delete, body: { path, version: 1 } },
          { type: OpCode.setData, body: { path: this.key(), data: this.value, version: -1 } },
        ];
        return { workload, type: OpCode.multi, body: { ops } };
      }
      case "multi": {
        const ops = [];
        for (let i = 0; i < this.spec.multiOps; i++) {
          ops.push({ type: OpCode.setData, body: { path: this.key(), data: this.value, version: -1 } });
        }
        return { workload, type: OpCode.multi, body: { ops } };
      }
    }
  }
}
