import { moduleLayoutProblems } from "@zkts/testkit";
import { expect, it } from "vitest";

it("README's module table names every source module, and none is over the line limit", () => {
  expect(moduleLayoutProblems(new URL(".", import.meta.url), "## Running a member on sockets")).toEqual([]);
});
