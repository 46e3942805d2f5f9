package org.apache.zookeeper.server.quorum;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.nio.ByteBuffer;
import java.util.Properties;
import org.apache.zookeeper.server.quorum.flexible.QuorumHierarchical;
import org.apache.zookeeper.server.quorum.flexible.QuorumMaj;

/**
 * Prints reference bytes produced by Apache ZooKeeper's own classes (run against zookeeper-3.8.x.jar).
 * Lives in ZooKeeper's package to reach the package-private FastLeaderElection.buildMsg.
 * Usage: java ... ElectionVectors [hex-of-handshake-to-parse ...]
 */
public class ElectionVectors {
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
    static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0) {
            for (String a : args) {
                DataInputStream din = new DataInputStream(new ByteArrayInputStream(unhex(a)));
                long pv = din.readLong();
                try {
                    QuorumCnxManager.InitialMessage m = QuorumCnxManager.InitialMessage.parse(pv, din);
                    System.out.println("parsed sid=" + m.sid + " addrs=" + m.electionAddr);
                } catch (QuorumCnxManager.InitialMessage.InitialMessageException e) {
                    System.out.println("rejected " + e.getMessage());
                }
            }
            return;
        }
        Properties p = new Properties();
        p.setProperty("server.1", "127.0.0.1:2888:3888");
        p.setProperty("server.2", "127.0.0.1:2889:3889:participant;2182");
        p.setProperty("server.3", "localhost:2890:3890:observer;0.0.0.0:2183");
        QuorumMaj qm = new QuorumMaj(p);
        String cfg = qm.toString();
        System.out.println("config " + hex(cfg.getBytes()));
        ByteBuffer a = FastLeaderElection.buildMsg(0, 1L, 0x100000002L, 1L, 1L, cfg.getBytes());
        System.out.println("notif-looking " + hex(a.array()));
        ByteBuffer b = FastLeaderElection.buildMsg(2, 3L, -1L, 0x7fffffffffffffffL, 5L, new byte[0]);
        System.out.println("notif-leading-empty " + hex(b.array()));
        ByteBuffer c = FastLeaderElection.buildMsg(1, 2L, 0x500000007L, 9L, 5L);
        System.out.println("notif-40 " + hex(c.array()));
        // majority: 3 participants (1,2 participant + 3 observer => 2 voters)
        java.util.HashSet<Long> s = new java.util.HashSet<>();
        s.add(1L);
        System.out.println("maj {1} " + qm.containsQuorum(s));
        s.add(2L);
        System.out.println("maj {1,2} " + qm.containsQuorum(s));
        Properties h = new Properties();
        for (int i = 1; i <= 9; i++) h.setProperty("server." + i, "127.0.0.1:" + (2880 + i) + ":" + (3880 + i));
        h.setProperty("group.1", "1:2:3");
        h.setProperty("group.2", "4:5:6");
        h.setProperty("group.3", "7:8:9");
        h.setProperty("weight.1", "2");
        h.setProperty("weight.4", "0");
        h.setProperty("weight.5", "0");
        h.setProperty("weight.6", "0");
        QuorumHierarchical qh = new QuorumHierarchical(h);
        long[][] sets = { {1}, {1, 7, 8}, {2, 3, 7, 8}, {1, 2, 4, 5, 6}, {2, 3, 4, 7, 8}, {1, 9, 8}, {4, 5, 6, 7, 8, 9}, {1, 2, 7, 8}, {1, 3, 8, 9}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, {2, 3, 9, 7} };
        for (long[] set : sets) {
            java.util.HashSet<Long> hs = new java.util.HashSet<>();
            StringBuilder name = new StringBuilder();
            for (long x : set) { hs.add(x); name.append(x).append(','); }
            System.out.println("hier {" + name + "} " + qh.containsQuorum(hs));
        }
        System.out.println("hier-weight-4 " + qh.getWeight(4));
    }
}
