#!/usr/bin/env bash
# Every program in examples-c/ behaves like a tool: `--help` prints usage and
# exits 0; an unknown option or a bad argument prints usage and exits 2 — and
# none of them starts serving instead (each run is bounded by a timeout, and
# an option is never taken for a file or directory name).
# The same for examples-cpp/ when its build directory is given.
#   examples_help.sh EXAMPLES_DIR [CPP_EXAMPLES_DIR]
set -uo pipefail
dir=$1
cppdir=${2:-}
failed=0
check() { # check WANT_STATUS PROGRAM ARGS...
  local want=$1 out status
  shift
  out=$(timeout 5 "$dir/$1" "${@:2}" 2>&1)
  status=$?
  if [[ $status != "$want" ]] || ! grep -qi "usage" <<<"$out"; then
    echo "FAIL: $* -> exit $status (want $want): $out"
    failed=1
  fi
}
for p in chat_server echo_server hostloop_server oftp_server record_server tftp_server tls_echo_server ws_echo_server ws_chat_server; do
  [[ -x $dir/$p ]] || { echo "FAIL: $dir/$p missing"; failed=1; continue; }
  check 0 "$p" --help
  check 2 "$p" --no-such-option
done
# Bad arguments.
check 2 echo_server 99999
check 2 echo_server not-a-port
check 2 chat_server 4001x
check 2 tftp_server /tmp 70000
check 2 tftp_server --help-me
check 2 tls_echo_server cert.pem "" 12ab
check 2 ws_echo_server --port 65536
check 2 ws_echo_server --cert only.pem
check 2 ws_chat_server --port -1
check 2 oftp_server --port 3305 --ssid S --sfid S --password P
check 2 oftp_server --port 70000 --ssid S --sfid S --password P --in /tmp
check 2 oftp_server --port 3305 --ssid S --sfid S --password P --in /tmp --version 3.0
check 2 oftp_server --port 3305 --ssid S --sfid S --password P --in /tmp --partner nocolon
check 2 oftp_server --port 3305 --ssid S --sfid S --password P --in /no/such/dir
if [[ -n $cppdir ]]; then
  dir=$cppdir
  for p in echo_server; do
    [[ -x $dir/$p ]] || { echo "FAIL: $dir/$p missing"; failed=1; continue; }
    check 0 "$p" --help
    check 2 "$p" --no-such-option
  done
  check 2 echo_server 99999
  check 2 echo_server not-a-port
  check 2 echo_server 1 2
fi
((failed == 0)) && echo "examples_help: ok"
exit $failed
