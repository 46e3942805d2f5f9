// Apache ZooKeeper's learner snapshot stream, produced and read by ZooKeeper's own classes (zk-snapshot-stream tests).
//   write <file>: a DataTree built through DataTree.createNode, streamed as LearnerHandler.syncFollower does
//   read <file>:  read back as Learner.syncWithLeader does; prints sessions and nodes, one per line
import java.io.*;
import java.util.*;
import org.apache.jute.*;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.*;
import org.apache.zookeeper.server.DataNode;
import org.apache.zookeeper.server.DataTree;
import org.apache.zookeeper.server.util.SerializeUtils;

public class SnapStream {
  public static void main(String[] args) throws Exception {
    if (args[0].equals("write")) {
      DataTree dt = new DataTree();
      List<ACL> digest = new ArrayList<>();
      digest.add(new ACL(ZooDefs.Perms.ALL, new Id("digest", "bob:Xo8lJ2bUmPSdHU+kfrJVWBHx2e0=")));
      digest.add(new ACL(ZooDefs.Perms.READ, new Id("world", "anyone")));
      dt.createNode("/app", "hello".getBytes("UTF-8"), ZooDefs.Ids.OPEN_ACL_UNSAFE, 0, 1, 5, 1000);
      dt.createNode("/app/secret", new byte[] {0, 1, 2, (byte) 255}, digest, 0, 1, 6, 1001);
      dt.createNode("/app/eph", null, ZooDefs.Ids.READ_ACL_UNSAFE, 0x1234L, 2, 7, 1002);
      dt.createNode("/empty", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, 0, 2, 8, 1003);
      Map<Long, Integer> sessions = new HashMap<>();
      sessions.put(0x1234L, 30000);
      sessions.put(-2L, 4000);
      try (OutputStream os = new BufferedOutputStream(new FileOutputStream(args[1]))) {
        BinaryOutputArchive oa = BinaryOutputArchive.getArchive(os);
        SerializeUtils.serializeSnapshot(dt, oa, sessions);
        oa.writeString("BenWasHere", "signature");
      }
    } else {
      DataTree dt = new DataTree();
      Map<Long, Integer> sessions = new TreeMap<>();
      try (InputStream is = new BufferedInputStream(new FileInputStream(args[1]))) {
        BinaryInputArchive ia = BinaryInputArchive.getArchive(is);
        SerializeUtils.deserializeSnapshot(dt, ia, sessions);
        String sig = ia.readString("signature");
        if (!sig.equals("BenWasHere")) throw new IOException("Missing signature. Got " + sig);
        if (is.read() != -1) throw new IOException("bytes after the signature");
      }
      for (Map.Entry<Long, Integer> e : sessions.entrySet()) System.out.println("session " + e.getKey() + " " + e.getValue());
      List<String> paths = new ArrayList<>();
      collect(dt, "/", paths);
      Collections.sort(paths);
      for (String p : paths) {
        DataNode n = dt.getNode(p);
        StatPersisted s = n.stat;
        byte[] d = n.getData();
        StringBuilder hex = new StringBuilder(d == null ? "null" : "");
        if (d != null) for (byte b : d) hex.append(String.format("%02x", b));
        StringBuilder acl = new StringBuilder();
        for (ACL a : dt.getACL(p, null)) acl.append(a.getPerms()).append(':').append(a.getId().getScheme()).append(':').append(a.getId().getId()).append(',');
        System.out.println("node " + p + " " + hex + " " + acl + " " + s.getCzxid() + " " + s.getMzxid() + " " + s.getPzxid() + " "
          + s.getCversion() + " " + s.getEphemeralOwner());
      }
    }
  }

  static void collect(DataTree dt, String p, List<String> out) {
    out.add(p);
    DataNode n = dt.getNode(p);
    for (String c : n.getChildren()) collect(dt, p.equals("/") ? "/" + c : p + "/" + c, out);
  }
}
