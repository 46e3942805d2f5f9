import { describe } from "vitest";
import { usePair, scenario, diffZkCli } from "../src/scenario.js";

// Hard quotas are enforced only with enforceQuota=true (a zoo.cfg key; ZooKeeper turns it into the
// zookeeper.enforceQuota system property). Both servers get it.
describe("zkCli.sh with enforceQuota=true", () => {
  const pair = usePair({ config: { enforceQuota: "true" } });

  scenario("zkcli/quota-enforced", () => {
    const r = "/cli-quota";
    return diffZkCli(
      pair(),
      [
        `create ${r}`,
        `create ${r}/n`,
        `setquota -N 3 ${r}/n`,
        `create ${r}/n/a`,
        `create ${r}/n/b`,
        `create ${r}/n/c`,
        `listquota ${r}/n`,
        `delete ${r}/n/b`,
        `create ${r}/n/c`,
        `create ${r}/b x`,
        `setquota -B 10 ${r}/b`,
        `set ${r}/b 0123456789`,
        `set ${r}/b 0123456789a`,
        `create ${r}/b/kid 0123456789`,
        `get ${r}/b`,
        `listquota ${r}/b`,
        `setquota -n 1 ${r}/b`,
        `create ${r}/b/soft`,
        `delquota -B ${r}/b`,
        `set ${r}/b 0123456789abcdef`,
      ],
      { expect: { 5: ["Quota has exceeded : /cli-quota/n/c"] } },
    );
  }, 90_000);
});
