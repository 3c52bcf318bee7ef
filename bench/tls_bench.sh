#!/usr/bin/env bash
# pier's TLS benchmark: in one run, against three servers started side by side,
#
#   pier TLS     examples-c/tls_echo_server --raw (ReuseSSLSession=True, TCPNoDelay=True)
#   pier plain   examples-c/echo_server --raw (the plaintext baseline)
#   Node.js TLS  bench/node_tls_echo.js (Node's tls module, socket.pipe(socket))
#
# it measures, with bench/tls_client (OpenSSL, C):
#
#   full handshakes/s      TLS 1.3, RSA-2048 certificate, new session every time,
#                          each connection exchanging 1 byte then closing
#   resumed handshakes/s   the same, offering the previous connection's session
#                          (tls_client checks that the server resumed it)
#   echo throughput        16 KiB messages, one in flight per connection
#
# and, for each, the server process's CPU time (utime+stime from /proc), so
# the cost per handshake or per message can be compared even when the client
# (which shares the machine's cores) is what limits the rate. The Markdown
# table goes into docs/PERFORMANCE.md between <!-- tls-bench:start --> and
# <!-- tls-bench:end -->; the rest of the file is kept.
#
#   bash bench/tls_bench.sh
#
# Environment: BENCH_HS_SECONDS (5), BENCH_ECHO_SECONDS (8), BENCH_HS_THREADS (8),
# BENCH_ECHO_CONNS (32), BENCH_ECHO_THREADS (2), BENCH_TLS_SUITE
# (TLS_AES_128_GCM_SHA256, what browsers negotiate first), PERF_MD
# (docs/PERFORMANCE.md), PIER_BUILD_DIR (build). Needs node, openssl and
# OpenSSL's headers (libssl-dev, installed with apt-get when missing).
# A benchmark is a program that measures and prints, never a test.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${PIER_BUILD_DIR:-$root/build}
out=$root/bench/out
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
hs_seconds=${BENCH_HS_SECONDS:-5}
echo_seconds=${BENCH_ECHO_SECONDS:-8}
hs_threads=${BENCH_HS_THREADS:-8}
echo_conns=${BENCH_ECHO_CONNS:-32}
echo_threads=${BENCH_ECHO_THREADS:-2}
suite=${BENCH_TLS_SUITE:-TLS_AES_128_GCM_SHA256}
mkdir -p "$out"

# --- what the benchmark needs ------------------------------------------------
command -v node >/dev/null || { echo "node (Node.js) is needed for the comparison server" >&2; exit 1; }
command -v openssl >/dev/null || { echo "the openssl CLI is needed for the certificate" >&2; exit 1; }
if ! dpkg-query -W -f='${Status}' libssl-dev 2>/dev/null | grep -q 'install ok installed'; then
  echo "installing libssl-dev (for bench/tls_client)..."
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libssl-dev >/dev/null
fi

# --- build (release) ------------------------------------------------------------
export PATH=$HOME/.cargo/bin:$PATH
echo "building everything (release)..."
build_release "$out/cmake-tls.log"
client=$build/bench/tls_client
[[ -x $client ]] || { echo "bench/tls_client was not built (OpenSSL not found by CMake?)" >&2; exit 1; }

# --- certificate: RSA-2048, self-signed, made now --------------------------------
certs=$out/tls-certs
rm -rf "$certs"
mkdir -p "$certs"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$certs/key.pem" -out "$certs/cert.pem" \
  -subj "/O=pier/CN=localhost" -days 2 2>/dev/null
cat "$certs/key.pem" "$certs/cert.pem" >"$certs/server.pem"

# --- servers ------------------------------------------------------------------------
declare -A PID PORT
cleanup() {
  for s in "${!PID[@]}"; do kill "${PID[$s]}" 2>/dev/null || true; wait "${PID[$s]}" 2>/dev/null || true; done
}
trap cleanup EXIT

start_server() { # start_server NAME
  local name=$1 log=$out/tls-server-$1.log
  case $name in
    pier_tls)
      PIER_MAX_CONNECTIONS=5000 "$build/examples-c/tls_echo_server" --raw --config ReuseSSLSession=True \
        --config TCPNoDelay=True "$certs/server.pem" "" 0 >"$log" 2>&1 & ;;
    pier_plain) PIER_MAX_CONNECTIONS=5000 "$build/examples-c/echo_server" --raw 0 >"$log" 2>&1 & ;;
    node_tls) node "$root/bench/node_tls_echo.js" "$certs/key.pem" "$certs/cert.pem" 0 >"$log" 2>&1 & ;;
  esac
  PID[$name]=$!
  for _ in $(seq 1 100); do
    PORT[$name]=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$log" | head -n1)
    [[ -n ${PORT[$name]} ]] && return 0
    kill -0 "${PID[$name]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "server $name did not start:" >&2
  cat "$log" >&2
  exit 1
}

clk_tck=$(getconf CLK_TCK)

declare -A R # R[server.metric]

measure() { # measure SERVER KEY COUNT_FIELD RATE_FIELD TLS_CLIENT_ARGS...
  local s=$1 key=$2 count_field=$3 rate_field=$4 line t0 t1 pid=${PID[$1]}
  shift 4
  kill -0 "$pid" 2>/dev/null || { echo "server $s is gone:" >&2; cat "$out/tls-server-$s.log" >&2; exit 1; }
  t0=$(cpu_ticks "$pid")
  line=$("$client" "$@" -p "${PORT[$s]}" | grep '^RESULT')
  t1=$(cpu_ticks "$pid")
  local n secs
  n=$(field "$count_field" "$line")
  secs=$(field seconds "$line")
  echo "   $s: $line server_cpu_ticks=$((t1 - t0))"
  R[$s.$key]=$(field "$rate_field" "$line")
  R[$s.$key.cpu_us]=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }')
  R[$s.$key.server_pct]=$(awk -v d=$((t1 - t0)) -v hz="$clk_tck" -v t="$secs" 'BEGIN { printf "%.0f", (t > 0 ? 100 * d / hz / t : 0) }')
  R[$s.$key.client_pct]=$(field client_cpu_pct "$line")
  if [[ $key == resumed ]]; then
    R[$s.$key.reused]=$(awk -v a="$(field reused "$line")" -v b="$n" 'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')
  fi
  if [[ $key == echo ]]; then R[$s.echo.mb]=$(field mb_per_s "$line"); fi
}

for s in pier_tls pier_plain node_tls; do start_server "$s"; done
sleep 0.5
echo "servers: pier TLS :${PORT[pier_tls]}, pier plaintext :${PORT[pier_plain]}, Node.js TLS :${PORT[node_tls]}"

echo "== full handshakes (TLS 1.3, $hs_threads client threads, ${hs_seconds}s)"
for s in pier_tls node_tls; do
  measure "$s" full handshakes per_s handshake -V 1.3 -C "$suite" -t "$hs_threads" -d "$hs_seconds"
done
echo "== resumed handshakes"
for s in pier_tls node_tls; do
  measure "$s" resumed handshakes per_s handshake -r -V 1.3 -C "$suite" -t "$hs_threads" -d "$hs_seconds"
done
echo "== echo, 16 KiB messages ($echo_conns connections, $echo_threads client threads, ${echo_seconds}s)"
for s in pier_tls pier_plain node_tls; do
  plain=()
  [[ $s == pier_plain ]] && plain=(-P)
  measure "$s" echo msgs msgs_per_s echo "${plain[@]}" -V 1.3 -C "$suite" -s 16384 -c "$echo_conns" \
    -t "$echo_threads" -d "$echo_seconds"
done

# --- the table -----------------------------------------------------------------------
v() { echo "${R[$1]:-—}"; }
div() { # div A B: A / B with 2 decimals, or — when either is missing or B is 0
  awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.2f\n", a / b }'
}
verdict() { # verdict VALUE OP LIMIT: "met" or "missed"
  awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN { if (x == "—") { print "—"; exit }
    ok = (op == ">=") ? (x + 0 >= l + 0) : (x + 0 > l + 0); print ok ? "**met**" : "**missed**" }'
}
ratio_rs=$(div "${R[pier_tls.resumed]:-}" "${R[pier_tls.full]:-}")
ratio_rs_node=$(div "${R[node_tls.resumed]:-}" "${R[node_tls.full]:-}")
ratio_rs_cpu=$(div "${R[pier_tls.full.cpu_us]:-}" "${R[pier_tls.resumed.cpu_us]:-}")
ratio_plain=$(div "${R[pier_tls.echo]:-}" "${R[pier_plain.echo]:-}")
ratio_node=$(div "${R[pier_tls.echo]:-}" "${R[node_tls.echo]:-}")
ratio_plain_cpu=$(div "${R[pier_plain.echo.cpu_us]:-}" "${R[pier_tls.echo.cpu_us]:-}")
ratio_node_cpu=$(div "${R[node_tls.echo.cpu_us]:-}" "${R[pier_tls.echo.cpu_us]:-}")

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
load=$(cut -d' ' -f1-3 /proc/loadavg)
table=$(
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -sr), ${cpu_model:-unknown CPU}, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); load average before the table: $load."
  echo "Command: \`bash bench/tls_bench.sh\` — $(node --version) for Node.js; client bench/tls_client (OpenSSL $(openssl version | awk '{ print $2 }')),"
  echo "TLS 1.3, $suite, RSA-2048 certificate. Handshakes: $hs_threads client threads × ${hs_seconds}s, each connection"
  echo "exchanging 1 byte. Echo: $echo_conns connections × 16 KiB messages, one in flight each, $echo_threads client threads × ${echo_seconds}s,"
  echo "every byte checked. All servers are single-threaded and share the 2 cores with the client."
  echo
  echo "| Metric | pier TLS | pier plaintext | Node.js TLS | ratio | target |"
  echo "|---|---|---|---|---|---|"
  echo "| full handshakes/s | $(v pier_tls.full) | — | $(v node_tls.full) | pier / Node $(div "${R[pier_tls.full]:-}" "${R[node_tls.full]:-}") | — |"
  echo "| resumed handshakes/s (resumed %) | $(v pier_tls.resumed) ($(v pier_tls.resumed.reused) %) | — | $(v node_tls.resumed) ($(v node_tls.resumed.reused) %) | pier / Node $(div "${R[pier_tls.resumed]:-}" "${R[node_tls.resumed]:-}") | — |"
  echo "| resumed / full handshakes/s | $ratio_rs | — | $ratio_rs_node | — | pier ≥ 3: $(verdict "$ratio_rs" ">=" 3) |"
  echo "| server CPU µs / full handshake | $(v pier_tls.full.cpu_us) | — | $(v node_tls.full.cpu_us) | — | — |"
  echo "| server CPU µs / resumed handshake | $(v pier_tls.resumed.cpu_us) | — | $(v node_tls.resumed.cpu_us) | pier full / resumed $ratio_rs_cpu | (≥ 3: $(verdict "$ratio_rs_cpu" ">=" 3)) |"
  echo "| echo 16 KiB: messages/s | $(v pier_tls.echo) | $(v pier_plain.echo) | $(v node_tls.echo) | TLS / plaintext $ratio_plain; pier / Node $ratio_node | ≥ 0.8: $(verdict "$ratio_plain" ">=" 0.8); > Node: $(verdict "$ratio_node" ">" 1) |"
  echo "| echo 16 KiB: MB/s (echoed) | $(v pier_tls.echo.mb) | $(v pier_plain.echo.mb) | $(v node_tls.echo.mb) | — | — |"
  echo "| echo: server CPU µs / message | $(v pier_tls.echo.cpu_us) | $(v pier_plain.echo.cpu_us) | $(v node_tls.echo.cpu_us) | plaintext / TLS $ratio_plain_cpu; Node / pier $ratio_node_cpu | (≥ 0.8: $(verdict "$ratio_plain_cpu" ">=" 0.8); > 1: $(verdict "$ratio_node_cpu" ">" 1)) |"
  echo "| echo: server CPU % / client CPU % | $(v pier_tls.echo.server_pct) / $(v pier_tls.echo.client_pct) | $(v pier_plain.echo.server_pct) / $(v pier_plain.echo.client_pct) | $(v node_tls.echo.server_pct) / $(v node_tls.echo.client_pct) | — | — |"
  echo "| handshakes: server CPU % / client CPU %, full | $(v pier_tls.full.server_pct) / $(v pier_tls.full.client_pct) | — | $(v node_tls.full.server_pct) / $(v node_tls.full.client_pct) | — | — |"
  echo "| handshakes: server CPU % / client CPU %, resumed | $(v pier_tls.resumed.server_pct) / $(v pier_tls.resumed.client_pct) | — | $(v node_tls.resumed.server_pct) / $(v node_tls.resumed.client_pct) | — | — |"
)
echo
echo "$table"

write_perf_section "$perf_md" tls-bench "TLS: pier against plaintext pier and Node.js" "$table"
echo
echo "written to ${perf_md#"$root"/}"
