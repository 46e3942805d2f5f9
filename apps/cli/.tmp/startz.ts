import { startZkts } from "@zkts/testkit";
const zk = await startZkts({ config: { extendedTypesEnabled: "true" } });
console.log(zk.port);
await new Promise(() => {});
