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
# pier's ratio to OpenSSL. A benchmark is a program that measures and prints,
# never a test.
#
#   bash bench/cms_bench.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/bench/out/cms
mib=${BENCH_CMS_MIB:-256}
rm -rf "$out"
mkdir -p "$out"
cd "$root"
echo "building (release): cms_pipe"
cargo build --release --example cms_pipe >"$out/build.log" 2>&1 || { tail -n 30 "$out/build.log"; exit 1; }
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

echo
echo "CMS, $mib MiB base64 text, suite 04 (AES-256-CBC, RSA-2048, SHA-256), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
printf '%-34s %10s %10s %12s %10s %10s %12s %12s\n' pipeline "enc MB/s" "x openssl" "enc RSS KiB" "dec MB/s" \
  "x openssl" "dec RSS KiB" "wire bytes"
for tag in openssl pier-z0 pier-z1 pier-z6; do
  case $tag in
    openssl) label="openssl sign|encrypt (2 processes)" ;;
    pier-z0) label="pier sign+encrypt" ;;
    *) label="pier sign+compress(z${tag#pier-z})+encrypt" ;;
  esac
  ex=$(awk -v a="${enc_t[openssl]}" -v b="${enc_t[$tag]}" 'BEGIN { printf "%.2f", a / b }')
  dx=$(awk -v a="${dec_t[openssl]}" -v b="${dec_t[$tag]}" 'BEGIN { printf "%.2f", a / b }')
  printf '%-34s %10s %10s %12s %10s %10s %12s %12s\n' "$label" "$(mbps "${enc_t[$tag]}")" "$ex" "${enc_r[$tag]}" \
    "$(mbps "${dec_t[$tag]}")" "$dx" "${dec_r[$tag]}" "${size[$tag]}"
done
