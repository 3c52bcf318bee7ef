#!/usr/bin/env bash
# pier's demo (the README's demo command): install what is missing, build,
# and run the echo server example in the foreground.
#
#   bash scripts/demo.sh [--raw] [PORT]     (PORT defaults to 4000)
#
# Then, from another terminal:  nc 127.0.0.1 4000   — Ctrl-C stops the server.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${PIER_BUILD_DIR:-$root/build}
bash "$root/scripts/deps.sh"
export PATH=$HOME/.cargo/bin:$PATH
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j 2 --target echo_server
exec "$build/examples-c/echo_server" "$@"
