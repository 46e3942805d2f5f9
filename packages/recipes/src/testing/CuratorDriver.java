// Test driver: one Apache Curator contender, driven over stdin/stdout by the @zkts/recipes cross-tests.
// Every line it prints is an event; every line it reads is a command. Modes:
//   mutex  <connect> <path> <count>   acquire/release an InterProcessMutex <count> times; per hold:
//                                      prints "ACQ <sessionIdHex>", waits for a line, prints "REL", waits, releases
//   latch  <connect> <path> <id>      a LeaderLatch; prints "LEADER" / "NOTLEADER"; "close" closes it ("CLOSED")
//   atomic <connect> <path> <count>   increments a DistributedAtomicLong <count> times; prints "DONE <succeeded>"
// Always: "SESSION <idHex> <passwordHex>" for each session, "STATE <ConnectionState>" on changes, "READY".
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.atomic.AtomicValue;
import org.apache.curator.framework.recipes.atomic.DistributedAtomicLong;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
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
      default:
        say("ERR unknown mode " + mode);
    }
    client.close();
    System.exit(0);
  }
}
