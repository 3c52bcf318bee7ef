#!/usr/bin/env bash
# py_bench.sh — the cost of the Python package per message: the same load
# (bench/loadgen.c) against examples-c/echo_server --raw (C) and
# bench/py_echo.py (the same echo written with the package), one after the
# other in one run. Writes the table into docs/PERFORMANCE.md (py-bench).
#
#   bash bench/py_bench.sh        # BENCH_TP_SECONDS (5), BENCH_LAT_SECONDS (5)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bench/perf_doc.sh"
. "$root/bench/lib.sh"
build=${PIER_BUILD_DIR:-$root/build}
out=$root/bench/out
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
tp_seconds=${BENCH_TP_SECONDS:-5}
lat_seconds=${BENCH_LAT_SECONDS:-5}
mkdir -p "$out"
export PATH=$HOME/.cargo/bin:$PATH

echo "building (release)..."
build_release "$out/py-cmake.log" echo_server loadgen
loadgen=$build/bench/loadgen
export PIER_LIBRARY=$root/target/release/libpier.so PYTHONPATH=$root/python
clk_tck=$(getconf CLK_TCK)

server_pid=
trap '[[ -n $server_pid ]] && stop_pid "$server_pid"' EXIT
declare -A R
for s in c python; do
  echo "== $s"
  log=$out/py-server-$s.log
  case $s in
    c) "$build/examples-c/echo_server" --raw 0 >"$log" 2>&1 & ;;
    python) python3 "$root/bench/py_echo.py" 0 >"$log" 2>&1 & ;;
  esac
  server_pid=$!
  port=$(await_port "$log" "$server_pid" "$s echo")
  sleep 0.2
  for load in "100 1024" "1 64"; do
    read -r conns size <<<"$load"
    t0=$(cpu_ticks "$server_pid")
    line=$("$loadgen" throughput -p "$port" -c "$conns" -s "$size" -D 1 -d "$tp_seconds" | grep '^RESULT')
    t1=$(cpu_ticks "$server_pid")
    echo "   $conns x $size: $line"
    R[$s.$conns.rate]=$(field msgs_per_s "$line")
    R[$s.$conns.cpu]=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$(field msgs "$line")" \
      'BEGIN { printf "%.2f", d / hz * 1e6 / n }')
  done
  line=$("$loadgen" latency -p "$port" -s 64 -d "$lat_seconds" | grep '^RESULT')
  echo "   latency: $line"
  R[$s.p50]=$(field p50_us "$line")
  R[$s.p99]=$(field p99_us "$line")
  stop_pid "$server_pid"
  server_pid=
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
table="Run $(date -u +%Y-%m-%d) on $(nproc) cores, $tp_seconds s per load, bench/loadgen.c for both.

| server | 100×1 KiB msg/s | CPU µs/msg | 1×64 B msg/s | CPU µs/msg | p50 / p99 µs |
|---|---:|---:|---:|---:|---:|
| C (examples-c/echo_server --raw) | ${R[c.100.rate]} | ${R[c.100.cpu]} | ${R[c.1.rate]} | ${R[c.1.cpu]} | ${R[c.p50]} / ${R[c.p99]} |
| Python (bench/py_echo.py) | ${R[python.100.rate]} | ${R[python.100.cpu]} | ${R[python.1.rate]} | ${R[python.1.cpu]} | ${R[python.p50]} / ${R[python.p99]} |

Python ÷ C, CPU per message: $(ratio "${R[python.100.cpu]}" "${R[c.100.cpu]}")× at 100×1 KiB, $(ratio "${R[python.1.cpu]}" "${R[c.1.cpu]}")× at 1×64 B; the binding's cost per message (Python minus C, 100×1 KiB): $(awk -v a="${R[python.100.cpu]}" -v b="${R[c.100.cpu]}" 'BEGIN { printf "%.2f", a - b }') µs."
echo
echo "$table"
write_perf_section "$perf_md" py-bench "Python package (bench/py_bench.sh)" "$table"
