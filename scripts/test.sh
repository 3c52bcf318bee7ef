#!/usr/bin/env bash
# pier's whole test run (the README's test command, and CI's through .ci/run):
#
#   1. scripts/deps.sh                       what the machine lacks
#   2. cargo fmt --check                     counted as 1 test
#   3. cargo clippy --all-targets -D warnings  1 test
#   4. header freshness: cbindgen output == include/pier.h   1 test
#      C++ header freshness: scripts/gen_cxx.py --check (include/pier.hpp)  1 test
#   5. cargo test                            each Rust test
#   6. cmake configure + build               1 test (if it fails, ctest is not run)
#   7. ctest --output-on-failure             each C test, valgrind variants included
#   8. the C API tests built with ASan+UBSan, and linked against libpier.a
#   9. pytest tests-python                   each Python test (raw ctypes, and the package)
#  10. every cargo-fuzz target for a few seconds (PIER_FUZZ_SECONDS, 3)
#                                            each target; skipped, and said so, without nightly
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
step "C++ header is fresh" python3 scripts/gen_cxx.py --check

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

# run_ctest NAME DIR [CTEST ARGS...]: runs ctest in DIR and counts its tests.
run_ctest() {
  local name=$1 dir=$2 log=$logs/$1.log status=0 summary bad total
  shift 2
  echo "== $name"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") 2>&1 | tee "$log" || status=$?
  summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ -n $summary ]]; then
    bad=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$summary")
    total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$summary")
    count "$name" $((total - bad)) "$bad"
  elif grep -q 'No tests were found' "$log"; then
    count "$name" 0 "$((status != 0))"
  else
    count "$name" 0 1
  fi
}

if ((built)); then
  run_ctest ctest "$build"
fi

# The C API tests twice more: built with AddressSanitizer + UBSan, and
# linked against the static library (libpier.a). Both reuse the library
# cargo built above (same target directory); only the tests are rebuilt.
build_variant() { # build_variant DIR CMAKE-OPTIONS...
  local dir=$1
  shift
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DPIER_BUILD_EXAMPLES=OFF -DPIER_BUILD_BENCH=OFF "$@" \
    >"$logs/$(basename "$dir")-configure.log" 2>&1 \
    && cmake --build "$dir" -j "$jobs" >"$logs/$(basename "$dir")-build.log" 2>&1 \
    || { tail -n 40 "$logs/$(basename "$dir")-build.log" 2>/dev/null; return 1; }
}
if ((built)); then
  echo "== C API tests with ASan + UBSan (build)"
  if build_variant "$build-asan" -DPIER_SANITIZE=ON; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      run_ctest ctest-asan "$build-asan" -L api
  else
    count "ctest-asan build" 0 1
  fi
  echo "== C API tests against libpier.a (build)"
  if build_variant "$build-static" -DPIER_LINK_STATIC=ON -DPIER_VALGRIND=OFF; then
    run_ctest ctest-static "$build-static" -L api
  else
    count "ctest-static build" 0 1
  fi
fi

# --- Python (ctypes) -------------------------------------------------------
if compgen -G "tests-python/test_*.py" >/dev/null || compgen -G "tests-python/*_test.py" >/dev/null; then
  echo "== pytest tests-python"
  status=0
  PIER_LIB=${PIER_LIB:-$root/target/release/libpier.so} \
    PIER_LIBRARY=${PIER_LIBRARY:-$root/target/release/libpier.so} \
    python3 -m pytest -q tests-python 2>&1 | tee "$logs/pytest.log" || status=$?
  last=$(grep -E '[0-9]+ (passed|failed|error)' "$logs/pytest.log" | tail -n1 || true)
  ok=$(grep -oE '[0-9]+ passed' <<<"$last" | grep -oE '[0-9]+' || echo 0)
  bad=$({ grep -oE '[0-9]+ (failed|errors?)' <<<"$last" || true; } | awk '{ s += $1 } END { print s + 0 }')
  if ((status == 5)); then status=0; fi # pytest: no tests collected
  if ((status != 0 && bad == 0)); then bad=1; fi
  count "pytest" "$ok" "$bad"
fi

# --- Fuzz smoke: every target builds and survives a few seconds ------------
# (the long runs are measured by scripts/fuzz.sh and written in
# docs/RELIABILITY.md, not asserted here)
echo "== fuzz smoke"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  status=0
  bash scripts/fuzz.sh "${PIER_FUZZ_SECONDS:-3}" 2>&1 | tee "$logs/fuzz.log" || status=$?
  ok=$(grep -cE '^[a-z0-9_]+ +secs .* ok$' "$logs/fuzz.log" || true)
  bad=$(grep -cE '^[a-z0-9_]+ +secs .* FAILED' "$logs/fuzz.log" || true)
  if ((status != 0 && bad == 0)); then bad=1; fi # did not build
  count "fuzz smoke" "$ok" "$bad"
else
  echo "-- fuzz smoke: skipped (no nightly toolchain; rustup toolchain install nightly)"
fi

echo
if ((${#failures[@]})); then
  echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
((failed == 0))
