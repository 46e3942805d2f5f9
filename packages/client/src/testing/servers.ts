/** Test support: the two servers every integration test runs against, with the same settings. */
import { referenceAvailable, startReferenceZooKeeper, startZkts, zktsAvailable } from "@zkts/testkit";

export interface TestServer {
  port: number;
  connectString: string;
  stop(): Promise<void>;
}

export interface ServerKind {
  name: "reference" | "zkts";
  available: boolean;
  start(): Promise<TestServer>;
}

/** A short tick so session expiry is quick (timeouts clamp to [2, 20] ticks: 400..4000 ms). */
export const TICK_MS = 200;

const config = {
  tickTime: String(TICK_MS),
  extendedTypesEnabled: "true",
};

export const SERVER_KINDS: ServerKind[] = [
  { name: "reference", available: referenceAvailable(), start: () => startReferenceZooKeeper({ config }) },
  { name: "zkts", available: zktsAvailable(), start: () => startZkts({ config }) },
];
