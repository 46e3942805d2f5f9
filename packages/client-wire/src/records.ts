/** Records of ZooKeeper 3.8's zookeeper.jute that @zkts/jute does not define. */
import { defineRecord, ustring, vector, type Infer } from "@zkts/jute";

/** org.apache.zookeeper.data.ClientInfo: one authenticated identity of a session (whoAmI). */
export const ClientInfo = defineRecord("ClientInfo", { authScheme: ustring, user: ustring });
export type ClientInfo = Infer<typeof ClientInfo>;

/** org.apache.zookeeper.proto.WhoAmIResponse: the body of a whoAmI (107) reply. */
export const WhoAmIResponse = defineRecord("WhoAmIResponse", { clientInfo: vector(ClientInfo) });
export type WhoAmIResponse = Infer<typeof WhoAmIResponse>;
