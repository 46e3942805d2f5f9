// Test driver: one Apache Curator contender, driven over stdin/stdout by the @zkts/recipes cross-tests.
// Every line it prints is an event; every line it reads is a command. Modes:
//   mutex  <connect> <path> <count>   acquire/release an InterProcessMutex <count> times; per hold:
//                                      prints "ACQ <sessionIdHex>", waits for a line, prints "REL", waits, releases
//   latch  <connect> <path> <id>      a LeaderLatch; prints "LEADER" / "NOTLEADER"; "close" closes it ("CLOSED")
//   atomic <connect> <path> <count>   increments a DistributedAtomicLong <count> times; prints "DONE <succeeded>"
//   read|write <connect> <path>       InterProcessReadWriteLock: acquires, prints "ACQ", waits for a line, releases ("REL")
//   lease <connect> <path> <max>      InterProcessSemaphoreV2: acquires a lease, prints "ACQ", waits, returns it ("REL")
//   count <connect> <path> <seed>     SharedCount: "COUNT <n>" on changes; "set <n>", "tryset <n>" ("TRYSET <ok>"), "get"
//   put <connect> <path> <items...>   DistributedQueue (UTF-8 items): puts each, then "PUT"
//   take <connect> <path>             DistributedQueue consumer: "ITEM <item>" per item
//   cache <connect> <path>            CuratorCache: "EVENT <type> <path> <data>" per event, "INITIALIZED"
//   enter <connect> <path> <qty>      DistributedDoubleBarrier: enters ("ENTERED"), waits for a line, leaves ("LEFT")
//   select <connect> <path> <id>      LeaderSelector (autoRequeue): "LEADING" when it leads; "release" ends the term
//                                      ("RELEASED"); "participants" prints "PARTICIPANT <id> <isLeader>" each, "END"
//   discovery <connect> <basePath>    curator-x-discovery: registers api/java-1 ("REGISTERED"); "query <name>" prints
//                                      "INSTANCE <id> <address> <port> <enabled> <serviceType> <uriSpec built>" each, "END"
// Always: "SESSION <idHex> <passwordHex>" for each session, "STATE <ConnectionState>" on changes, "READY".
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.barriers.DistributedDoubleBarrier;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.curator.framework.recipes.queue.DistributedQueue;
import org.apache.curator.framework.recipes.queue.QueueBuilder;
import org.apache.curator.framework.recipes.queue.QueueConsumer;
import org.apache.curator.framework.recipes.queue.QueueSerializer;
import org.apache.curator.framework.recipes.shared.SharedCount;
import org.apache.curator.framework.recipes.shared.SharedCountListener;
import org.apache.curator.framework.recipes.shared.SharedCountReader;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.leader.Participant;
import java.util.concurrent.Semaphore;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;
import org.apache.zookeeper.ZooKeeper;

public class CuratorDriver {
  static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
  static final BufferedReader in = new BufferedReader(new InputStreamReader(System.in));

  static synchronized void say(String line) {
    out.println(line);
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) s.append(String.format("%02x", x & 0xff));
    return s.toString();
  }

  static void saySession(CuratorFramework client) {
    try {
      ZooKeeper zk = client.getZookeeperClient().getZooKeeper();
      say("SESSION " + Long.toHexString(zk.getSessionId()) + " " + hex(zk.getSessionPasswd()));
    } catch (Exception e) {
      say("ERR session " + e);
    }
  }

  static String command() throws Exception {
    String line = in.readLine();
    if (line == null) System.exit(0); // the test went away
    return line.trim();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0], connect = args[1], path = args[2];
    CuratorFramework client = CuratorFrameworkFactory.builder()
        .connectString(connect)
        .sessionTimeoutMs(Integer.parseInt(System.getProperty("sessionTimeoutMs", "4000")))
        .connectionTimeoutMs(4000)
        .retryPolicy(new ExponentialBackoffRetry(50, 10, 1000))
        .build();
    client.getConnectionStateListenable().addListener((c, state) -> {
      say("STATE " + state);
      if (state == ConnectionState.CONNECTED || state == ConnectionState.RECONNECTED) saySession(c);
    });
    client.start();
    client.blockUntilConnected();
    say("READY");
    switch (mode) {
      case "mutex": {
        int count = Integer.parseInt(args[3]), held = 0;
        InterProcessMutex mutex = new InterProcessMutex(client, path);
        while (held < count) {
          try {
            mutex.acquire();
          } catch (Exception e) {
            say("ERR acquire " + e);
            continue;
          }
          held++;
          say("ACQ " + Long.toHexString(client.getZookeeperClient().getZooKeeper().getSessionId()));
          command();
          say("REL");
          command();
          try {
            mutex.release();
          } catch (Exception e) {
            say("ERR release " + e);
          }
        }
        say("DONE " + held);
        break;
      }
      case "latch": {
        LeaderLatch latch = new LeaderLatch(client, path, args[3]);
        latch.addListener(new LeaderLatchListener() {
          public void isLeader() { say("LEADER"); }
          public void notLeader() { say("NOTLEADER"); }
        });
        latch.start();
        for (;;) {
          String c = command();
          if (c.equals("close")) {
            latch.close();
            say("CLOSED");
          } else if (c.equals("exit")) {
            break;
          }
        }
        break;
      }
      case "atomic": {
        int count = Integer.parseInt(args[3]), ok = 0;
        DistributedAtomicLong counter = new DistributedAtomicLong(client, path, new RetryNTimes(1000, 1));
        command(); // start together
        for (int i = 0; i < count; i++) {
          AtomicValue<Long> v = counter.increment();
          if (v.succeeded()) ok++;
        }
        say("DONE " + ok);
        break;
      }
      case "read":
      case "write": {
        InterProcessReadWriteLock rw = new InterProcessReadWriteLock(client, path);
        InterProcessMutex m = mode.equals("read") ? rw.readLock() : rw.writeLock();
        m.acquire();
        say("ACQ");
        command();
        m.release();
        say("REL");
        command();
        break;
      }
      case "lease": {
        InterProcessSemaphoreV2 sem = new InterProcessSemaphoreV2(client, path, Integer.parseInt(args[3]));
        Lease lease = sem.acquire();
        say("ACQ");
        command();
        sem.returnLease(lease);
        say("REL");
        command();
        break;
      }
      case "count": {
        SharedCount count = new SharedCount(client, path, Integer.parseInt(args[3]));
        count.addListener(new SharedCountListener() {
          public void countHasChanged(SharedCountReader r, int n) { say("COUNT " + n); }
          public void stateChanged(CuratorFramework c, ConnectionState s) {}
        });
        count.start();
        say("STARTED " + count.getCount());
        for (;;) {
          String[] c = command().split(" ");
          if (c[0].equals("set")) { count.setCount(Integer.parseInt(c[1])); say("SET"); }
          else if (c[0].equals("tryset")) say("TRYSET " + count.trySetCount(count.getVersionedValue(), Integer.parseInt(c[1])));
          else if (c[0].equals("get")) say("VALUE " + count.getVersionedValue().getValue() + " " + count.getVersionedValue().getVersion());
          else break;
        }
        count.close();
        break;
      }
      case "put":
      case "take": {
        QueueSerializer<String> ser = new QueueSerializer<String>() {
          public byte[] serialize(String item) { return item.getBytes(StandardCharsets.UTF_8); }
          public String deserialize(byte[] bytes) { return new String(bytes, StandardCharsets.UTF_8); }
        };
        QueueConsumer<String> consumer = mode.equals("take") ? new QueueConsumer<String>() {
          public void consumeMessage(String item) { say("ITEM " + item); }
          public void stateChanged(CuratorFramework c, ConnectionState s) {}
        } : null;
        DistributedQueue<String> queue = QueueBuilder.builder(client, consumer, ser, path).buildQueue();
        queue.start();
        if (mode.equals("put")) {
          for (int i = 3; i < args.length; i++) queue.put(args[i]);
          say("PUT");
        } else {
          say("TAKING");
        }
        command();
        queue.close();
        break;
      }
      case "cache": {
        CuratorCache cache = CuratorCache.build(client, path);
        cache.listenable().addListener(new CuratorCacheListener() {
          public void event(Type type, ChildData oldData, ChildData data) {
            ChildData d = data != null ? data : oldData;
            byte[] b = data != null ? data.getData() : null;
            say("EVENT " + type + " " + d.getPath() + " " + (b == null ? "null" : new String(b, StandardCharsets.UTF_8)));
          }
          public void initialized() { say("INITIALIZED"); }
        });
        cache.start();
        command();
        cache.close();
        break;
      }
      case "enter": {
        DistributedDoubleBarrier barrier = new DistributedDoubleBarrier(client, path, Integer.parseInt(args[3]));
        barrier.enter();
        say("ENTERED");
        command();
        barrier.leave();
        say("LEFT");
        command();
        break;
      }
      case "select": {
        Semaphore release = new Semaphore(0);
        LeaderSelector selector = new LeaderSelector(client, path, new LeaderSelectorListenerAdapter() {
          public void takeLeadership(CuratorFramework c) throws Exception {
            say("LEADING");
            release.acquire();
            say("RELEASED");
          }
        });
        selector.setId(args[3]);
        selector.autoRequeue();
        selector.start();
        for (;;) {
          String c = command();
          if (c.equals("release")) release.release();
          else if (c.equals("participants")) {
            for (Participant p : selector.getParticipants()) say("PARTICIPANT " + p.getId() + " " + p.isLeader());
            say("END");
          } else break;
        }
        selector.close();
        break;
      }
      case "discovery": {
        ServiceDiscovery<Void> sd = ServiceDiscoveryBuilder.builder(Void.class).client(client).basePath(path)
            .serializer(new JsonInstanceSerializer<Void>(Void.class)).build();
        sd.start();
        ServiceInstance<Void> me = ServiceInstance.<Void>builder().name("api").id("java-1").address("10.0.0.1").port(1234)
            .uriSpec(new UriSpec("{scheme}://{address}:{port}")).build();
        sd.registerService(me);
        say("REGISTERED");
        for (;;) {
          String[] c = command().split(" ");
          if (!c[0].equals("query")) break;
          for (ServiceInstance<Void> i : sd.queryForInstances(c[1])) {
            say("INSTANCE " + i.getId() + " " + i.getAddress() + " " + i.getPort() + " " + i.isEnabled() + " " + i.getServiceType() + " " + i.buildUriSpec());
          }
          say("END");
        }
        sd.close();
        break;
      }
      default:
        say("ERR unknown mode " + mode);
    }
    client.close();
    System.exit(0);
  }
}
