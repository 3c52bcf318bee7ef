# lib.sh — helpers the benchmark scripts share (sourced by run.sh, ab.sh).

# await_port LOG PID WHAT: prints the port the server started as PID
# announced in LOG ("listening on 127.0.0.1:N", "listening on port N" or
# "LISTENING port=N"); exits the script with the log if it never does.
await_port() {
  local log=$1 pid=$2 what=$3 port
  for _ in $(seq 1 300); do
    port=$(sed -nE 's/.*(listening on 127\.0\.0\.1:|listening on port |listening on |LISTENING port=)([0-9]+).*/\2/p' "$log" | head -n1)
    [[ -n $port ]] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$what did not start:" >&2
  cat "$log" >&2
  exit 1
}

# stop_pid PID: ends a server and reaps it.
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# cpu_ticks PID: utime + stime of a process, in clock ticks (fields 14 and 15).
cpu_ticks() { sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# rss_kib PID: the process's VmRSS.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# field KEY LINE: the value of key=value in a RESULT line.
field() { sed -nE "s/.*(^| )$1=([^ ]+).*/\2/p" <<<"$2"; }

# start_idle LOADGEN PORT CONNS LOG: opens CONNS idle connections in the
# background (their process: idle_pid) and waits until all are established.
start_idle() {
  "$1" idle -p "$2" -c "$3" -x 1 -d 120 >"$4" 2>&1 &
  idle_pid=$!
  for _ in $(seq 1 600); do
    grep -q '^READY' "$4" && return 0
    kill -0 "$idle_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "idle connections not established" >&2
  cat "$4" >&2
  exit 1
}

# build_release LOG [TARGET...]: configures $build (Release, the library's
# release profile) and builds it (or only TARGETs), logging to LOG; on
# failure prints the log's end and exits the script.
build_release() {
  local log=$1
  shift
  local targets=()
  (($#)) && targets=(--target "$@")
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DPIER_CARGO_PROFILE=release >"$log" 2>&1 \
    || { cat "$log"; exit 1; }
  cmake --build "$build" -j 2 "${targets[@]}" >>"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
}
