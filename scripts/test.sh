#!/usr/bin/env bash
# pier's whole test run (the README's test command, and CI's through .ci/run):
#
#   1. scripts/deps.sh                       what the machine lacks
#   2. cargo fmt --check                     counted as 1 test
#   3. cargo clippy --all-targets -D warnings  1 test
#   4. header freshness: cbindgen output == include/pier.h   1 test
#   5. cargo test                            each Rust test
#   6. cmake configure + build               1 test (if it fails, ctest is not run)
#   7. ctest --output-on-failure             each C test, valgrind variants included
#   8. pytest tests-python                   each Python (ctypes) test
#
# Every step runs even when an earlier one failed; the last line is
# "N passed, N failed" over all of them, and the exit status is non-zero if
# anything failed. Logs go to build/test-logs/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=${PIER_BUILD_DIR:-$root/build}
logs=$build/test-logs
mkdir -p "$logs"
jobs=${PIER_JOBS:-2}

passed=0
failed=0
failures=()

count() { # count NAME PASSED FAILED
  passed=$((passed + $2))
  failed=$((failed + $3))
  if (($3 > 0)); then failures+=("$1 ($3)"); fi
  echo "-- $1: $2 passed, $3 failed"
}

step() { # step NAME COMMAND...: a check that counts as one test
  local name=$1
  shift
  echo "== $name"
  if "$@"; then count "$name" 1 0; else count "$name" 0 1; fi
}

bash scripts/deps.sh
export PATH=$HOME/.cargo/bin:$PATH

# --- Rust ------------------------------------------------------------------
step "cargo fmt --check" cargo fmt --check
step "cargo clippy" cargo clippy --quiet --all-targets -- -D warnings

header_fresh() {
  local fresh
  fresh=$(mktemp /tmp/pier.h.XXXXXX)
  if ! cbindgen --quiet --config cbindgen.toml --crate pier --output "$fresh"; then
    rm -f "$fresh"
    return 1
  fi
  if [[ ! -f include/pier.h ]]; then
    echo "include/pier.h is missing: generate it with"
    echo "  cbindgen --config cbindgen.toml --crate pier --output include/pier.h"
    rm -f "$fresh"
    return 1
  fi
  if ! diff -u include/pier.h "$fresh"; then
    echo "include/pier.h is stale: regenerate it with"
    echo "  cbindgen --config cbindgen.toml --crate pier --output include/pier.h"
    rm -f "$fresh"
    return 1
  fi
  rm -f "$fresh"
}
step "header is fresh" header_fresh

echo "== cargo test"
status=0
cargo test 2>&1 | tee "$logs/cargo-test.log" || status=$?
read -r ok bad < <(awk '/^test result:/ { for (i = 1; i <= NF; i++) {
                          if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
                        END { print p + 0, f + 0 }' "$logs/cargo-test.log")
if ((status != 0 && bad == 0)); then bad=1; fi # did not build, or crashed
count "cargo test" "$ok" "$bad"

# --- C (CMake + ctest) -----------------------------------------------------
build_c() {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >"$logs/cmake-configure.log" 2>&1 \
    || { cat "$logs/cmake-configure.log"; return 1; }
  cmake --build "$build" -j "$jobs" >"$logs/cmake-build.log" 2>&1 \
    || { tail -n 60 "$logs/cmake-build.log"; return 1; }
}
echo "== cmake build"
built=0
if build_c; then
  built=1
  count "cmake build" 1 0
else
  count "cmake build" 0 1
fi

if ((built)); then
  echo "== ctest"
  status=0
  (cd "$build" && ctest --output-on-failure -j "$jobs") 2>&1 | tee "$logs/ctest.log" || status=$?
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/ctest.log" | tail -n1 || true)
  if [[ -n $summary ]]; then
    bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
    count "ctest" $((total - bad)) "$bad"
  elif grep -q 'No tests were found' "$logs/ctest.log"; then
    count "ctest" 0 "$((status != 0))"
  else
    count "ctest" 0 1
  fi
fi

# --- Python (ctypes) -------------------------------------------------------
if compgen -G "tests-python/test_*.py" >/dev/null || compgen -G "tests-python/*_test.py" >/dev/null; then
  echo "== pytest tests-python"
  status=0
  PIER_LIB=${PIER_LIB:-$root/target/release/libpier.so} \
    python3 -m pytest -q tests-python 2>&1 | tee "$logs/pytest.log" || status=$?
  last=$(grep -E '[0-9]+ (passed|failed|error)' "$logs/pytest.log" | tail -n1 || true)
  ok=$(grep -oE '[0-9]+ passed' <<<"$last" | grep -oE '[0-9]+' || echo 0)
  bad=$({ grep -oE '[0-9]+ (failed|errors?)' <<<"$last" || true; } | awk '{ s += $1 } END { print s + 0 }')
  if ((status == 5)); then status=0; fi # pytest: no tests collected
  if ((status != 0 && bad == 0)); then bad=1; fi
  count "pytest" "$ok" "$bad"
fi

echo
if ((${#failures[@]})); then
  echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
