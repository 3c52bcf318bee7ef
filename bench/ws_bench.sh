#!/usr/bin/env bash
# pier's WebSocket benchmark: in one run, the same load generator
# (bench/ws_load.c, C, epoll, one message in flight per connection, no
# extensions offered) against, one after the other,
#
#   pier        examples-c/ws_echo_server (TcpNoDelay=True, as the others)
#   tokio-tung  bench/ws-tokio (tokio-tungstenite on a current_thread runtime)
#   node-ws     bench/ws_node_echo.js (Node.js `ws`)
#   py-ws       bench/ws_py_echo.py (Python `websockets`, asyncio)
#
# measuring
#
#   100 x 1 KiB     rate and the server's CPU time per message (utime+stime
#                   from /proc: the load generator shares the machine)
#   100 x 64 KiB    rate (MB/s of payload echoed) and CPU per message
#   1 x 64 B        round-trip latency p50 / p99
#   10,000 idle     the server's RSS per open idle connection
#   deflate         100 x 1 KiB of JSON text, permessage-deflate both ways
#                   (the client sends one precompressed message again and
#                   again, which client_no_context_takeover allows; the
#                   servers keep their context): pier, Node ws, Python
#                   websockets (tokio-tungstenite has no permessage-deflate)
#
# The Markdown table goes into docs/PERFORMANCE.md between
# <!-- ws-bench:start --> and <!-- ws-bench:end -->.
#
#   bash bench/ws_bench.sh
#
# Environment: BENCH_SECONDS (5), BENCH_IDLE_CONNS (10000), PERF_MD,
# PIER_BUILD_DIR (build). Needs node with the ws package (scripts/deps.sh puts
# it in build/node) and python3 with websockets. A benchmark measures and
# prints; it asserts nothing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
build=${PIER_BUILD_DIR:-$root/build}
out=$root/bench/out
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
secs=${BENCH_SECONDS:-5}
idle_conns=${BENCH_IDLE_CONNS:-10000}
mkdir -p "$out"
export PATH=$HOME/.cargo/bin:$PATH

echo "building (release)..."
bash "$root/scripts/deps.sh"
build_release "$out/cmake-ws.log" ws_echo_server ws_load echo_server loadgen
(cd "$root/bench/ws-tokio" && cargo build --release --quiet) || { echo "bench/ws-tokio did not build" >&2; exit 1; }
node_dir=${PIER_NODE_DIR:-$root/build/node}
[[ -d $node_dir/node_modules/ws ]] || { echo "Node's ws package is missing (scripts/deps.sh)" >&2; exit 1; }

load=$build/bench/ws_load
ulimit -n $((idle_conns + 2048))

# start NAME COMMAND...: starts a server, sets srv_pid and srv_port.
start() {
  local name=$1
  shift
  "$@" >"$out/ws-$name.log" 2>&1 &
  srv_pid=$!
  srv_port=$(await_port "$out/ws-$name.log" "$srv_pid" "$name")
}

# measure NAME CONNS SIZE: runs the load; prints "rate cpu_us_per_msg p50 p99".
measure() {
  local name=$1 conns=$2 size=$3 t0 t1 line msgs
  t0=$(cpu_ticks "$srv_pid")
  line=$("$load" "$srv_port" "$conns" "$size" "$secs")
  t1=$(cpu_ticks "$srv_pid")
  echo "  $name $conns x $size: $line" >&2
  msgs=$(field msgs "$line")
  awk -v r="$(field rate "$line")" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v m="$msgs" \
      -v p50="$(field p50_us "$line")" -v p99="$(field p99_us "$line")" \
      'BEGIN { printf "%.0f %.2f %s %s\n", r, (m > 0 ? t / hz * 1e6 / m : 0), p50, p99 }'
}

# idle_rss [--deflate]: bytes of RSS per idle connection.
idle_rss() {
  local before after pid
  before=$(rss_kib "$srv_pid")
  "$load" "$srv_port" "$idle_conns" 16 30 --idle "$@" >"$out/ws-idle.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do grep -q '^idle' "$out/ws-idle.log" && break; sleep 0.1; done
  sleep 1
  after=$(rss_kib "$srv_pid")
  stop_pid "$pid"
  awk -v a="$after" -v b="$before" -v n="$idle_conns" 'BEGIN { printf "%.0f\n", (a - b) * 1024 / n }'
}

declare -A row
servers=(pier tokio-tung node-ws py-ws)
for name in "${servers[@]}"; do
  echo "== $name"
  case $name in
    pier) start pier "$build/examples-c/ws_echo_server" --port 0 --config TcpNoDelay=True \
            --config MaxConnections=$((idle_conns + 200)) --config EnablePermessageDeflate=False ;;
    tokio-tung) start tokio "$root/bench/ws-tokio/target/release/ws-tokio-echo" 0 ;;
    node-ws) start node env NODE_PATH="$node_dir/node_modules" node "$root/bench/ws_node_echo.js" 0 ;;
    py-ws) start py python3 "$root/bench/ws_py_echo.py" 0 ;;
  esac
  read -r r1 c1 _ _ < <(measure "$name" 100 1024)
  read -r r64 c64 _ _ < <(measure "$name" 100 65536)
  read -r _ _ p50 p99 < <(measure "$name" 1 64)
  idle=$(idle_rss)
  row[$name]="$r1 $c1 $r64 $c64 $p50 $p99 $idle"
  stop_pid "$srv_pid"
done

# Echo with permessage-deflate: one 1 KiB JSON message, compressed once here.
python3 - "$out/ws-deflate-payload.bin" <<'PY'
import json, sys, zlib
rows, text = [], ""
while len(text) < 1024:
    rows.append({"id": len(rows), "name": f"sensor-{len(rows) % 7}", "value": round(len(rows) * 1.37, 2), "ok": True})
    text = json.dumps(rows)
data = text[:1024].encode()
c = zlib.compressobj(6, zlib.DEFLATED, -15)
body = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
assert body.endswith(b"\x00\x00\xff\xff")
open(sys.argv[1], "wb").write(body[:-4])
PY
declare -A zrow
for name in pier node-ws py-ws; do
  echo "== $name, permessage-deflate"
  case $name in
    pier) start pierz "$build/examples-c/ws_echo_server" --port 0 --config TcpNoDelay=True ;;
    node-ws) start nodez env NODE_PATH="$node_dir/node_modules" node "$root/bench/ws_node_echo.js" 0 deflate ;;
    py-ws) start pyz python3 "$root/bench/ws_py_echo.py" 0 deflate ;;
  esac
  t0=$(cpu_ticks "$srv_pid")
  line=$("$load" "$srv_port" 100 0 "$secs" --deflate-echo "$out/ws-deflate-payload.bin")
  t1=$(cpu_ticks "$srv_pid")
  echo "  $name deflate 100 x 1 KiB: $line" >&2
  zrow[$name]=$(awk -v r="$(field rate "$line")" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v m="$(field msgs "$line")" \
    'BEGIN { printf "%.0f %.2f", r, (m > 0 ? t / hz * 1e6 / m : 0) }')
  stop_pid "$srv_pid"
done

# pier's idle connections with permessage-deflate agreed (no context
# takeover: the shared tier of DeflateMemoryBudget).
echo "== pier, idle with permessage-deflate"
start pierz "$build/examples-c/ws_echo_server" --port 0 --config MaxConnections=$((idle_conns + 200)) \
  --config DeflateMemoryBudget=100000000000
idle_deflate=$(idle_rss --deflate)
stop_pid "$srv_pid"

# The latency target's reference: pier's own TCP echo, same 64 B round trip.
echo "== pier TCP echo (latency reference)"
start tcp "$build/examples-c/echo_server" --raw 0
tcp_line=$("$build/bench/loadgen" latency -p "$srv_port" -s 64 -d "$secs" | grep '^RESULT')
stop_pid "$srv_pid"
tcp_p50=$(field p50_us "$tcp_line")
tcp_p99=$(field p99_us "$tcp_line")

read -r _ pier_c1 pier_r64 _ pier_p50 _ _ <<<"${row[pier]}"
table="Run $(date -u +%Y-%m-%d) on $(nproc) cores, ${secs} s per load, one load generator (bench/ws_load.c) for all; no compression.

| server | 100×1 KiB msg/s | CPU µs/msg | pier ÷ it | 100×64 KiB MB/s | CPU µs/msg | 1×64 B p50 / p99 µs | idle B/conn |
|---|---:|---:|---:|---:|---:|---:|---:|"
for name in "${servers[@]}"; do
  read -r r1 c1 r64 c64 p50 p99 idle <<<"${row[$name]}"
  ratio=$(awk -v a="$pier_c1" -v b="$c1" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  mbs=$(awk -v r="$r64" 'BEGIN { printf "%.0f", r * 65536 / 1e6 }')
  table+="
| $name | $r1 | $c1 | $ratio | $mbs | $c64 | $p50 / $p99 | $idle |"
done
table+="
| pier, deflate agreed (shared tier) | | | | | | | $idle_deflate |
| pier TCP echo (reference) | | | | | | $tcp_p50 / $tcp_p99 | |

With permessage-deflate (100 × 1 KiB of JSON, compressed both ways):

| server | msg/s | CPU µs/msg | pier ÷ it |
|---|---:|---:|---:|"
read -r _ pier_zc <<<"${zrow[pier]}"
for name in pier node-ws py-ws; do
  read -r zr zc <<<"${zrow[$name]}"
  table+="
| $name | $zr | $zc | $(awk -v a="$pier_zc" -v b="$zc" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') |"
done
table+="

pier ÷ it: pier's CPU per 1 KiB message divided by the server's (below 1: pier uses less).
Latency: pier WebSocket p50 $pier_p50 µs against pier TCP echo $tcp_p50 µs."
echo
echo "$table"
write_perf_section "$perf_md" ws-bench "WebSocket echo (bench/ws_bench.sh)" "$table"
