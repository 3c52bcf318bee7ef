#!/usr/bin/env bash
# A/B benchmark of a change to a shared layer (src/stream, src/core,
# src/tls): this checkout's echo servers against those of a base commit,
# built side by side and measured in the same run, alternating rounds so
# machine noise hits both alike.
#
#   bash bench/ab.sh [BASE]        # BASE: a commit (default HEAD~1)
#
# Scenarios, each server for AB_SECONDS (4) per round, AB_ROUNDS (3) rounds:
#   plain 1 KiB / 16 KiB   examples-c/echo_server --raw, bench/loadgen throughput -c 100
#   TLS 1 KiB / 16 KiB     examples-c/tls_echo_server --raw, bench/tls_client echo -c 100 (TLS 1.3)
#   idle                   10,000 connections held (AB_IDLE_CONNS): server RSS per connection
#   instructions           valgrind --tool=callgrind on the servers, 1 and 16 KiB echo, plain
#                          and TLS: instructions per message (repeatable where seconds are not)
# Server CPU is utime+stime from /proc per message (median of the rounds).
# The table goes into docs/PERFORMANCE.md between <!-- stream-ab:start --> and
# <!-- stream-ab:end -->. A benchmark is a program that measures and prints, never a test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
base_rev=$(git -C "$root" rev-parse --short "${1:-HEAD~1}")
new_rev=$(git -C "$root" rev-parse --short HEAD)
out=$root/bench/out/ab
seconds=${AB_SECONDS:-4}
rounds=${AB_ROUNDS:-3}
idle_conns=${AB_IDLE_CONNS:-10000}
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
mkdir -p "$out"
export PATH=$HOME/.cargo/bin:$PATH

build_tree() { # build_tree SRC BUILD
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DPIER_CARGO_PROFILE=release -DPIER_BUILD_TESTS=OFF \
    >"$2.log" 2>&1 || { tail -n 40 "$2.log"; exit 1; }
  cmake --build "$2" -j 2 >>"$2.log" 2>&1 || { tail -n 40 "$2.log"; exit 1; }
}

echo "building this checkout ($new_rev) and the base ($base_rev), release..."
mkdir -p "$out/new" "$out/base"
build_tree "$root" "$out/new/build"
if [[ ! -d $out/base/src ]] || [[ $(git -C "$out/base/src" rev-parse --short HEAD 2>/dev/null) != "$base_rev" ]]; then
  git -C "$root" worktree remove --force "$out/base/src" 2>/dev/null || rm -rf "$out/base/src"
  git -C "$root" worktree add --detach "$out/base/src" "$base_rev" >/dev/null
fi
build_tree "$out/base/src" "$out/base/build"
loadgen=$out/new/build/bench/loadgen
client=$out/new/build/bench/tls_client
[[ -x $client ]] || { echo "bench/tls_client was not built (OpenSSL missing?)" >&2; exit 1; }

certs=$out/certs
mkdir -p "$certs"
if [[ ! -f $certs/server.pem ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
    -subj /CN=localhost -days 2 >/dev/null 2>&1
  cat "$certs/key.pem" "$certs/cert.pem" >"$certs/server.pem"
fi

need=$((idle_conns + 256))
if [[ $(ulimit -Hn) != unlimited ]] && (($(ulimit -Hn) < need)); then ulimit -Hn $((need * 2)) 2>/dev/null || true; fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
clk_tck=$(getconf CLK_TCK)

server_pid=
idle_pid=
cleanup() {
  [[ -n $server_pid ]] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  [[ -n $idle_pid ]] && { kill "$idle_pid" 2>/dev/null || true; wait "$idle_pid" 2>/dev/null || true; }
  return 0
}
trap cleanup EXIT

start() { # start WHICH plain|tls [PREFIX...]: sets server_pid and port
  local which=$1 kind=$2 log=$out/$1-$2.log
  shift 2
  local bin=$out/$which/build/examples-c
  if [[ $kind == plain ]]; then
    PIER_MAX_CONNECTIONS=$((idle_conns + 1000)) "$@" "$bin/echo_server" --raw 0 >"$log" 2>&1 &
  else
    PIER_MAX_CONNECTIONS=5000 "$@" "$bin/tls_echo_server" --raw --config TCPNoDelay=True "$certs/server.pem" "" 0 \
      >"$log" 2>&1 &
  fi
  server_pid=$!
  port=$(await_port "$log" "$server_pid" "$which $kind server")
}

stop() {
  stop_pid "$server_pid"
  server_pid=
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

declare -A S # S[which.scenario] = space-separated µs/msg per round

one() { # one WHICH SCENARIO
  local which=$1 sc=$2 kind size line t0 t1
  case $sc in
    plain1k) kind=plain size=1024 ;;
    plain16k) kind=plain size=16384 ;;
    tls1k) kind=tls size=1024 ;;
    tls16k) kind=tls size=16384 ;;
  esac
  start "$which" "$kind"
  sleep 0.3
  t0=$(cpu_ticks "$server_pid")
  if [[ $kind == plain ]]; then
    line=$("$loadgen" throughput -p "$port" -c 100 -s "$size" -D 1 -d "$seconds" | grep '^RESULT')
  else
    line=$("$client" echo -p "$port" -c 100 -s "$size" -d "$seconds" -V 1.3 | grep '^RESULT')
  fi
  t1=$(cpu_ticks "$server_pid")
  stop
  local us
  us=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$(field msgs "$line")" 'BEGIN { printf "%.2f", (n > 0 ? d / hz * 1e6 / n : 0) }')
  S[$which.$sc]="${S[$which.$sc]:-} $us"
  S[$which.$sc.rate]="${S[$which.$sc.rate]:-} $(field msgs_per_s "$line")"
  printf '   %-5s %-9s %8s µs/msg  %10s msg/s\n' "$which" "$sc" "$us" "$(field msgs_per_s "$line")"
}

only=${AB_ONLY:-all} # all | instructions | idle
for r in $(seq 1 "$rounds"); do
  [[ $only == all ]] || break
  echo "== round $r of $rounds"
  for sc in plain1k plain16k tls1k tls16k; do
    # Alternate which build goes first, so drift over a round hits both alike.
    if ((r % 2)); then one new "$sc"; one base "$sc"; else one base "$sc"; one new "$sc"; fi
  done
done

idle() { # idle WHICH: bytes of RSS per idle connection
  local which=$1 rss0 rss1 log=$out/idle-$1.log
  start "$which" plain
  sleep 0.3
  rss0=$(rss_kib "$server_pid")
  start_idle "$loadgen" "$port" "$idle_conns" "$log"
  sleep 1
  rss1=$(rss_kib "$server_pid")
  kill "$idle_pid"
  wait "$idle_pid" 2>/dev/null || true
  idle_pid=
  stop
  S[$which.idle]=$(awk -v a="$rss0" -v b="$rss1" -v n="$idle_conns" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
  echo "   $which idle: ${S[$which.idle]} bytes/connection"
}
if [[ $only == all || $only == idle ]]; then
  echo "== idle connections"
  idle new
  sleep 1
  idle base
fi

cg_run() { # cg_run WHICH KIND SIZE SECONDS: "instructions messages" of one server run under callgrind
  local which=$1 kind=$2 size=$3 secs=$4 cg=$out/callgrind-$1-$2-$3-$4.out line
  rm -f "$cg"
  start "$which" "$kind" valgrind --tool=callgrind --callgrind-out-file="$cg"
  sleep 0.5
  if [[ $kind == plain ]]; then
    line=$("$loadgen" throughput -p "$port" -c 10 -s "$size" -D 1 -d "$secs" | grep '^RESULT')
  else
    line=$("$client" echo -p "$port" -c 10 -s "$size" -d "$secs" -V 1.3 | grep '^RESULT')
  fi
  stop
  echo "$(awk '/^summary:/ { print $2 }' "$cg") $(field msgs "$line")"
}

instructions() { # instructions WHICH KIND SIZE: callgrind instructions per echoed message
  # Two runs of different lengths; their difference cancels start-up,
  # handshakes and shutdown, whatever the message counts.
  local which=$1 kind=$2 size=$3 short long
  short=$(cg_run "$which" "$kind" "$size" 2)
  long=$(cg_run "$which" "$kind" "$size" 6)
  S[$which.ir.$kind$size]=$(awk -v s="$short" -v l="$long" 'BEGIN { split(s, a, " "); split(l, b, " ");
    printf "%.0f", (b[2] > a[2] ? (b[1] - a[1]) / (b[2] - a[2]) : 0) }')
  echo "   $which $kind $size B: ${S[$which.ir.$kind$size]} instructions/message (runs: $short / $long)"
}
if command -v valgrind >/dev/null && [[ $only == all || $only == instructions ]]; then
  echo "== instructions per message (callgrind)"
  for kind in plain tls; do
    for size in 1024 16384; do
      instructions new "$kind" "$size"
      instructions base "$kind" "$size"
    done
  done
fi

[[ $only == all ]] || exit 0

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "—"; else printf "%.3f", a / b }'; }
row() { # row LABEL SCENARIO
  local n b
  n=$(median <<<"${S[new.$2]}")
  b=$(median <<<"${S[base.$2]}")
  printf '| %s | %s | %s | %s | %s / %s |\n' "$1" "$n" "$b" "$(ratio "$n" "$b")" \
    "$(median <<<"${S[new.$2.rate]}")" "$(median <<<"${S[base.$2.rate]}")"
}
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
table=$(
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -sr), ${cpu_model:-unknown CPU}, $(nproc) cores."
  echo "Command: \`bash bench/ab.sh $base_rev\` — this build ($new_rev) against $base_rev, built side by side,"
  echo "$rounds alternating rounds of ${seconds}s per scenario; medians. Server CPU is utime+stime per echoed message."
  echo
  echo "| Scenario (100 connections, 1 message in flight each) | server CPU µs/msg, $new_rev | $base_rev | ratio | msg/s, $new_rev / $base_rev |"
  echo "|---|---|---|---|---|"
  row "plaintext, 1 KiB" plain1k
  row "plaintext, 16 KiB" plain16k
  row "TLS 1.3, 1 KiB" tls1k
  row "TLS 1.3, 16 KiB" tls16k
  echo
  echo "| Measure | $new_rev | $base_rev | ratio |"
  echo "|---|---|---|---|"
  echo "| idle RSS bytes / connection ($idle_conns held) | ${S[new.idle]} | ${S[base.idle]} | $(ratio "${S[new.idle]}" "${S[base.idle]}") |"
  for kind in plain tls; do
    for size in 1024 16384; do
      k=ir.$kind$size
      [[ -n ${S[new.$k]:-} ]] || continue
      echo "| server instructions / $((size / 1024)) KiB message ($kind, callgrind, 10 connections) | ${S[new.$k]} | ${S[base.$k]} | $(ratio "${S[new.$k]}" "${S[base.$k]}") |"
    done
  done
)
echo
echo "$table"

write_perf_section "$perf_md" stream-ab "Shared layers: A/B against the commit before" "$table"
echo
echo "written to ${perf_md#"$root"/}"
