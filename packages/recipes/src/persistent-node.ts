/**
 * PersistentNode: Curator's node that stays there. It is created (ephemeral by default; any mode, optionally with
 * Curator's `_c_<uuid>-` protection) and watched with exists: deleted by anyone, it is created again; after
 * RECONNECTED it is checked and created again if it went (e.g. an ephemeral whose session was replaced elsewhere).
 * setData updates the data it is (re)created with. After LOST the client is finished: the node is gone with its
 * session and the recipe reports `lost`; start a new PersistentNode on a new client.
 */
import { EventEmitter } from "node:events";
import { ConnectionLossError, NodeExistsError, NoNodeError, type CreateModeName, type Data, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { RecipeStateError } from "./errors.js";
import { createProtected, ensureContainers, guaranteedDelete, isSessionGone, parentOf } from "./paths.js";

export interface PersistentNodeOptions {
  /** Default "ephemeral". */
  mode?: CreateModeName;
  /** Curator's useProtection: the node is `<parent>/_c_<uuid>-<name>`. */
  useProtection?: boolean;
}

export interface PersistentNodeEvents {
  /** The node was created (first time or again); with its actual path. */
  created: [path: string];
  lost: [];
  error: [error: unknown];
}

export class PersistentNode extends EventEmitter<PersistentNodeEvents> {
  private readonly tracker: ConnectionStateTracker;
  private readonly mode: CreateModeName;
  private readonly useProtection: boolean;
  private nodePath: string | undefined;
  private data: Data;
  private started = false;
  private closed = false;
  private creating: Promise<void> | undefined;
  private readonly onState = (s: ConnectionState) => {
    if (s === "RECONNECTED") this.background(() => this.check());
    else if (s === "LOST") this.emit("lost");
  };

  constructor(
    private readonly client: ZooKeeperClient,
    readonly basePath: string,
    initData: Data,
    options: PersistentNodeOptions = {},
  ) {
    super();
    this.data = initData;
    this.mode = options.mode ?? "ephemeral";
    this.useProtection = options.useProtection ?? false;
    this.tracker = ConnectionStateTracker.of(client);
  }

  /** The node's actual path (sequential and protected modes add to the base path); undefined until created. */
  get actualPath(): string | undefined {
    return this.nodePath;
  }

  /** Creates the node and starts watching it; resolves once it exists. */
  async start(): Promise<void> {
    if (this.started) throw new RecipeStateError("Already started");
    this.started = true;
    this.tracker.on("state", this.onState);
    await this.create();
  }

  /** Waits until the node exists (after start): true, or false after `timeout` ms. */
  async waitForInitialCreate(timeout: number): Promise<boolean> {
    if (this.nodePath !== undefined) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.off("created", on);
        resolve(false);
      }, timeout);
      const on = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.once("created", on);
    });
  }

  /** Sets the node's data (and the data it is created again with). */
  async setData(data: Data): Promise<void> {
    this.data = data;
    if (this.nodePath !== undefined) await this.client.setData(this.nodePath, data);
  }

  /** Stops and deletes the node. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tracker.off("state", this.onState);
    await this.creating?.catch(() => undefined);
    if (this.nodePath !== undefined) await guaranteedDelete(this.client, this.nodePath);
  }

  private create(): Promise<void> {
    this.creating ??= this.doCreate().finally(() => (this.creating = undefined));
    return this.creating;
  }

  private async doCreate(): Promise<void> {
    if (this.closed) return;
    const sequential = this.mode.toLowerCase().includes("sequential");
    // Protected or sequential nodes get a new name: the old one (if still there) goes first.
    if (this.nodePath !== undefined && (sequential || this.useProtection)) {
      await guaranteedDelete(this.client, this.nodePath);
      this.nodePath = undefined;
    }
    let path: string;
    if (this.useProtection) {
      path = await createProtected(this.client, this.basePath, this.data, this.mode);
    } else {
      try {
        path = await this.createPlain();
      } catch (e) {
        if (!(e instanceof NodeExistsError)) throw e;
        // Already there (our own create survived a lost connection, or an older node): take it over with our data.
        await this.client.setData(this.basePath, this.data);
        path = this.basePath;
      }
    }
    this.nodePath = path;
    this.emit("created", path);
    await this.watch();
  }

  private async createPlain(): Promise<string> {
    try {
      return (await this.client.create(this.basePath, this.data, { mode: this.mode })).path;
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
      await ensureContainers(this.client, parentOf(this.basePath));
      return (await this.client.create(this.basePath, this.data, { mode: this.mode })).path;
    }
  }

  /** Watches our node; gone (now or later) means create it again. */
  private async watch(): Promise<void> {
    const path = this.nodePath;
    if (path === undefined || this.closed) return;
    const stat = await this.client.exists(path, {
      watch: (ev) => {
        if (this.closed || path !== this.nodePath) return;
        if (ev.name === "NodeDeleted") this.background(() => this.create());
        else this.background(() => this.watch());
      },
    });
    if (stat === null && path === this.nodePath) await this.create();
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    if (this.nodePath === undefined || (await this.client.exists(this.nodePath)) === null) await this.create();
  }

  private background(step: () => Promise<void>): void {
    step().catch((e) => {
      if (isSessionGone(e) || e instanceof ConnectionLossError) return;
      if (this.listenerCount("error") > 0) this.emit("error", e);
    });
  }
}
