#!/usr/bin/env bash
# pier's TCP benchmark: pier's echo example (raw mode) against a minimal
# single-threaded epoll echo server in C (bench/epoll_echo.c), driven by
# bench/loadgen.c, in four scenarios:
#
#   throughput  100 connections x 1 KiB messages, one in flight each
#   latency     1 connection, 64-byte ping-pong: p50 / p99
#   storm       connect, 1-byte exchange, close, 32 in flight
#   idle        10,000 connections held open
#
# For each server it measures the server process's CPU time (utime+stime from
# /proc/<pid>/stat) per message and per connection, and its RSS per idle
# connection (VmRSS before and after opening the 10,000, from a fresh start).
# The Markdown table goes into docs/PERFORMANCE.md between the markers
# <!-- tcp-bench:start --> and <!-- tcp-bench:end -->; the rest of the file is kept.
#
#   bash bench/run.sh                 # both servers, ~1.5 minutes
#   SERVERS=epoll bash bench/run.sh   # only the reference
#
# Environment: BENCH_TP_SECONDS (8), BENCH_LAT_SECONDS (5), BENCH_STORM_SECONDS (5),
# BENCH_IDLE_CONNS (10000), PERF_MD (docs/PERFORMANCE.md), PIER_BUILD_DIR (build).
# A benchmark is a program that measures and prints, never a test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${PIER_BUILD_DIR:-$root/build}
out=$root/bench/out
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
servers=${SERVERS:-pier epoll}
tp_seconds=${BENCH_TP_SECONDS:-8}
lat_seconds=${BENCH_LAT_SECONDS:-5}
storm_seconds=${BENCH_STORM_SECONDS:-5}
idle_conns=${BENCH_IDLE_CONNS:-10000}
mkdir -p "$out"

# --- build (release) --------------------------------------------------------
export PATH=$HOME/.cargo/bin:$PATH
echo "building everything (release)..."
build_release "$out/cmake.log"
loadgen=$build/bench/loadgen

# --- descriptors: 10,000 connections on each side ----------------------------
need=$((idle_conns + 256))
if [[ $(ulimit -Hn) != unlimited ]] && (($(ulimit -Hn) < need)); then
  ulimit -Hn $((need * 2)) 2>/dev/null || true # works as root
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [[ $(ulimit -n) != unlimited ]] && (($(ulimit -n) < need)); then
  echo "ulimit -n is $(ulimit -n); $need descriptors are needed for $idle_conns idle connections" >&2
  exit 1
fi

clk_tck=$(getconf CLK_TCK)

# --- helpers -----------------------------------------------------------------
server_pid=
server_port=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [[ -n ${idle_pid:-} ]]; then kill "$idle_pid" 2>/dev/null || true; wait "$idle_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_server() { # start_server NAME: sets server_pid, server_port
  local name=$1 log=$out/server-$1.log
  case $name in
    pier) PIER_MAX_CONNECTIONS=$((idle_conns + 1000)) "$build/examples-c/echo_server" --raw 0 >"$log" 2>&1 & ;;
    epoll) "$build/bench/epoll_echo" 0 >"$log" 2>&1 & ;;
    *) echo "unknown server $name" >&2; exit 1 ;;
  esac
  server_pid=$!
  server_port=$(await_port "$log" "$server_pid" "server $name")
}

stop_server() {
  stop_pid "$server_pid"
  server_pid=
}

declare -A R # R[server.metric]

run_server() {
  local s=$1 line t0 t1
  echo "== $s"

  start_server "$s"
  sleep 0.2
  t0=$(cpu_ticks "$server_pid")
  line=$("$loadgen" throughput -p "$server_port" -c 100 -s 1024 -D 1 -d "$tp_seconds" | grep '^RESULT')
  t1=$(cpu_ticks "$server_pid")
  echo "   $line"
  R[$s.msgs_per_s]=$(field msgs_per_s "$line")
  R[$s.mb_per_s]=$(field mb_per_s "$line")
  R[$s.cpu_us_per_msg]=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$(field msgs "$line")" \
    'BEGIN { printf "%.2f", (n > 0 ? d / hz * 1e6 / n : 0) }')

  line=$("$loadgen" latency -p "$server_port" -s 64 -d "$lat_seconds" | grep '^RESULT')
  echo "   $line"
  R[$s.p50_us]=$(field p50_us "$line")
  R[$s.p99_us]=$(field p99_us "$line")

  t0=$(cpu_ticks "$server_pid")
  line=$("$loadgen" storm -p "$server_port" -c 32 -x 1 -d "$storm_seconds" | grep '^RESULT')
  t1=$(cpu_ticks "$server_pid")
  echo "   $line"
  R[$s.conns_per_s]=$(field conns_per_s "$line")
  R[$s.cpu_us_per_conn]=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$(field conns "$line")" \
    'BEGIN { printf "%.2f", (n > 0 ? d / hz * 1e6 / n : 0) }')
  stop_server
  sleep 1 # let the storm's sockets settle

  # Idle connections: a fresh server, so earlier runs' memory does not blur it.
  start_server "$s"
  sleep 0.3
  local rss0 rss1 idle_log=$out/idle-$s.log
  rss0=$(rss_kib "$server_pid")
  start_idle "$loadgen" "$server_port" "$idle_conns" "$idle_log"
  sleep 1
  rss1=$(rss_kib "$server_pid")
  kill "$idle_pid"
  wait "$idle_pid" || true
  idle_pid=
  line=$(grep '^RESULT mode=idle ' "$idle_log")
  echo "   $line rss_before_kib=$rss0 rss_after_kib=$rss1"
  R[$s.rss_bytes_per_conn]=$(awk -v a="$rss0" -v b="$rss1" -v n="$idle_conns" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
  R[$s.establish_s]=$(field seconds_to_establish "$line")
  stop_server
}

for s in $servers; do run_server "$s"; done

# --- the table ---------------------------------------------------------------------
val() { echo "${R[$1.$2]:-—}"; }
ratio() { # pier / reference, when both exist and the reference is not zero
  local a=${R[pier.$1]:-} b=${R[epoll.$1]:-}
  if [[ -z $a || -z $b ]]; then echo "—"; return; fi
  awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 == 0) print "n/a (reference 0)"; else printf "%.2f\n", a / b }'
}
commas() { sed -E ':a; s/([0-9])([0-9]{3})($|,)/\1,\2\3/; ta' <<<"$1"; }
row() { # row SCENARIO METRIC KEY BETTER
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(val pier "$3")" "$(val epoll "$3")" "$(ratio "$3")" "$4"
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
table=$(
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -sr), ${cpu_model:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)."
  echo "Command: \`bash bench/run.sh\` (servers: $servers). Server and load generator share the machine;"
  echo "both servers are single-threaded. CPU is the server process's utime+stime; RSS is VmRSS."
  echo
  echo "| Scenario | Metric | pier (echo_server --raw) | reference (epoll_echo) | pier / reference | better |"
  echo "|---|---|---|---|---|---|"
  row "throughput: 100 conns × 1 KiB, 1 in flight, ${tp_seconds}s" "messages/s" msgs_per_s higher
  row "" "MB/s (echoed)" mb_per_s higher
  row "" "server CPU µs / message" cpu_us_per_msg lower
  row "latency: 1 conn × 64 B ping-pong, ${lat_seconds}s" "p50 µs" p50_us lower
  row "" "p99 µs" p99_us lower
  row "connect–close storm: 32 in flight, 1-byte exchange, ${storm_seconds}s" "connections/s" conns_per_s higher
  row "" "server CPU µs / connection" cpu_us_per_conn lower
  row "idle: $(commas "$idle_conns") connections held" "server RSS bytes / connection" rss_bytes_per_conn lower
  row "" "seconds to establish all" establish_s lower
)
echo
echo "$table"

write_perf_section "$perf_md" tcp-bench "TCPServer: pier against a plain epoll echo server" "$table"
echo
echo "written to ${perf_md#"$root"/}"
