#!/usr/bin/env bash
# The C examples driven by netcat and bash's /dev/tcp, as a user would try them:
#   examples_nc.sh EXAMPLE EXAMPLES_DIR NC
# EXAMPLE is echo, chat, record, hostloop, or cxx_echo (examples-cpp/echo_server;
# EXAMPLES_DIR is then build/examples-cpp). Each runs on a free port
# (argument 0), the test reads the port it prints, talks to it, checks the
# replies, and stops it with SIGTERM (it must exit 0).
set -euo pipefail

example=$1
dir=$2
nc=$3
work=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAILED ($example): $*"; echo "--- server output:"; cat "$work/out"; exit 1; }

start() { # start PROGRAM ARGS...: run an example on port 0, set $pid and $port
  PIER_DEMO_SECONDS=30 "$dir/$1" "${@:2}" 0 </dev/null >"$work/out" 2>&1 &
  pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -nE 's/.*127\.0\.0\.1:([0-9]+).*/\1/p' "$work/out" | head -n1)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "$1 did not start"
}

stop() {
  kill "$pid"
  local status=0
  wait "$pid" || status=$?
  pid=
  ((status == 0)) || fail "exited with status $status"
}

expect_eq() { # expect_eq WHAT GOT EXPECTED
  [[ $2 == "$3" ]] || fail "$1: got $(printf '%q' "$2"), expected $(printf '%q' "$3")"
}

case $example in
cxx_echo)
  # examples-cpp/echo_server (EXAMPLES_DIR is build/examples-cpp): the C echo's behaviour.
  start echo_server
  reply=$(printf 'first line\nsecond\r\n' | "$nc" -q 1 -w 5 127.0.0.1 "$port" | tr -d '\r')
  expect_eq "line mode" "$reply" $'Welcome to pier\'s echo server (C++). Type a line.\necho: first line\necho: second'
  stop
  grep -q 'disconnected: 0 OK' "$work/out" || fail "no clean Disconnected"
  start echo_server --raw
  head -c 100000 /dev/urandom >"$work/in"
  "$nc" -q 2 -w 5 127.0.0.1 "$port" <"$work/in" >"$work/back"
  cmp -s "$work/in" "$work/back" || fail "raw mode: echoed bytes differ"
  stop
  ;;
echo)
  # Line mode: a greeting, then "echo: <line>" per line (LF and CRLF both end a line).
  start echo_server
  reply=$(printf 'first line\nsecond\r\n' | "$nc" -q 1 -w 5 127.0.0.1 "$port" | tr -d '\r')
  expect_eq "line mode" "$reply" $'Welcome to pier\'s echo server. Type a line.\necho: first line\necho: second'
  stop
  grep -q 'disconnected: 0 OK' "$work/out" || fail "no clean Disconnected"
  # Raw mode: 100 kB of random bytes come back unchanged.
  start echo_server --raw
  head -c 100000 /dev/urandom >"$work/in"
  "$nc" -q 2 -w 5 127.0.0.1 "$port" <"$work/in" >"$work/back"
  cmp -s "$work/in" "$work/back" || fail "raw mode: echoed bytes differ"
  stop
  ;;
record)
  # Two records in one write (one with an empty body): each comes back reversed.
  start record_server
  reply=$(printf '\0\0\0\5hello\0\0\0\0\0\0\0\3abc' | "$nc" -q 1 -w 5 127.0.0.1 "$port" | od -An -c | tr -s ' \n' ' ')
  expect_eq "records" "$reply" ' \0 \0 \0 005 o l l e h \0 \0 \0 \0 \0 \0 \0 003 c b a '
  stop
  ;;
chat)
  # Two clients: a line from one reaches the other, joins and leaves are announced.
  start chat_server
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  IFS= read -r -t 5 line <&3 || fail "no welcome for client 1"
  exec 4<>"/dev/tcp/127.0.0.1/$port"
  IFS= read -r -t 5 line <&4 || fail "no welcome for client 2"
  IFS= read -r -t 5 line <&3 || fail "client 1 was not told about client 2"
  expect_eq "join notice" "${line%$'\r'}" "* 2 joined"
  printf 'hello from 1\r\n' >&3
  IFS= read -r -t 5 line <&4 || fail "client 2 did not get the line"
  expect_eq "broadcast" "${line%$'\r'}" "[1] hello from 1"
  exec 4>&-
  IFS= read -r -t 5 line <&3 || fail "client 1 was not told that client 2 left"
  expect_eq "leave notice" "${line%$'\r'}" "* 2 left"
  exec 3>&-
  stop
  ;;
hostloop)
  # The poll()-driven server echoes lines like the echo example.
  start hostloop_server
  reply=$(printf 'one\r\ntwo\n' | "$nc" -q 1 -w 5 127.0.0.1 "$port" | tr -d '\r')
  expect_eq "host loop" "$reply" $'one\ntwo'
  stop
  ;;
*)
  echo "unknown example $example"; exit 2 ;;
esac
echo "example $example: ok"
