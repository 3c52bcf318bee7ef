#!/usr/bin/env bash
# pier's CMS codec (src/cms/) beside OpenSSL's `openssl cms`, in one run:
# a BENCH_CMS_MIB (256) MiB file through RFC 5024 §6.1's sign → compress →
# encrypt with suite 04 (AES-256-CBC, RSA PKCS#1 v1.5, SHA-256) and back,
# driven by bench/cms_pipe.rs (stdin -> stdout, 64 KiB reads), and the same
# file through
#   openssl cms -sign -binary -nodetach -stream -md sha256 | openssl cms -encrypt -aes256 -stream
# and back (-decrypt | -verify). OpenSSL on Debian has no zlib, so pier is
# also run without the CompressedData layer (zlib level 0) for the
# like-for-like row, and at zlib level 1. The file is base64 text of random
# octets (compressible to about 3/4, like many EDI files are more so).
#
# Prints MB/s (file octets over wall time) and peak RSS per direction, and
# pier's ratio to OpenSSL. Then the issue's end-to-end run (issue 11): the
# file signed, compressed (zlib level BENCH_CMS_OFTP_LEVEL, 1) and encrypted
# by pier, sent over TLS by bench/oftp_load to examples-c/oftp_server, which
# stores the envelope and decodes and verifies it before its EFPA; pier's
# encode time plus the SFID→EFPA time against OpenSSL's sign|encrypt plus
# decrypt|verify of the same file, and the server's peak RSS at this size
# and at BENCH_CMS_SMALL_MIB (32) MiB (it must not grow with the file). The
# tables go into docs/PERFORMANCE.md (cms-bench). A benchmark is a program
# that measures and prints, never a test.
#
#   bash bench/cms_bench.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/perf_doc.sh
. "$root/bench/perf_doc.sh"
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
build=${PIER_BUILD_DIR:-$root/build}
perf_md=${PERF_MD:-$root/docs/PERFORMANCE.md}
oftp_level=${BENCH_CMS_OFTP_LEVEL:-1}
small_mib=${BENCH_CMS_SMALL_MIB:-32}
out=$root/bench/out/cms
mib=${BENCH_CMS_MIB:-256}
rm -rf "$out"
mkdir -p "$out"
cd "$root"
echo "building (release): cms_pipe, oftp_server, oftp_load"
cargo build --release --example cms_pipe >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log"; exit 1; }
if ! dpkg -s libssl-dev >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q libssl-dev >/dev/null
fi
build_release "$out/build-c.log" oftp_server oftp_load
pipe=${CARGO_TARGET_DIR:-$root/target}/release/examples/cms_pipe

for who in alice bob; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/$who.key.pem" -out "$out/$who.crt.pem" -days 2 \
    -subj "/CN=$who/O=pier cms bench" >/dev/null 2>&1
  openssl x509 -in "$out/$who.crt.pem" -outform DER -out "$out/$who.crt.der"
  openssl pkcs8 -topk8 -nocrypt -in "$out/$who.key.pem" -outform DER -out "$out/$who.key.der"
done
echo "making a $mib MiB file"
# (the last head closes the pipe early: SIGPIPE upstream is expected)
(set +o pipefail; head -c $((mib * 1024 * 1024 * 3 / 4 + 4096)) /dev/urandom | base64 -w 76 |
  head -c $((mib * 1024 * 1024)) >"$out/file")
bytes=$(stat -c %s "$out/file")

now() { date +%s.%N; }
# timed NAME CMD...: runs CMD with /usr/bin/time, peak RSS (KiB) into $out/NAME.rss.
timed() {
  local name=$1
  shift
  /usr/bin/time -f %M -o "$out/$name.rss" "$@"
}
mbps() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
rss() { local m=0 v; for f in "$@"; do v=$(tail -n1 "$out/$f.rss"); ((v > m)) && m=$v; done; echo "$m"; }

declare -A enc_t dec_t enc_r dec_r size
run_pier() {
  local level=$1 tag=pier-z$1 t0 t1
  t0=$(now)
  timed "$tag-enc" "$pipe" encode 4 "$level" "$out/alice.crt.der" "$out/alice.key.der" "$out/bob.crt.der" \
    <"$out/file" >"$out/$tag.cms"
  t1=$(now)
  enc_t[$tag]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  t0=$(now)
  timed "$tag-dec" "$pipe" decode "$level" "$out/alice.crt.der" "$out/bob.crt.der" "$out/bob.key.der" \
    <"$out/$tag.cms" >"$out/$tag.out"
  t1=$(now)
  dec_t[$tag]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  cmp -s "$out/file" "$out/$tag.out" || { echo "$tag: round trip differs"; exit 1; }
  enc_r[$tag]=$(rss "$tag-enc")
  dec_r[$tag]=$(rss "$tag-dec")
  size[$tag]=$(stat -c %s "$out/$tag.cms")
  rm -f "$out/$tag.out" "$out/$tag.cms"
}

run_openssl() {
  local tag=openssl t0 t1
  t0=$(now)
  timed ossl-sign openssl cms -sign -binary -nodetach -stream -md sha256 -in "$out/file" -signer "$out/alice.crt.pem" \
    -inkey "$out/alice.key.pem" -outform DER |
    timed ossl-enc openssl cms -encrypt -binary -aes256 -stream -outform DER -out "$out/$tag.cms" "$out/bob.crt.pem"
  t1=$(now)
  enc_t[$tag]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  t0=$(now)
  timed ossl-dec openssl cms -decrypt -binary -inform DER -in "$out/$tag.cms" -recip "$out/bob.crt.pem" \
    -inkey "$out/bob.key.pem" |
    timed ossl-verify openssl cms -verify -binary -inform DER -CAfile "$out/alice.crt.pem" -out "$out/$tag.out" 2>/dev/null
  t1=$(now)
  dec_t[$tag]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
  cmp -s "$out/file" "$out/$tag.out" || { echo "openssl: round trip differs"; exit 1; }
  enc_r[$tag]=$(($(rss ossl-sign) + $(rss ossl-enc)))
  dec_r[$tag]=$(($(rss ossl-dec) + $(rss ossl-verify)))
  size[$tag]=$(stat -c %s "$out/$tag.cms")
  rm -f "$out/$tag.out" "$out/$tag.cms"
}

echo "openssl cms"
run_openssl
for level in 0 1 6; do
  echo "pier, zlib level $level"
  run_pier "$level"
done

table="CMS codec, $mib MiB base64 text, suite 04 (AES-256-CBC, RSA-2048, SHA-256), $(nproc) cores, $(openssl version | cut -d' ' -f1-2); \`bash bench/cms_bench.sh\`.

| pipeline | encode MB/s | × OpenSSL | encode RSS KiB | decode MB/s | × OpenSSL | decode RSS KiB | envelope octets |
|---|---:|---:|---:|---:|---:|---:|---:|"
for tag in openssl pier-z0 pier-z1 pier-z6; do
  case $tag in
    openssl) label="openssl sign\\|encrypt (2 processes)" ;;
    pier-z0) label="pier sign+encrypt" ;;
    *) label="pier sign+compress(z${tag#pier-z})+encrypt" ;;
  esac
  ex=$(awk -v a="${enc_t[openssl]}" -v b="${enc_t[$tag]}" 'BEGIN { printf "%.2f", a / b }')
  dx=$(awk -v a="${dec_t[openssl]}" -v b="${dec_t[$tag]}" 'BEGIN { printf "%.2f", a / b }')
  table+="
| $label | $(mbps "${enc_t[$tag]}") | $ex | ${enc_r[$tag]} | $(mbps "${dec_t[$tag]}") | $dx | ${dec_r[$tag]} | ${size[$tag]} |"
done
echo "$table"

# --- OFTP 2.0 over TLS, end to end -----------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/tls.key" -out "$out/tls.crt" -subj /CN=localhost -days 2 \
  >/dev/null 2>&1
cat "$out/bob.key.pem" "$out/bob.crt.pem" >"$out/bob.pem"
mkdir -p "$out/in"
pids=()
trap 'for p in "${pids[@]}"; do stop_pid "$p"; done' EXIT
# oftp_leg FILE: sets leg_t (pier encode + SFID→EFPA seconds) and leg_rss
# (the server's peak RSS, KiB) for FILE sent as a signed, compressed and
# encrypted envelope to a fresh server.
oftp_leg() {
  local file=$1 t0 t1 line
  rm -rf "$out/in" && mkdir -p "$out/in"
  "$build/examples-c/oftp_server" --port 0 --ssid O0013SERVER --sfid O0013SERVER --password SRVPW --in "$out/in" \
    --cert "$out/tls.crt" --key "$out/tls.key" --security-cert "$out/bob.pem" \
    --partner "O0013BENCH:BENCHPW:$out/alice.crt.pem" >"$out/server.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local port
  port=$(await_port "$out/server.log" "$pid" "oftp_server")
  t0=$(now)
  "$pipe" encode 4 "$oftp_level" "$out/alice.crt.der" "$out/alice.key.der" "$out/bob.crt.der" <"$file" >"$out/leg.cms"
  t1=$(now)
  line=$("$build/bench/oftp_load" oftp --port "$port" --tls --file "$out/leg.cms" --secured 3,4,1)
  leg_t=$(awk -v a="$t0" -v b="$t1" -v c="$(field seconds "$line")" 'BEGIN { print b - a + c }')
  leg_rss=$(awk '/VmHWM/ { print $2 }' "/proc/$pid/status")
  cmp -s "$file" "$out/in/BENCHFILE" || { echo "oftp: the received file differs"; exit 1; }
  stop_pid "$pid"
  rm -f "$out/leg.cms" "$out/in/BENCHFILE"
}
field() { tr ' ' '\n' <<<"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }
echo "OFTP over TLS: $mib MiB"
oftp_leg "$out/file"
big_t=$leg_t big_rss=$leg_rss
head -c $((small_mib * 1024 * 1024)) "$out/file" >"$out/small"
echo "OFTP over TLS: $small_mib MiB"
oftp_leg "$out/small"
small_rss=$leg_rss
ossl_t=$(awk -v a="${enc_t[openssl]}" -v b="${dec_t[openssl]}" 'BEGIN { print a + b }')
e2e="OFTP 2.0 over TLS 1.3, end to end: pier signs, compresses (zlib level $oftp_level) and encrypts the $mib MiB file
(suite 04), bench/oftp_load sends the envelope (64 KiB buffers) to examples-c/oftp_server, which stores it and
decodes and verifies it before its EFPA; against OpenSSL's sign\\|encrypt plus decrypt\\|verify of the same file
(no transfer, no compression: Debian's OpenSSL has no zlib).

| run | seconds | MB/s | × OpenSSL | server peak RSS KiB |
|---|---:|---:|---:|---:|
| OpenSSL CMS pipeline alone | $ossl_t | $(mbps "$ossl_t") | 1.00 | |
| pier over OFTP/TLS, $mib MiB | $big_t | $(mbps "$big_t") | $(awk -v a="$ossl_t" -v b="$big_t" 'BEGIN { printf "%.2f", a / b }') | $big_rss |
| pier over OFTP/TLS, $small_mib MiB (RSS only) | | | | $small_rss |"
echo "$e2e"
write_perf_section "$perf_md" cms-bench "CMS (OFTP secured files) against openssl cms" "$table

$e2e"
