package org.apache.zookeeper.server.quorum;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.apache.jute.BinaryOutputArchive;
import org.apache.jute.Record;
import org.apache.zookeeper.server.util.ZxidUtils;

/** Prints reference bytes of the quorum packets the way Learner/LearnerHandler/Leader build them (ZooKeeper 3.8). */
public class ZabVectors {
    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }
    static byte[] ser(Record r, String tag) throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        BinaryOutputArchive oa = BinaryOutputArchive.getArchive(bos);
        r.serialize(oa, tag);
        return bos.toByteArray();
    }
    static void p(String name, QuorumPacket qp) throws Exception {
        System.out.println(name + " " + hex(ser(qp, "packet")));
    }
    public static void main(String[] args) throws Exception {
        // Learner.registerWithLeader: FOLLOWERINFO / OBSERVERINFO with LearnerInfo(sid, 0x10000, configVersion)
        LearnerInfo li = new LearnerInfo(3, 0x10000, 0x100000000L);
        System.out.println("learnerinfo " + hex(ser(li, "LearnerInfo")));
        p("followerinfo", new QuorumPacket(Leader.FOLLOWERINFO, ZxidUtils.makeZxid(5, 0), ser(li, "LearnerInfo"), null));
        p("observerinfo", new QuorumPacket(Leader.OBSERVERINFO, ZxidUtils.makeZxid(0, 0), ser(new LearnerInfo(4, 0x10000, 0), "LearnerInfo"), null));
        // LearnerHandler: LEADERINFO(newLeaderZxid, 4-byte protocol version)
        byte[] ver = new byte[4];
        ByteBuffer.wrap(ver).putInt(0x10000);
        p("leaderinfo", new QuorumPacket(Leader.LEADERINFO, ZxidUtils.makeZxid(6, 0), ver, null));
        // Learner: ACKEPOCH(lastLoggedZxid, 4-byte currentEpoch or -1)
        byte[] ep = new byte[4];
        ByteBuffer.wrap(ep).putInt(5);
        p("ackepoch", new QuorumPacket(Leader.ACKEPOCH, ZxidUtils.makeZxid(5, 7), ep, null));
        byte[] epm = new byte[4];
        ByteBuffer.wrap(epm).putInt(-1);
        p("ackepoch_minus1", new QuorumPacket(Leader.ACKEPOCH, ZxidUtils.makeZxid(5, 7), epm, null));
        // LearnerHandler.queueOpPacket: DIFF / TRUNC / SNAP (data null)
        p("diff", new QuorumPacket(Leader.DIFF, ZxidUtils.makeZxid(5, 7), null, null));
        p("trunc", new QuorumPacket(Leader.TRUNC, ZxidUtils.makeZxid(4, 2), null, null));
        p("snap", new QuorumPacket(Leader.SNAP, ZxidUtils.makeZxid(5, 9), null, null));
        // NEWLEADER(newLeaderZxid, quorum verifier bytes)
        p("newleader", new QuorumPacket(Leader.NEWLEADER, ZxidUtils.makeZxid(6, 0), "version=0".getBytes("UTF-8"), null));
        // Learner: ACK of NEWLEADER; ACK of a proposal
        p("ack_newleader", new QuorumPacket(Leader.ACK, ZxidUtils.makeZxid(6, 0), null, null));
        p("ack", new QuorumPacket(Leader.ACK, ZxidUtils.makeZxid(6, 1), null, null));
        // Leader: UPTODATE(-1)
        p("uptodate", new QuorumPacket(Leader.UPTODATE, -1, null, null));
        // Leader.propose: PROPOSAL(zxid, txn bytes); COMMIT(zxid); INFORM(zxid, txn bytes)
        byte[] txn = new byte[] {1, 2, 3, (byte) 0xff};
        p("proposal", new QuorumPacket(Leader.PROPOSAL, ZxidUtils.makeZxid(6, 1), txn, null));
        p("commit", new QuorumPacket(Leader.COMMIT, ZxidUtils.makeZxid(6, 1), null, null));
        p("inform", new QuorumPacket(Leader.INFORM, ZxidUtils.makeZxid(6, 1), txn, null));
        // LearnerHandler.ping: PING(lastProposed); Learner.ping reply with empty session data
        p("ping", new QuorumPacket(Leader.PING, ZxidUtils.makeZxid(6, 1), null, null));
        p("ping_reply", new QuorumPacket(Leader.PING, ZxidUtils.makeZxid(6, 1), new ByteArrayOutputStream().toByteArray(), null));
        System.out.println("types " + Leader.REQUEST + "," + Leader.PROPOSAL + "," + Leader.ACK + "," + Leader.COMMIT + ","
            + Leader.PING + "," + Leader.REVALIDATE + "," + Leader.SYNC + "," + Leader.INFORM + "," + Leader.COMMITANDACTIVATE + ","
            + Leader.NEWLEADER + "," + Leader.FOLLOWERINFO + "," + Leader.UPTODATE + "," + Leader.DIFF + "," + Leader.TRUNC + ","
            + Leader.SNAP + "," + Leader.OBSERVERINFO + "," + Leader.LEADERINFO + "," + Leader.ACKEPOCH + "," + Leader.INFORMANDACTIVATE);
    }
}
