/**
 * @zkts/core/testing — an in-memory server harness (`makeServer`, `FakeConnection`, `TestClient`) and the
 * deterministic environment doubles it uses (`ManualClock`, `seededRandom`, from @zkts/contracts/testing).
 */
export { ManualClock, seededRandom } from "@zkts/contracts/testing";
export * from "./harness.js";
