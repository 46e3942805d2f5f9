import { describe, expect, it } from "vitest";
import { EventType } from "@zkts/client-wire";
import { WatchManager } from "./watch-manager.js";

const w1 = () => undefined;
const w2 = () => undefined;
const w3 = () => undefined;

describe("WatchManager.materialize", () => {
  it("one-shot data/exist watches fire on create/change/delete and are consumed", () => {
    const m = new WatchManager();
    m.add("data", "/a", w1);
    m.add("exist", "/a", w2);
    m.add("child", "/a", w3);
    expect([...m.materialize(EventType.NodeDataChanged, "/a")]).toEqual([w1, w2]);
    expect(m.materialize(EventType.NodeDataChanged, "/a").size).toBe(0);
    expect([...m.materialize(EventType.NodeChildrenChanged, "/a")]).toEqual([w3]);
    m.add("data", "/a", w1);
    m.add("child", "/a", w3);
    expect([...m.materialize(EventType.NodeDeleted, "/a")]).toEqual([w1, w3]);
    expect(m.isEmpty).toBe(true);
  });
  it("a callback registered on several kinds fires once", () => {
    const m = new WatchManager();
    m.add("data", "/a", w1);
    m.add("exist", "/a", w1);
    m.add("persistent", "/a", w1);
    expect(m.materialize(EventType.NodeCreated, "/a").size).toBe(1);
  });
  it("persistent watches stay; recursive ones see descendants but not NodeChildrenChanged", () => {
    const m = new WatchManager();
    m.add("persistent", "/a", w1);
    m.add("persistentRecursive", "/", w2);
    m.add("persistentRecursive", "/a", w3);
    expect([...m.materialize(EventType.NodeChildrenChanged, "/a")]).toEqual([w1]);
    expect(new Set(m.materialize(EventType.NodeDataChanged, "/a/b/c"))).toEqual(new Set([w2, w3]));
    expect(new Set(m.materialize(EventType.NodeDeleted, "/a"))).toEqual(new Set([w1, w2, w3]));
    expect(m.paths("persistent")).toEqual(["/a"]);
    expect(m.remove("persistentRecursive", "/a", w3)).toEqual([w3]);
    expect(m.remove("persistentRecursive", "/a", w3)).toEqual([]);
    expect(m.hasAny("/a")).toBe(true);
  });
});
