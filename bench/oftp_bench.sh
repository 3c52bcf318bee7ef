#!/usr/bin/env bash
# pier's OFTP benchmark: one file received by examples-c/oftp_server (OFTP 2.0,
# 64 KiB Exchange Buffers, credit 999, no buffer compression) beside the same
# octets sent raw to bench/oftp_load's receiver, both into the same
# directory and both synced to disk, plain and over TLS 1.3, in one run:
#
#   1 MiB    BENCH_OFTP_SMALL_RUNS (40) files, median
#   256 MiB  BENCH_OFTP_LARGE_RUNS (3) files, median
#
# The client alternates between an OFTP server and the raw receiver, both
# running, so both see the same moments of the disk and the machine.
# MB/s is file octets over the time from the first octet (SFID for OFTP) to
# the file being in place (EFPA; the raw receiver's close after fsync). The
# server's CPU per MiB (utime+stime from /proc) is shown beside it. The
# Markdown table goes into docs/PERFORMANCE.md between <!-- oftp-bench:start
# --> and <!-- oftp-bench:end -->. The target (issue 14): OFTP over TLS at
# least 0.8x raw TLS.
#
#   bash bench/oftp_bench.sh
#
# Needs OpenSSL's headers for bench/oftp_load (libssl-dev, installed with
# apt-get when missing). A benchmark is a program that measures and prints,
# never a test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${PIER_BUILD_DIR:-$root/build}
out=$root/bench/out/oftp
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
small_runs=${BENCH_OFTP_SMALL_RUNS:-40}
large_runs=${BENCH_OFTP_LARGE_RUNS:-3}

if ! dpkg -s libssl-dev >/dev/null 2>&1; then
  echo "installing libssl-dev"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev >/dev/null
fi
rm -rf "$out"
mkdir -p "$out/in" "$out/outbox"
echo "building (release)"
build_release "$out/build.log" oftp_server oftp_load
load=$build/bench/oftp_load
server=$build/examples-c/oftp_server

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/key.pem" -out "$out/cert.pem" -subj /CN=localhost \
  -days 2 >/dev/null 2>&1
cat "$out/key.pem" "$out/cert.pem" >"$out/server.pem"

pids=()
cleanup() { for p in "${pids[@]}"; do stop_pid "$p"; done; }
trap cleanup EXIT

start_oftp() { # start_oftp LOG [ARGS...]: sets srv_pid, srv_port
  local log=$1
  shift
  "$server" --port 0 --ssid O0013SERVER --sfid O0013SERVER --password SRVPW --in "$out/in" "$@" >"$log" 2>&1 &
  srv_pid=$!
  pids+=("$srv_pid")
  srv_port=$(await_port "$log" "$srv_pid" "oftp_server")
}
start_sink() { # start_sink LOG [--tls CERT]: sets srv_pid, srv_port
  local log=$1
  shift
  "$load" sink --port 0 --out "$out/in/RAWFILE" "$@" >"$log" 2>&1 &
  srv_pid=$!
  pids+=("$srv_pid")
  srv_port=$(await_port "$log" "$srv_pid" "raw receiver")
}

# pair TLS SIZE RUNS: an OFTP server and a raw receiver side by side, the
# client alternating between them RUNS times (OFTP, raw, OFTP, ...), so a
# slow moment of the disk or the machine falls on both; sets R[oftp.SIZE]
# and R[raw.SIZE] (or oftp_tls/raw_tls) to "median_mbps cpu_ms_per_mib".
pair() {
  local tls=$1 size=$2 runs=$3 opt=() sfx="" o_rates=() r_rates=() line
  if ((tls)); then
    opt=(--tls)
    sfx=_tls
    start_oftp "$out/server-oftp$sfx.log" --cert "$out/cert.pem" --key "$out/key.pem"
  else
    start_oftp "$out/server-oftp$sfx.log"
  fi
  local o_pid=$srv_pid o_port=$srv_port
  if ((tls)); then start_sink "$out/server-raw$sfx.log" --tls "$out/server.pem"; else start_sink "$out/server-raw$sfx.log"; fi
  local r_pid=$srv_pid r_port=$srv_port
  local o0 r0 o1 r1
  o0=$(cpu_ticks "$o_pid")
  r0=$(cpu_ticks "$r_pid")
  for _ in $(seq 1 "$runs"); do
    line=$("$load" oftp --port "$o_port" --size "$size" "${opt[@]}")
    rm -f "$out/in/BENCHFILE"
    o_rates+=("$(field mbps "$line")")
    line=$("$load" raw --port "$r_port" --size "$size" "${opt[@]}")
    r_rates+=("$(field mbps "$line")")
  done
  o1=$(cpu_ticks "$o_pid")
  r1=$(cpu_ticks "$r_pid")
  stop_pid "$o_pid"
  stop_pid "$r_pid"
  R[oftp$sfx.$size]=$(summary "$size" "$runs" $((o1 - o0)) "${o_rates[@]}")
  R[raw$sfx.$size]=$(summary "$size" "$runs" $((r1 - r0)) "${r_rates[@]}")
  echo "oftp$sfx $size: ${R[oftp$sfx.$size]}; raw$sfx: ${R[raw$sfx.$size]} (MB/s, server CPU ms per MiB)"
}

# summary SIZE RUNS TICKS RATE...: "median_mbps cpu_ms_per_mib".
summary() {
  local size=$1 runs=$2 ticks=$3 hz median
  shift 3
  hz=$(getconf CLK_TCK)
  median=$(printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  awk -v m="$median" -v t="$ticks" -v hz="$hz" -v b="$size" -v r="$runs" \
    'BEGIN { printf "%s %.2f\n", m, t * 1000 / hz / (b * r / 1048576) }'
}

declare -A R
for size in 1048576 268435456; do
  runs=$small_runs
  ((size > 1048576)) && runs=$large_runs
  pair 0 "$size" "$runs"
  pair 1 "$size" "$runs"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
table="Measured $(date -u '+%Y-%m-%d %H:%M') UTC on $(uname -sr), $(nproc) cores; \`bash bench/oftp_bench.sh\`.
OFTP 2.0 (examples-c/oftp_server: partial file, fsync, rename, EFPA) against the same octets sent raw to
bench/oftp_load's receiver (write, fsync, directory fsync: the same durability), into the same directory; 64 KiB Exchange Buffers, credit 999,
no buffer compression; TLS 1.3 (RSA-2048, OpenSSL client); the client alternates OFTP and raw runs. MB/s: median of
$small_runs runs (1 MiB) or $large_runs runs (256 MiB); server CPU: utime+stime per MiB over all runs.

| file | OFTP MB/s | raw MB/s | OFTP / raw | OFTP TLS MB/s | raw TLS MB/s | OFTP TLS / raw TLS | server CPU ms/MiB: OFTP, raw, OFTP TLS, raw TLS |
|---|---:|---:|---:|---:|---:|---:|---|"
for size in 1048576 268435456; do
  read -r o oc <<<"${R[oftp.$size]}"
  read -r r rc <<<"${R[raw.$size]}"
  read -r ot otc <<<"${R[oftp_tls.$size]}"
  read -r rt rtc <<<"${R[raw_tls.$size]}"
  label="1 MiB"
  ((size > 1048576)) && label="256 MiB"
  table+="
| $label | $o | $r | $(ratio "$o" "$r") | $ot | $rt | $(ratio "$ot" "$rt") | $oc, $rc, $otc, $rtc |"
done
echo "$table"
write_perf_section "$perf_md" oftp-bench "OFTP throughput (OFTPServer against raw TCP and TLS)" "$table"
