#!/usr/bin/env bash
# The TLS echo example driven by openssl s_client, as a user would try it:
#   examples_tls.sh EXAMPLES_DIR OPENSSL
# Certificates are made here with the openssl CLI, in a temporary directory.
# Each run of the example is on a free port (argument 0); the test reads the
# port it prints, talks to it through s_client over two FIFOs, checks the
# replies, and stops it with SIGTERM (it must exit 0).
set -euo pipefail

dir=$1
openssl=$2
work=$(mktemp -d)
pid=
client_pid=
cleanup() {
  exec 3>&- 4<&- 2>/dev/null || true
  if [[ -n $client_pid ]]; then kill "$client_pid" 2>/dev/null || true; wait "$client_pid" 2>/dev/null || true; fi
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAILED (tls_echo_server): $*"
  echo "--- server output:"; cat "$work/out" 2>/dev/null || true
  echo "--- s_client stderr:"; cat "$work/client.err" 2>/dev/null || true
  exit 1
}

# --- certificates: RSA key + self-signed certificate, as PEM and as PFX ------
(
  cd "$work"
  "$openssl" req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \
    -subj "/O=pier/CN=localhost" -days 2 2>/dev/null
  cat key.pem cert.pem >server.pem
  "$openssl" pkcs12 -export -inkey key.pem -in cert.pem -out server.pfx -passout pass:s3cret
) || fail "cannot make the test certificates"

start() { # start [--raw] CERT PASSWORD: run the example on port 0, set $pid and $port
  PIER_DEMO_SECONDS=60 "$dir/tls_echo_server" "$@" 0 </dev/null >"$work/out" 2>&1 &
  pid=$!
  port=
  for _ in $(seq 1 100); do
    port=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$work/out" | head -n1)
    [[ -n $port ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  fail "tls_echo_server $* did not start"
}
# (the port argument is the third: CERT PASSWORD PORT, with "" for no password)

stop() {
  kill "$pid"
  local status=0
  wait "$pid" || status=$?
  pid=
  ((status == 0)) || fail "exited with status $status"
}

# connect S_CLIENT_ARGS...: s_client on fd 3 (its stdin) and fd 4 (its stdout).
connect() {
  rm -f "$work/in" "$work/back"
  mkfifo "$work/in" "$work/back"
  "$openssl" s_client -connect "127.0.0.1:$port" -quiet -no_ign_eof -nocommands "$@" \
    <"$work/in" >"$work/back" 2>"$work/client.err" &
  client_pid=$!
  exec 3>"$work/in" 4<"$work/back"
}

# disconnect: close s_client's stdin (it sends close_notify and exits).
disconnect() {
  exec 3>&- 4<&-
  wait "$client_pid" || true
  client_pid=
}

read_line() { # read_line VAR WHAT: one line from s_client within 20 s, CR removed
  local l
  IFS= read -r -t 20 l <&4 || fail "no $2"
  printf -v "$1" '%s' "${l%$'\r'}"
}

expect_eq() { # expect_eq WHAT GOT EXPECTED
  [[ $2 == "$3" ]] || fail "$1: got $(printf '%q' "$2"), expected $(printf '%q' "$3")"
}

# --- line mode, PEM key file, TLS 1.3 then TLS 1.2 ---------------------------
start "$work/server.pem" ""
grep -q '^certificate: CN=localhost, O=pier$' "$work/out" || fail "certificate subject not printed"
grep -q "openssl s_client -connect 127.0.0.1:$port" "$work/out" || fail "no connect hint"
for version in 1_3 1_2; do
  connect "-tls$version"
  read_line greeting "greeting (TLS $version)"
  case $greeting in
    "Welcome to pier's TLS echo server (TLS${version/_/.}, "*) ;;
    *) fail "greeting over TLS $version: $greeting" ;;
  esac
  printf 'first line\nsecond\r\n' >&3
  read_line reply "first echo"
  expect_eq "first echo" "$reply" "echo: first line"
  read_line reply "second echo"
  expect_eq "second echo" "$reply" "echo: second"
  disconnect
done
# Both clients closed in order (close_notify): Disconnected 0 each time.
for _ in $(seq 1 100); do
  (($(grep -c 'disconnected: 0 OK' "$work/out") == 2)) && break
  sleep 0.1
done
(($(grep -c 'disconnected: 0 OK' "$work/out") == 2)) || fail "no clean Disconnected for both clients"
stop

# --- PFX file with its password -----------------------------------------------
start "$work/server.pfx" s3cret
connect
read_line greeting "greeting (PFX)"
printf 'from pfx\n' >&3
read_line reply "echo (PFX)"
expect_eq "PFX echo" "$reply" "echo: from pfx"
disconnect
stop

# --- a wrong PFX password: a clear error (273), exit status 1 -------------------
status=0
"$dir/tls_echo_server" "$work/server.pfx" wrong 0 >"$work/out" 2>&1 </dev/null || status=$?
((status == 1)) || fail "wrong password: exit status $status, expected 1"
grep -q '\[273\]' "$work/out" || fail "wrong password: no [273] in the output"

# --- raw mode: 200 kB of base64 text come back unchanged ------------------------
start --raw "$work/server.pem" ""
head -c 150000 /dev/urandom | base64 >"$work/data"
size=$(stat -c %s "$work/data")
connect
cat "$work/data" >&3 &
writer=$!
timeout 30 head -c "$size" <&4 >"$work/echoed" || true
wait "$writer" || true
disconnect
cmp -s "$work/data" "$work/echoed" || fail "raw mode: echoed bytes differ ($(stat -c %s "$work/echoed") of $size bytes)"

# --- a client killed while the echo flows: the server ends that connection
# and goes on (the example does not ignore SIGPIPE, like most programs; the
# deterministic SIGPIPE check is in tests-python/test_tls.py).
connect
(head -c 8000000 /dev/zero | tr '\0' 'a' >&3) 2>/dev/null &
writer=$!
timeout 30 head -c 200000 <&4 >/dev/null || fail "no echo before the kill"
kill -9 "$client_pid"
wait "$client_pid" 2>/dev/null || true
client_pid=
exec 3>&- 4<&-
wait "$writer" 2>/dev/null || true
# The server goes on serving (and exits 0 below).
connect
printf 'still there\n' >&3
read_line reply "echo after the reset"
expect_eq "echo after the reset" "$reply" "still there"
disconnect
kill -0 "$pid" 2>/dev/null || fail "the server died"
stop

echo "example tls_echo_server: ok"
