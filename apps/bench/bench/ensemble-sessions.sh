#!/usr/bin/env bash
# Idle sessions spread over an ensemble's members (voters + observers), beyond one process's open-file limit.
# usage: apps/bench/bench/ensemble-sessions.sh <zkts|zookeeper> <sessions> <voters+observers, e.g. 3+3> <bench procs> <duration, e.g. 60s>
# Starts the ensemble on free 127.0.0.1 ports (zkts: the built apps/server; zookeeper: /usr/share/java/zookeeper.jar),
# runs `zkts-bench run --idle --sessions N` over all members' client ports (one probe connection measures latency),
# prints each member's mode and RSS (before, and half-way through the measured time) and the bench's JSON summary,
# then stops everything. Env: BENCH_EXTRA (more zkts-bench options), BENCH_NODE_ARGS (node flags of the bench),
# NODE_PROF=<dir> (zkts members under --cpu-prof, one sub-dir per member).
set -uo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
kind=$1; n=$2; shape=$3; procs=$4; dur=$5
voters=${shape%+*}; obs=${shape#*+}; total=$((voters+obs))
base=$(mktemp -d /tmp/sens.XXXX)
ports=($(node -e 'const net=require("net");(async()=>{const o=[];const ss=[];for(let i=0;i<'$((total*3))';i++){const s=net.createServer();await new Promise(r=>s.listen(0,"127.0.0.1",r));o.push(s.address().port);ss.push(s)}ss.forEach(s=>s.close());console.log(o.join(" "))})()'))
servers=""; clients=""
for i in $(seq 1 $total); do
  c=${ports[$(( (i-1)*3 ))]}; q=${ports[$(( (i-1)*3+1 ))]}; e=${ports[$(( (i-1)*3+2 ))]}
  role=""; [ $i -gt $voters ] && role=":observer"
  servers+="server.$i=127.0.0.1:$q:$e$role;127.0.0.1:$c"$'\n'
  clients+="127.0.0.1:$c,"
done
clients=${clients%,}
pids=()
for i in $(seq 1 $total); do
  d=$base/m$i; mkdir -p $d/data; echo $i > $d/data/myid
  { echo "tickTime=2000"; echo "initLimit=10"; echo "syncLimit=5"; echo "dataDir=$d/data"; echo "maxClientCnxns=0";
    echo "admin.enableServer=false"; echo "4lw.commands.whitelist=*"; echo "globalOutstandingLimit=100000";
    [ $i -gt $voters ] && echo "peerType=observer"; printf "%s" "$servers"; } > $d/zoo.cfg
  if [ $kind = zkts ]; then
    node ${NODE_PROF:+--cpu-prof --cpu-prof-dir=$NODE_PROF/m$i} --max-old-space-size=2048 $root/apps/server/bin/zkts-server.js --log-level warn $d/zoo.cfg > $d/log 2>&1 &
  else
    java -Xmx2g -Dzookeeper.jmx.log4j.disable=true -Dzookeeper.admin.enableServer=false -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.quorum.QuorumPeerMain $d/zoo.cfg > $d/log 2>&1 &
  fi
  pids+=($!)
done
# wait until every member answers srvr with a mode
for t in $(seq 1 120); do
  ok=0
  for i in $(seq 1 $total); do c=${ports[$(( (i-1)*3 ))]}
    (echo srvr | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$c; cat >&3; cat <&3" 2>/dev/null | grep -q "Mode: ") && ok=$((ok+1)); done
  [ $ok = $total ] && break; sleep 1
done
echo "members serving: $ok/$total after ${t}s; load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 $total); do c=${ports[$(( (i-1)*3 ))]}; echo "m$i $(echo srvr | timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$c; cat >&3; cat <&3" 2>/dev/null | grep Mode)"; done
rss() { for p in "${pids[@]}"; do awk '/VmRSS/{printf "%d ", $2/1024}' /proc/$p/status; done; echo MB; }
echo "RSS before: $(rss)"
node ${BENCH_NODE_ARGS:-} $root/apps/bench/dist/main.js run -s $clients --idle --sessions $n -p $procs -t $dur --warmup 0 --session-timeout 30000 ${BENCH_EXTRA:-} --json > $base/bench.json 2> $base/bench.err &
bp=$!
sleep $(( ${dur%s} / 2 + 20 )); echo "RSS during: $(rss)"
wait $bp; echo "bench rc=$?"
tail -12 $base/bench.err
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));const pick=(o,d=0)=>JSON.stringify(o,(k,v)=>Array.isArray(v)&&v.length>20?`[${v.length} items]`:v);console.log(pick(r))' $base/bench.json | head -c 3000; echo
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
sig=INT; [ $kind = zkts ] || sig=TERM; for p in "${pids[@]}"; do kill -$sig $p 2>/dev/null; done; wait 2>/dev/null
rm -rf $base
