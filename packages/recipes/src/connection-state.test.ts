import { EventEmitter } from "node:events";
import type { ZooKeeperClient } from "@zkts/client";
import { expect, it } from "vitest";
import { ConnectionStateTracker, isErrorState, type ConnectionState } from "./index.js";
import { fixForSorting, makePath, protectedName, sortChildren } from "./paths.js";

function fakeClient(state: string): EventEmitter & { state: string } {
  return Object.assign(new EventEmitter(), { state });
}

it("maps client session states to Curator's connection states, once per change", () => {
  const c = fakeClient("connecting");
  const t = ConnectionStateTracker.of(c as unknown as ZooKeeperClient);
  expect(ConnectionStateTracker.of(c as unknown as ZooKeeperClient)).toBe(t); // one per client
  const seen: ConnectionState[] = [];
  t.on("state", (s) => seen.push(s));
  for (const s of ["connected", "disconnected", "disconnected", "connected", "connected", "disconnected", "expired", "closed"]) c.emit("state", s);
  expect(seen).toEqual(["CONNECTED", "SUSPENDED", "RECONNECTED", "SUSPENDED", "LOST"]);
  expect(t.lost).toBe(true);
  expect(ConnectionStateTracker.of(fakeClient("connected") as unknown as ZooKeeperClient).state).toBe("CONNECTED");
  expect(["CONNECTED", "SUSPENDED", "RECONNECTED", "LOST", "READ_ONLY"].filter((s) => isErrorState(s as ConnectionState))).toEqual(["SUSPENDED", "LOST"]);
});

it("paths, protected names and the sequence sort follow Curator's ZKPaths, ProtectedUtils and standardFixForSorting", () => {
  expect(makePath("/a/", "/b")).toBe("/a/b");
  expect(makePath("/", "b")).toBe("/b");
  expect(makePath("/a")).toBe("/a");
  expect(protectedName("0d2a0f6e-5d2c-4d5d-9c53-9d6c2a3f4b10", "lock-")).toBe("_c_0d2a0f6e-5d2c-4d5d-9c53-9d6c2a3f4b10-lock-");
  expect(fixForSorting("_c_x-lock-0000000007", "lock-")).toBe("0000000007");
  expect(fixForSorting("other", "lock-")).toBe("other");
  // Sorted by sequence number, whatever the protected prefix.
  expect(sortChildren(["_c_b-lock-0000000002", "_c_a-lock-0000000010", "_c_c-lock-0000000001"], "lock-")).toEqual([
    "_c_c-lock-0000000001",
    "_c_b-lock-0000000002",
    "_c_a-lock-0000000010",
  ]);
});
