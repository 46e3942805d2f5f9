// Drives the Apache ZooKeeper Java client API for golden-frame capture (ops zkCli.sh does not reach).
// Usage: java -cp /usr/share/java/zookeeper.jar JavaOps.java <host:port>
import java.util.*;
import java.util.concurrent.*;
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.*;

public class JavaOps {
    static void expect(Class<? extends KeeperException> k, Callable<?> c) throws Exception {
        try { c.call(); } catch (KeeperException e) { if (!k.isInstance(e)) throw e; return; }
        throw new AssertionError("expected " + k.getSimpleName());
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
        ZooKeeper zk = new ZooKeeper(args[0], 10000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected && e.getType() == Watcher.Event.EventType.None) connected.countDown();
        });
        if (!connected.await(15, TimeUnit.SECONDS)) throw new AssertionError("no connection");
        Watcher w = events::add;
        List<ACL> open = ZooDefs.Ids.OPEN_ACL_UNSAFE;
        zk.create("/jv", "root".getBytes(), open, CreateMode.PERSISTENT);            // create (1)
        Stat st = new Stat();
        zk.create("/jv/c2", "x".getBytes(), open, CreateMode.PERSISTENT, st);         // create2 (15)
        zk.create("/jv/cont", new byte[0], open, CreateMode.CONTAINER, st);           // createContainer (19)
        zk.create("/jv/ttl", null, open, CreateMode.PERSISTENT_WITH_TTL, st, 30000);  // createTTL (21), null data
        zk.create("/jv/eph", new byte[0], open, CreateMode.EPHEMERAL);
        zk.create("/jv/seq-", new byte[0], ZooDefs.Ids.READ_ACL_UNSAFE, CreateMode.PERSISTENT_SEQUENTIAL);
        expect(KeeperException.NodeExistsException.class, () -> zk.create("/jv", null, open, CreateMode.PERSISTENT));
        expect(KeeperException.NoChildrenForEphemeralsException.class, () -> zk.create("/jv/eph/x", null, open, CreateMode.PERSISTENT));
        expect(KeeperException.InvalidACLException.class, () -> zk.create("/jv/bad", null, ZooDefs.Ids.CREATOR_ALL_ACL, CreateMode.PERSISTENT));
        zk.exists("/jv", false);
        zk.exists("/jv/none", w);
        zk.getData("/jv", w, st);
        zk.getChildren("/jv", w);                                                    // getChildren (8)
        zk.getChildren("/jv", false, st);                                            // getChildren2 (12)
        expect(KeeperException.NoNodeException.class, () -> zk.getChildren("/jv/none", false));
        zk.setData("/jv", "v1".getBytes(), -1);
        zk.getEphemerals("/jv");                                                     // getEphemerals (103)
        zk.getEphemerals();
        zk.getAllChildrenNumber("/jv");                                              // getAllChildrenNumber (104)
        zk.whoAmI();                                                                 // whoAmI (107)
        zk.getACL("/jv/seq-0000000004", st);
        zk.setACL("/jv/c2", ZooDefs.Ids.READ_ACL_UNSAFE, 0);
        expect(KeeperException.NoAuthException.class, () -> zk.setData("/jv/c2", null, -1));
        zk.sync("/jv", (rc, path, ctx) -> {}, null);
        // multi (14) success, multi failure, multiRead (22)
        zk.multi(Arrays.asList(Op.create("/jv/m1", "m".getBytes(), open, CreateMode.PERSISTENT),
            Op.create("/jv/m2", null, open, CreateMode.PERSISTENT_SEQUENTIAL),
            Op.setData("/jv/m1", "mm".getBytes(), 0), Op.check("/jv/m1", 1), Op.delete("/jv/m1", -1)));
        expect(KeeperException.BadVersionException.class, () -> zk.multi(Arrays.asList(
            Op.create("/jv/m3", null, open, CreateMode.PERSISTENT), Op.check("/jv", 99), Op.delete("/jv/c2", -1))));
        zk.multi(Arrays.asList(Op.getData("/jv"), Op.getChildren("/jv"), Op.getData("/jv/none"), Op.getChildren("/jv/none")));
        // watches: fired by own writes, checkWatches (17), removeWatches (18), addWatch (106)
        zk.setData("/jv", "v2".getBytes(), -1);
        zk.create("/jv/none", null, open, CreateMode.PERSISTENT);
        zk.getData("/jv/none", w, st);
        zk.removeWatches("/jv/none", w, Watcher.WatcherType.Data, false);          // checkWatches + removeWatches
        zk.getChildren("/jv/none", w);
        zk.removeAllWatches("/jv/none", Watcher.WatcherType.Any, false);           // removeWatches
        expect(KeeperException.NoWatcherException.class, () -> { zk.removeAllWatches("/jv/none", Watcher.WatcherType.Any, false); return null; });
        zk.addWatch("/jv/none", w, AddWatchMode.PERSISTENT);
        zk.addWatch("/jv", w, AddWatchMode.PERSISTENT_RECURSIVE);
        zk.setData("/jv/none", "p".getBytes(), -1);
        zk.delete("/jv/none", -1);
        zk.getConfig(false, st);
        zk.delete("/jv/eph", -1);
        expect(KeeperException.NotEmptyException.class, () -> { zk.delete("/jv", -1); return null; });
        expect(KeeperException.BadVersionException.class, () -> { zk.delete("/jv/cont", 5); return null; });
        Thread.sleep(300);
        zk.close();
        System.out.println("DONE events=" + events.size());
    }
}
