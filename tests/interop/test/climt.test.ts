import { describe } from "vitest";
import { usePair, scenario, diffCliMt } from "../src/scenario.js";


describe("cli_mt (the C client shell)", () => {
  const pair = usePair();

  scenario("cli_mt/commands", () => {
    const r = "/mt-cmds";
    return diffCliMt(
      pair(),
      [
        { cmd: `create ${r}` },
        { cmd: `create ${r}` },
        { cmd: `create2 ${r}/c2` },
        { cmd: `create +s ${r}/s-` },
        { cmd: `create +s ${r}/s-` },
        { cmd: `create +e ${r}/e` },
        { cmd: `create +e ${r}/e/kid` },
        { cmd: `create2 +c ${r}/cont` },
        { cmd: `create2 +t=600000 ${r}/ttl` },
        { cmd: `create +t=0 ${r}/ttl0` },
        { cmd: `get ${r}` },
        { cmd: `set ${r} hello` },
        { cmd: `get ${r}` },
        { cmd: `ls ${r}` },
        { cmd: `ls2 ${r}` },
        { cmd: `exists ${r}/e` },
        { cmd: `exists ${r}/none` },
        { cmd: `wexists ${r}/w` },
        { cmd: `create ${r}/w` },
        { cmd: `sync ${r}` },
        { cmd: `get ${r}/none` },
        { cmd: `delete ${r}/none` },
        { cmd: `delete ${r}` },
        { cmd: `delete ${r}/s-0000000001` },
        { cmd: `delete /zookeeper` },
        { cmd: `addauth digest alice:secret` },
        { cmd: `ls /zookeeper` },
        { cmd: `config` },
        { cmd: `reconfig -add server.5=127.0.0.1:1234:1235;1236` },
      ],
      { expect: { 1: ["Creating [/mt-cmds] node (mode: 0)", "[/mt-cmds]: rc = -110"] } },
    );
  }, 90_000);
});
