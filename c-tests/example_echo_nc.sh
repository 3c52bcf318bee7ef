#!/usr/bin/env bash
# The echo example driven by netcat, as a user would try it:
#   example_echo_nc.sh path/to/echo_server path/to/nc
# Starts the example on a free port (argument 0), reads the port it prints,
# sends two lines with nc and checks the echoes, in line mode and in raw mode.
set -euo pipefail

server=$1
nc=$2
work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start() { # start MODE-ARGS...: run the example, set $pid and $port
  PIER_DEMO_SECONDS=30 "$server" "$@" 0 >"$work/out" 2>&1 &
  pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/out" | head -n1)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "echo_server did not start:"; cat "$work/out"; exit 1
}

stop() {
  kill "$pid"
  wait "$pid" || { echo "echo_server exited with $?"; cat "$work/out"; exit 1; }
  pid=
}

# Line mode: greeting, then "echo: <line>" per line (LF and CRLF both end a line).
start
reply=$(printf 'first line\nsecond\r\n' | "$nc" -q 1 -w 5 127.0.0.1 "$port" | tr -d '\r')
expected=$'Welcome to pier\'s echo server. Type a line.\necho: first line\necho: second'
if [[ $reply != "$expected" ]]; then
  printf 'line mode: unexpected reply:\n%s\n--- expected:\n%s\n' "$reply" "$expected"; exit 1
fi
stop
grep -q 'disconnected: 0 OK' "$work/out" || { echo "no clean Disconnected in output:"; cat "$work/out"; exit 1; }

# Raw mode: bytes come back unchanged.
start --raw
head -c 100000 /dev/urandom >"$work/in"
"$nc" -q 2 -w 5 127.0.0.1 "$port" <"$work/in" >"$work/back"
cmp "$work/in" "$work/back" || { echo "raw mode: echoed bytes differ"; exit 1; }
stop
echo "example_echo_nc: ok"
