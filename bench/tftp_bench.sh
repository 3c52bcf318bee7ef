#!/usr/bin/env bash
# tftp_bench.sh — TFTP download throughput: pier (examples-c/tftp_server)
# against tftpd-hpa (in.tftpd, run in the foreground on a high loopback port),
# with the same client (atftp) in the same run.
#
#   bench/tftp_bench.sh            build, measure, print, and update docs/PERFORMANCE.md
#
# Rows: one 64 MiB download at blksize 512, 1468 and 8192 (RFC 2348), at
# blksize 1468 with windowsize 16 (RFC 7440; tftpd-hpa does not implement it
# and answers without it, so its client falls back to one block per ACK),
# and 50 concurrent downloads (blksize 1468). Each row runs RUNS times,
# alternating which server goes first; the median time counts.
#
# Environment: RUNS (5), SIZE_MB (64), CONC (50), CONC_MB (8, the file each
# concurrent client fetches), BUILD (build-bench), NO_DOC=1 to leave
# docs/PERFORMANCE.md alone.
# Needs: cmake, cargo, atftp, tftpd-hpa (scripts/deps.sh installs them).
# Only loopback traffic; everything it starts is stopped on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$ROOT/bench/perf_doc.sh"
BUILD=${BUILD:-$ROOT/build-bench}
RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-64}
CONC=${CONC:-50}
CONC_MB=${CONC_MB:-8}
DOC=$ROOT/docs/PERFORMANCE.md

for tool in atftp in.tftpd cmake python3; do
  command -v "$tool" >/dev/null || { echo "tftp_bench: $tool is missing (scripts/deps.sh)" >&2; exit 1; }
done

echo "tftp_bench: building the example (release)..." >&2
cmake -S "$ROOT" -B "$BUILD" -DPIER_BUILD_TESTS=OFF -DPIER_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD" --target tftp_server -j2 >/dev/null
PIER_BIN=$BUILD/examples-c/tftp_server

WORK=$(mktemp -d)
PIDS=()
# Server CPU time: each server runs in a cgroup (v2) of its own, whose
# cpu.stat counts every process in it — tftpd-hpa's forked children too,
# which /proc/PID/stat of the parent never sees (it does not wait for them).
# Without a writable cgroup v2 hierarchy the CPU columns read "—".
CG_ROOT=""
for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
  if [[ -f $d/cgroup.procs && -f $d/cpu.stat ]] && mkdir "$d/pier-tftp-bench-$$" 2>/dev/null; then
    CG_ROOT=$d/pier-tftp-bench-$$
    break
  fi
done
cg_join() { # cg_join NAME PID
  [[ -n $CG_ROOT ]] || return 0
  mkdir -p "$CG_ROOT/$1"
  echo "$2" >"$CG_ROOT/$1/cgroup.procs"
}
cg_usec() { # cg_usec NAME -> CPU microseconds so far (0 without cgroups)
  if [[ -n $CG_ROOT ]]; then awk '$1 == "usage_usec" { print $2 }' "$CG_ROOT/$1/cpu.stat"; else echo 0; fi
}
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n $CG_ROOT ]]; then
    for g in "$CG_ROOT"/*/; do rmdir "$g" 2>/dev/null || true; done
    rmdir "$CG_ROOT" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# Both servers read the same files; tftpd-hpa drops to 'nobody', so they are world-readable.
DATA=$WORK/data
mkdir -p "$DATA"
chmod 755 "$WORK" "$DATA"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$DATA/big.bin"
head -c $((CONC_MB * 1024 * 1024)) /dev/urandom >"$DATA/conc.bin"
chmod 644 "$DATA"/*.bin

free_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PIER_PORT=$(free_port)
PIER_MT_PORT=$(free_port)
HPA_PORT=$(free_port)
if [[ $PIER_PORT == "$PIER_MT_PORT" || $HPA_PORT == "$PIER_PORT" || $HPA_PORT == "$PIER_MT_PORT" ]]; then
  echo "tftp_bench: port collision, run again" >&2
  exit 1
fi

# A single download runs on one thread whatever the server; for the
# concurrent row pier runs one handle per core on the shared port
# (ShareLocalPort, i.e. SO_REUSEPORT, docs/API.md §5), as tftpd-hpa uses every
# core by forking a process per transfer.
THREADS=${THREADS:-$(nproc)}
PIER_TFTP_QUIET=1 "$PIER_BIN" "$DATA" "$PIER_PORT" >/dev/null &
PIDS+=($!)
PIER_PID=$!
cg_join "$PIER_PORT" $!
PIER_TFTP_QUIET=1 PIER_TFTP_THREADS=$THREADS "$PIER_BIN" "$DATA" "$PIER_MT_PORT" >/dev/null &
PIDS+=($!)
cg_join "$PIER_MT_PORT" $!
in.tftpd -L -a "127.0.0.1:$HPA_PORT" -s "$DATA" &
PIDS+=($!)
HPA_PID=$!
cg_join "$HPA_PORT" $!
sleep 0.5

now() { date +%s.%N; }

# The "one core" rows run the client and both single-download servers on
# one CPU (tftpd-hpa's per-transfer children inherit its affinity). Unpinned,
# a stop-and-wait transfer wakes a sleeping process on the other CPU twice
# per block, and on a virtual machine that wake-up (an inter-processor
# interrupt, the idle vCPU's exit) costs more than everything else: the
# rows then measure the hypervisor and move ±15 % from run to run. On one
# core each block costs the client's and the server's work plus two context
# switches, so the rows compare what the servers do per block.
CLIENT_PREFIX=()
pin() { # pin CPUS: the single-download servers and the client onto CPUS
  taskset -a -p -c "$1" "$PIER_PID" >/dev/null
  taskset -a -p -c "$1" "$HPA_PID" >/dev/null
  CLIENT_PREFIX=(taskset -c "$1")
}

# fetch PORT FILE OUT [atftp options...]
fetch() {
  local port=$1 file=$2 out=$3
  shift 3
  "${CLIENT_PREFIX[@]}" atftp -g -r "$file" -l "$out" "$@" 127.0.0.1 "$port" >/dev/null 2>&1
}

# Both servers must really serve the file before anything is timed.
for port in "$PIER_PORT" "$PIER_MT_PORT" "$HPA_PORT"; do
  fetch "$port" big.bin "$WORK/check.bin" --option "blksize 8192"
  cmp -s "$WORK/check.bin" "$DATA/big.bin" || { echo "tftp_bench: server on $port served a wrong file" >&2; exit 1; }
done
rm -f "$WORK/check.bin"

# time_one PORT OPTIONS... -> "SECONDS CPU_SECONDS" for one download of big.bin
time_one() {
  local port=$1
  shift
  local t0 t1 c0 c1
  c0=$(cg_usec "$port")
  t0=$(now)
  fetch "$port" big.bin /dev/null "$@"
  t1=$(now)
  c1=$(cg_usec "$port")
  python3 -c "print($t1 - $t0, ($c1 - $c0) / 1e6)"
}

# time_conc PORT -> "SECONDS CPU_SECONDS" until CONC concurrent downloads of conc.bin are done
time_conc() {
  local port=$1 t0 t1 c0 c1 i fails=0
  local pids=()
  c0=$(cg_usec "$port")
  t0=$(now)
  for ((i = 0; i < CONC; i++)); do
    fetch "$port" conc.bin /dev/null --option "blksize 1468" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
  t1=$(now)
  c1=$(cg_usec "$port")
  ((fails == 0)) || { echo "tftp_bench: $fails concurrent downloads failed on port $port" >&2; exit 1; }
  python3 -c "print($t1 - $t0, ($c1 - $c0) / 1e6)"
}

median() { python3 -c 'import sys, statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

ROWS=()
# row NAME MIB KIND [atftp options...]
row() {
  local name=$1 mib=$2 kind=$3
  shift 3
  local p=() h=() r
  for ((r = 0; r < RUNS; r++)); do
    if [[ $kind == conc ]]; then
      if ((r % 2 == 0)); then p+=("$(time_conc "$PIER_MT_PORT")"); h+=("$(time_conc "$HPA_PORT")")
      else h+=("$(time_conc "$HPA_PORT")"); p+=("$(time_conc "$PIER_MT_PORT")"); fi
    else
      if ((r % 2 == 0)); then p+=("$(time_one "$PIER_PORT" "$@")"); h+=("$(time_one "$HPA_PORT" "$@")")
      else h+=("$(time_one "$HPA_PORT" "$@")"); p+=("$(time_one "$PIER_PORT" "$@")"); fi
    fi
  done
  # Medians of the wall times and of the CPU times, each on its own.
  local line
  line=$(python3 - "$name" "$mib" "${CG_ROOT:+cg}" "${#p[@]}" "${p[@]}" "${h[@]}" <<'PY'
import statistics, sys
name, mib, cg, n = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4])
runs = [tuple(map(float, x.split())) for x in sys.argv[5:]]
p, h = runs[:n], runs[n:]
pt, ht = (statistics.median(t for t, _ in r) for r in (p, h))
pc, hc = (statistics.median(c for _, c in r) for r in (p, h))
cpu = f"{pc:.2f} | {hc:.2f} | {hc / pc:.2f}" if cg and pc > 0 else "— | — | —"
print(f"| {name} | {mib / pt:.1f} | {mib / ht:.1f} | {ht / pt:.2f} | {cpu} |")
PY
)
  echo "$line" >&2
  ROWS+=("$line")
}

echo "tftp_bench: pier on $PIER_PORT (and $PIER_MT_PORT, $THREADS threads), tftpd-hpa on $HPA_PORT, $RUNS runs per row" >&2
row "${SIZE_MB} MiB, blksize 512" "$SIZE_MB" one
row "${SIZE_MB} MiB, blksize 1468" "$SIZE_MB" one --option "blksize 1468"
row "${SIZE_MB} MiB, blksize 8192" "$SIZE_MB" one --option "blksize 8192"
row "${SIZE_MB} MiB, blksize 1468, windowsize 16 ¹" "$SIZE_MB" one --option "blksize 1468" --option "windowsize 16"
LAST_CPU=$(($(nproc) - 1))
pin "$LAST_CPU"
row "${SIZE_MB} MiB, blksize 512, one core ³" "$SIZE_MB" one
row "${SIZE_MB} MiB, blksize 1468, one core ³" "$SIZE_MB" one --option "blksize 1468"
row "${SIZE_MB} MiB, blksize 8192, one core ³" "$SIZE_MB" one --option "blksize 8192"
pin "0-$LAST_CPU"
CLIENT_PREFIX=()
row "$CONC concurrent × ${CONC_MB} MiB, blksize 1468 ²" "$((CONC * CONC_MB))" conc

HPA_VERSION=$(in.tftpd -V 2>&1 | head -1)
ATFTP_VERSION=$(atftp -V 2>&1 | head -1)
TABLE=$(
  cat <<EOF
## TFTP: download throughput, pier vs tftpd-hpa

\`bench/tftp_bench.sh\`, run on $(date -u +%Y-%m-%d) on this machine ($(nproc) cores, shared; loopback).
Servers: pier's \`examples-c/tftp_server\` (release build; one handle for the single downloads,
$THREADS handles on $THREADS threads sharing the port for the concurrent row, \`PIER_TFTP_THREADS\`)
and \`in.tftpd -L\` ($HPA_VERSION, which forks a process per transfer), each serving the same
directory on a high port of 127.0.0.1. Client: $ATFTP_VERSION, writing to
/dev/null. Median of $RUNS runs per row, the servers taking turns to go first.
Throughput in MiB/s (higher is better); ratio = pier / tftpd-hpa. Server CPU: seconds of
CPU time the server used for the row's download(s) (user + system, from a cgroup per server,
so tftpd-hpa's forked children count); CPU ratio = tftpd-hpa / pier (above 1: pier is cheaper).

| download | pier MiB/s | tftpd-hpa MiB/s | ratio | pier CPU s | tftpd-hpa CPU s | CPU ratio |
|---|---:|---:|---:|---:|---:|---:|
$(printf '%s\n' "${ROWS[@]}")

¹ tftpd-hpa does not implement windowsize (RFC 7440): it answers without it and the
client falls back to one block per ACK. pier acknowledges it and sends 16 blocks per ACK.
² All clients start at once; throughput is the total bytes over the time until the last
one finishes.
³ Client and server pinned to one CPU (\`taskset\`): each block then costs the two processes'
work and two context switches, not two cross-CPU wake-ups.

Stop-and-wait TFTP over loopback is bound by the round trip between two processes
(the server sleeps in epoll_wait and is woken by each ACK). Unpinned, on this virtual
machine, most of that round trip is the hypervisor waking the other vCPU, the same for both
servers, so the first three rows move ±15 % from run to run and flip between the servers;
the one-core rows measure the servers' own work per block and are steady.
EOF
)
printf '%s\n' "$TABLE"

if [[ -z ${NO_DOC:-} ]]; then
  write_perf_section "$DOC" tftp-bench "" "$TABLE"
  echo "tftp_bench: updated $DOC" >&2
fi
