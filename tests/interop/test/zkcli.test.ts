import { describe, expect } from "vitest";
import { usePair, scenario, diffZkCli } from "../src/scenario.js";
import { runZkCliOneShot } from "../src/clients.js";
import { Normaliser } from "../src/normalise.js";
import { SUPER_PASSWORD } from "../src/servers.js";

describe("zkCli.sh", () => {
  const pair = usePair();

  scenario("zkcli/commands", () => {
    const r = "/cli-cmds";
    return diffZkCli(
      pair(),
      [
        `create ${r} root`,
        `create ${r}/p data`,
        `create -s ${r}/s- one`,
        `create -s ${r}/s- two`,
        `create -e ${r}/e eph`,
        `create -e -s ${r}/es-`,
        `create -c ${r}/cont`,
        `create -t 600000 ${r}/ttl`,
        `create -t 600000 -s ${r}/ttls-`,
        `get ${r}/p`,
        `get -s ${r}/p`,
        `set ${r}/p v1`,
        `set -s ${r}/p v2`,
        `set -v 2 ${r}/p v3`,
        `set -v 9 ${r}/p v4`,
        `stat ${r}/p`,
        `stat ${r}/e`,
        `stat ${r}/cont`,
        `stat ${r}/ttl`,
        `ls ${r}`,
        `ls -s ${r}`,
        `ls -R ${r}`,
        `getAcl ${r}/p`,
        `getAcl -s ${r}/p`,
        `setAcl ${r}/p world:anyone:r`,
        `getAcl ${r}/p`,
        `set ${r}/p nope`,
        `setAcl -s -v 1 ${r}/p world:anyone:cdrwa`,
        `setAcl -R ${r}/cont world:anyone:cdrw`,
        `delete -v 5 ${r}/s-0000000000`,
        `delete ${r}/s-0000000000`,
        `delete ${r}/missing`,
        `delete ${r}`,
        `create ${r}/p`,
        `create ${r}/missing/child`,
        `create ${r}/e/kid`,
        `get ${r}/missing`,
        `ls ${r}/missing`,
        `stat ${r}/missing`,
        `sync ${r}`,
        `getAllChildrenNumber ${r}`,
        `getEphemerals ${r}`,
        `getEphemerals`,
        `whoami`,
        `addauth digest alice:secret`,
        `create ${r}/secret x auth::cdrwa`,
        `getAcl ${r}/secret`,
        `create ${r}/dig x digest:alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=:r`,
        `create ${r}/ip x ip:127.0.0.1:cdrwa,world:anyone:r`,
        `getAcl ${r}/ip`,
        `create ${r}/badacl x nosuch:x:r`,
        `create ${r}/a/b/../c x`,
        `create noslash`,
        `delete /zookeeper`,
        `deleteall ${r}/cont`,
        `deleteall ${r}/s-0000000001`,
        `config`,
        `reconfig -add server.5=127.0.0.1:1234:1235;1236`,
        `get /zookeeper/config`,
        `ls /zookeeper`,
        `getAcl /zookeeper/config`,
        `listquota ${r}`,
        `setquota -n 5 ${r}/p`,
        `listquota ${r}/p`,
        `ls /zookeeper/quota${r}`,
        `delquota ${r}/p`,
        `addauth digest super:${SUPER_PASSWORD}`,
        `deleteall ${r}`,
        `ls ${r}`,
      ],
      { expect: { 1: ["Created /cli-cmds/p"], 31: ["Node does not exist: /cli-cmds/missing"] } },
    );
  }, 90_000);

  scenario("zkcli/whoami-after-addauth", () =>
    diffZkCli(pair(), ["whoami", "addauth digest alice:secret", "whoami", `addauth digest super:${SUPER_PASSWORD}`, "whoami"]),
  );

  scenario("zkcli/watches", () => {
    const r = "/cli-watch";
    return diffZkCli(pair(), [
      `create ${r} x`,
      `create ${r}/kid`,
      `get -w ${r}`,
      `stat -w ${r}/new`,
      `ls -w ${r}`,
      `set ${r} y`,
      `create ${r}/new`,
      `set ${r} z`,
      `addWatch ${r}/new`,
      `addWatch -m PERSISTENT_RECURSIVE ${r}/kid`,
      `set ${r}/new 1`,
      `set ${r}/new 2`,
      `create ${r}/kid/deep`,
      `set ${r}/kid/deep 1`,
      `removewatches ${r}/new`,
      `removewatches ${r}/nothing`,
      `get -w ${r}`,
      `removewatches ${r} -d`,
      `removewatches ${r} -c`,
      `ls -w ${r}`,
      `removewatches ${r} -a -l`,
      `delete ${r}/kid/deep`,
      `set ${r}/new 3`,
      `sync ${r}`,
    ]);
  }, 90_000);

  scenario("zkcli/chroot", async () => {
    const r = "/cli-chroot";
    await diffZkCli(pair(), [`create ${r}`, `create ${r}/inside in`]);
    await diffZkCli(pair(), ["ls /", "get -s /inside", "create /made x", "create -s /seq-", "stat /", "get -w /made", "set /made y", "getEphemerals /", "whoami", "ls /zookeeper"], { chroot: r });
    await diffZkCli(pair(), [`ls ${r}`, `get ${r}/made`], {});
    await diffZkCli(pair(), ["ls /"], { chroot: "/cli-no-such-chroot" });
  }, 120_000);

  // One-shot commands: one JVM and one session per command, and the session is not closed (it expires later),
  // so this runs last in the file.
  scenario("zkcli/one-shot", async () => {
    const r = "/cli-oneshot";
    const cmds = [["create", r, "data"], ["get", "-s", r], ["ls", r], ["get", `${r}/missing`], ["create", r]];
    const norm = async (connect: string) => {
      const n = new Normaliser();
      const out: string[][] = [];
      for (const c of cmds) out.push(...n.zkCliLines((await runZkCliOneShot(connect, c)).outputs));
      return out;
    };
    const [ref, sub] = await Promise.all([norm(pair().reference.connectString), norm(pair().subject.connectString)]);
    expect(ref[0]).toEqual([`Created ${r}`]);
    expect(sub).toEqual(ref);
  }, 120_000);
});
