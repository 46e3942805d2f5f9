import { moduleLayoutProblems } from "@zkts/testkit";
import { expect, it } from "vitest";

it("README module layout names every source module, none over 600 lines", () => {
  expect(moduleLayoutProblems(new URL(".", import.meta.url), "## Example")).toEqual([]);
});
