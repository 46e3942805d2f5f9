/**
 * Service discovery records as curator-x-discovery's ServiceDiscovery writes them: an instance is the node
 * `<basePath>/<service name>/<instance id>` (ephemeral for DYNAMIC instances, persistent for STATIC and
 * PERMANENT, ephemeral sequential for DYNAMIC_SEQUENTIAL; parents as containers) holding the instance as JSON
 * with JsonInstanceSerializer's fields in its order: name, id, address, port, sslPort, payload,
 * registrationTimeUTC, serviceType, uriSpec, and `enabled` only when asked for (Curator 5.4's
 * `new JsonInstanceSerializer(payloadClass)` is in compatible mode, which leaves `enabled` out so that readers
 * older than CURATOR-275 can parse the record). A Java ServiceDiscovery reads what this one registers, and
 * the other way round. Payloads are JSON values as given (Curator writes a Java payload with an "@class" property:
 * include it for Java readers that deserialize payloads).
 *
 * Registered DYNAMIC instances are registered again after RECONNECTED if their node went.
 */
import { randomUUID } from "node:crypto";
import { NodeExistsError, NoNodeError, type CreateModeName, type ZooKeeperClient } from "@zkts/client";
import { ConnectionStateTracker, type ConnectionState } from "./connection-state.js";
import { ensureContainers, makePath, parentOf } from "./paths.js";

export type ServiceType = "DYNAMIC" | "STATIC" | "PERMANENT" | "DYNAMIC_SEQUENTIAL";

/** UriSpec as Jackson writes it: the template split into literal and `{variable}` parts. */
export interface UriSpecJson {
  parts: Array<{ value: string; variable: boolean }>;
}

export interface ServiceInstance<P = unknown> {
  name: string;
  id: string;
  address: string | null;
  port: number | null;
  sslPort: number | null;
  payload: P | null;
  registrationTimeUTC: number;
  serviceType: ServiceType;
  uriSpec: UriSpecJson | null;
  enabled: boolean;
}

/** UriSpec("{scheme}://foo.com:{port}") as its parts (Curator's UriSpec parsing of `{...}` variables). */
export function parseUriSpec(template: string): UriSpecJson {
  const parts: UriSpecJson["parts"] = [];
  const re = /\{([^}]*)\}/g;
  let at = 0;
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > at) parts.push({ value: template.slice(at, m.index), variable: false });
    parts.push({ value: m[1]!, variable: true });
    at = m.index + m[0].length;
  }
  if (at < template.length) parts.push({ value: template.slice(at), variable: false });
  return { parts };
}

/** A new instance record (ServiceInstance.builder(): random UUID id, registration time now, DYNAMIC, enabled). */
export function serviceInstance<P = unknown>(fields: Partial<ServiceInstance<P>> & { name: string }): ServiceInstance<P> {
  return {
    name: fields.name,
    id: fields.id ?? randomUUID(),
    address: fields.address ?? null,
    port: fields.port ?? null,
    sslPort: fields.sslPort ?? null,
    payload: fields.payload ?? null,
    registrationTimeUTC: fields.registrationTimeUTC ?? Date.now(),
    serviceType: fields.serviceType ?? "DYNAMIC",
    uriSpec: fields.uriSpec ?? null,
    enabled: fields.enabled ?? true,
  };
}

/**
 * JsonInstanceSerializer.serialize: the fields in Curator's order. `withEnabled` adds the `enabled` field (Curator's
 * `compatibleSerializationMode = false`); by default it is left out, as Curator 5.4's default serializer does.
 */
export function serializeInstance(i: ServiceInstance, withEnabled = false): Buffer {
  const ordered: Record<string, unknown> = {
    name: i.name,
    id: i.id,
    address: i.address,
    port: i.port,
    sslPort: i.sslPort,
    payload: i.payload,
    registrationTimeUTC: i.registrationTimeUTC,
    serviceType: i.serviceType,
    uriSpec: i.uriSpec,
  };
  if (withEnabled) ordered.enabled = i.enabled;
  return Buffer.from(JSON.stringify(ordered), "utf8");
}

/** JsonInstanceSerializer.deserialize (unknown properties ignored; `enabled` defaults to true for old writers). */
export function deserializeInstance<P = unknown>(bytes: Buffer): ServiceInstance<P> {
  const o = JSON.parse(bytes.toString("utf8")) as Partial<ServiceInstance<P>>;
  return {
    name: o.name ?? "",
    id: o.id ?? "",
    address: o.address ?? null,
    port: o.port ?? null,
    sslPort: o.sslPort ?? null,
    payload: o.payload ?? null,
    registrationTimeUTC: o.registrationTimeUTC ?? 0,
    serviceType: o.serviceType ?? "DYNAMIC",
    uriSpec: o.uriSpec ?? null,
    enabled: o.enabled ?? true,
  };
}

function modeOf(t: ServiceType): CreateModeName {
  return t === "DYNAMIC" ? "ephemeral" : t === "DYNAMIC_SEQUENTIAL" ? "ephemeralSequential" : "persistent";
}

export class ServiceDiscovery {
  private readonly tracker: ConnectionStateTracker;
  private readonly registered = new Map<string, { instance: ServiceInstance; path: string }>();
  private readonly onState = (s: ConnectionState) => {
    if (s === "RECONNECTED") void this.reRegister().catch(() => undefined);
  };

  private readonly withEnabled: boolean;

  /** `writeEnabled`: write the `enabled` field (readers on Curator 4.0 or later only). */
  constructor(
    private readonly client: ZooKeeperClient,
    readonly basePath: string,
    options: { writeEnabled?: boolean } = {},
  ) {
    this.withEnabled = options.writeEnabled ?? false;
    this.tracker = ConnectionStateTracker.of(client);
    this.tracker.on("state", this.onState);
  }

  /** `<basePath>/<name>/<id>` (Curator's pathForInstance). */
  pathForInstance(name: string, id: string): string {
    return makePath(makePath(this.basePath, name), id);
  }

  /** Registers (creates) an instance; an existing node of the same id is replaced. */
  async registerService(instance: ServiceInstance): Promise<void> {
    const path = await this.internalRegister(instance);
    this.registered.set(instance.id, { instance, path });
  }

  /** Writes an instance's new record. */
  async updateService(instance: ServiceInstance): Promise<void> {
    const entry = this.registered.get(instance.id);
    const path = entry?.path ?? this.pathForInstance(instance.name, instance.id);
    await this.client.setData(path, serializeInstance(instance, this.withEnabled));
    this.registered.set(instance.id, { instance, path });
  }

  async unregisterService(instance: ServiceInstance): Promise<void> {
    const entry = this.registered.get(instance.id);
    this.registered.delete(instance.id);
    try {
      await this.client.delete(entry?.path ?? this.pathForInstance(instance.name, instance.id));
    } catch (e) {
      if (!(e instanceof NoNodeError)) throw e;
    }
  }

  /** The service names. */
  async queryForNames(): Promise<string[]> {
    try {
      return (await this.client.getChildren(this.basePath)).sort();
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }

  /** Every instance of a service (records that vanish meanwhile are left out). */
  async queryForInstances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    let ids: string[];
    try {
      ids = (await this.client.getChildren(makePath(this.basePath, name))).sort();
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
    const found = await Promise.all(ids.map((id) => this.queryForInstance<P>(name, id)));
    return found.filter((i): i is ServiceInstance<P> => i !== undefined);
  }

  async queryForInstance<P = unknown>(name: string, id: string): Promise<ServiceInstance<P> | undefined> {
    try {
      return deserializeInstance<P>((await this.client.getData(this.pathForInstance(name, id))).data ?? Buffer.from("{}"));
    } catch (e) {
      if (e instanceof NoNodeError) return undefined;
      throw e;
    }
  }

  /** Unregisters everything this instance registered and stops. */
  async close(): Promise<void> {
    this.tracker.off("state", this.onState);
    for (const { instance } of [...this.registered.values()]) await this.unregisterService(instance).catch(() => undefined);
  }

  private async internalRegister(instance: ServiceInstance): Promise<string> {
    const bytes = serializeInstance(instance, this.withEnabled);
    const mode = modeOf(instance.serviceType);
    const path = this.pathForInstance(instance.name, instance.id);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.client.create(path, bytes, { mode })).path;
      } catch (e) {
        if (e instanceof NoNodeError && attempt < 3) {
          await ensureContainers(this.client, parentOf(path));
          continue;
        }
        if (e instanceof NodeExistsError && attempt < 3) {
          // Curator deletes a stale registration of the same id and creates it again.
          await this.client.delete(path).catch((d) => {
            if (!(d instanceof NoNodeError)) throw d;
          });
          continue;
        }
        throw e;
      }
    }
  }

  private async reRegister(): Promise<void> {
    for (const [id, { instance, path }] of this.registered) {
      if (instance.serviceType !== "DYNAMIC" && instance.serviceType !== "DYNAMIC_SEQUENTIAL") continue;
      if ((await this.client.exists(path)) !== null) continue;
      const newPath = await this.internalRegister(instance);
      this.registered.set(id, { instance, path: newPath });
    }
  }
}
