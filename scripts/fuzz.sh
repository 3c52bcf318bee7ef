#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) for SECONDS each, one
# after the other, and prints one line per target:
#
#   tftp_packet    secs 600  execs 41234567  cov 812  ft 2301  corpus 311  crashes 0  leaks 0  timeouts 0  ok
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     (default: 60 s, every target)
#
# Needs the nightly toolchain (libFuzzer instrumentation); installs cargo-fuzz
# when it is missing. New corpus entries go to fuzz/work/<target> (ignored by
# git); the committed seeds in fuzz/corpus/<target> are only read (regenerate
# them with fuzz/make_seeds.py). A crash, leak or timeout leaves its input in
# fuzz/artifacts/<target>/: replay it with
#   cargo +nightly fuzz run TARGET fuzz/artifacts/TARGET/crash-...
# then fix it with a regression test that replays the input
# (docs/RELIABILITY.md "Fuzzing"). Exit status: non-zero when any target
# failed to build, crashed, leaked or timed out.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PATH=$HOME/.cargo/bin:$PATH
secs=${1:-60}
shift || true

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain (rustup toolchain install nightly): cannot fuzz" >&2
  exit 2
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  cargo install --locked cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz || exit 2
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz 2>/dev/null)
fi

logs=fuzz/logs
mkdir -p "$logs"
echo "fuzz: building ${#targets[@]} targets"
if ! cargo +nightly fuzz build --fuzz-dir fuzz -O >"$logs/build.log" 2>&1; then
  tail -n 40 "$logs/build.log"
  echo "fuzz: build failed"
  exit 1
fi

bad=0
rows=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/work/$t" "fuzz/artifacts/$t"
  log=$logs/$t.log
  status=0
  # -timeout: a single input running this long is a hang; -rss_limit_mb:
  # memory per input must stay bounded (docs/RELIABILITY.md).
  cargo +nightly fuzz run --fuzz-dir fuzz -O "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1 || status=$?
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+')
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -n1 | grep -oE '[0-9]+')
  corpus=$(find "fuzz/work/$t" -type f | wc -l)
  crashes=$(grep -cE '^==[0-9]+== ?ERROR: (AddressSanitizer|libFuzzer: deadly signal)|panicked at|SUMMARY: UndefinedBehaviorSanitizer' "$log")
  leaks=$(grep -c 'ERROR: LeakSanitizer' "$log")
  timeouts=$(grep -c 'ERROR: libFuzzer: timeout' "$log")
  verdict=ok
  if ((status != 0 || crashes + leaks + timeouts > 0)); then
    verdict="FAILED (exit $status, see $log)"
    bad=$((bad + 1))
  fi
  printf '%-16s secs %-5s execs %-10s cov %-5s ft %-6s corpus %-5s crashes %s  leaks %s  timeouts %s  %s\n' \
    "$t" "$secs" "${execs:-0}" "${cov:-0}" "${ft:-0}" "$corpus" "$crashes" "$leaks" "$timeouts" "$verdict"
  rows+=("| $t | $secs | ${execs:-0} | ${cov:-0} | ${ft:-0} | $corpus | $crashes | $leaks | $timeouts |")
done
if [[ ${FUZZ_REPORT:-0} == 1 ]]; then
  # shellcheck source=bench/perf_doc.sh
  . "$root/bench/perf_doc.sh"
  table="Run $(date -u '+%Y-%m-%d %H:%M') UTC, \`bash scripts/fuzz.sh $secs\`, one target after the other on $(nproc) cores.

| target | seconds | executions | coverage | features | corpus | crashes | leaks | timeouts |
|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for r in "${rows[@]}"; do table+="
$r"; done
  write_perf_section "$root/docs/RELIABILITY.md" fuzz "" "$table"
fi
echo "fuzz: ${#targets[@]} targets, $bad failed"
((bad == 0))
