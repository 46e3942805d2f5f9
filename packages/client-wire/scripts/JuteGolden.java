// Prints the Java serialization (ZooKeeper 3.8 jars) of the records pinned in src/java-golden.test.ts.
// javac -cp /usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar JuteGolden.java && java -cp ...:. JuteGolden
import org.apache.jute.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;
import org.apache.zookeeper.proto.*;
import java.io.*;
import java.util.*;

public class JuteGolden {
  static String hex(byte[] b) { StringBuilder sb = new StringBuilder(); for (byte x : b) sb.append(String.format("%02x", x)); return sb.toString(); }
  static String ser(org.apache.jute.Record r) throws Exception { ByteArrayOutputStream bo = new ByteArrayOutputStream(); BinaryOutputArchive oa = BinaryOutputArchive.getArchive(bo); r.serialize(oa, "r"); return hex(bo.toByteArray()); }
  public static void main(String[] a) throws Exception {
    Stat st = new Stat(1,2,3,4,5,6,7,8,9,10,11);
    List<Op> ops = new ArrayList<>();
    ops.add(Op.create("/a", "x".getBytes(), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL));
    ops.add(Op.create("/b", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.CONTAINER));
    ops.add(Op.create("/t", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT_WITH_TTL, 5000));
    ops.add(Op.delete("/a", -1));
    ops.add(Op.setData("/b", "y".getBytes(), 3));
    ops.add(Op.check("/b", 1));
    System.out.println("multi " + ser(new MultiOperationRecord(ops)));
    List<Op> rops = new ArrayList<>();
    rops.add(Op.getChildren("/"));
    rops.add(Op.getData("/a"));
    System.out.println("multiRead " + ser(new MultiOperationRecord(rops)));
    MultiResponse mr = new MultiResponse();
    mr.add(new OpResult.CreateResult("/a0000000001"));
    mr.add(new OpResult.CreateResult("/b", st));
    mr.add(new OpResult.DeleteResult());
    mr.add(new OpResult.SetDataResult(st));
    mr.add(new OpResult.CheckResult());
    mr.add(new OpResult.ErrorResult(-101));
    System.out.println("multiResp " + ser(mr));
    MultiResponse mr2 = new MultiResponse();
    mr2.add(new OpResult.GetChildrenResult(Arrays.asList("x","y")));
    mr2.add(new OpResult.GetDataResult("v".getBytes(), st));
    mr2.add(new OpResult.ErrorResult(-101));
    System.out.println("multiReadResp " + ser(mr2));
    List<ClientInfo> ci = new ArrayList<>(); ci.add(new ClientInfo("ip", "127.0.0.1")); ci.add(new ClientInfo("digest", "u"));
    System.out.println("whoAmI " + ser(new WhoAmIResponse(ci)));
    System.out.println("connectReq " + ser(new ConnectRequest(0, 0x100000005L, 30000, 0, new byte[16])));
    System.out.println("connectResp " + ser(new ConnectResponse(0, 30000, 0x1000000000000001L, new byte[16])));
  }
}
