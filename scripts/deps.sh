#!/usr/bin/env bash
# Install what building and testing pier needs on a fresh Debian machine,
# and only what is missing: quiet and quick when everything is there.
#
#   apt:    cmake, pkg-config, valgrind, netcat-openbsd, tftp-hpa, atftp,
#           tftpd-hpa (its service is never started: benchmarks run it on a
#           high port themselves), curl, openssl, plus a C/C++ toolchain
#   pip:    tftpy, websockets, pytest, cryptography and asn1crypto (the OFTP
#           Initiator's secure authentication and CMS), setuptools and wheel (the Python
#           package's wheel: scripts/build_wheel.sh); python3-venv when
#           venv cannot bootstrap pip (tests-python/test_package.py)
#           chromium (headless, for the browser test of tests-python/test_ws.py)
#   npm:    ws (the Node.js WebSocket client) and playwright-core (drives the
#           headless Chromium) of tests-python/test_ws.py, into build/node/,
#           when Node.js and npm are on the machine
#   cargo:  cbindgen 0.29.2 (pinned: the committed header is its output),
#           rustfmt and clippy (rustup components)
set -euo pipefail

CBINDGEN_VERSION=0.29.2
APT_PACKAGES=(cmake pkg-config valgrind netcat-openbsd tftp-hpa atftp tftpd-hpa curl openssl
              gcc g++ make chromium)
PY_MODULES=(tftpy:tftpy websockets:websockets pytest:pytest setuptools:setuptools wheel:wheel cryptography:cryptography asn1crypto:asn1crypto) # import-name:pip-name

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

say() { echo "deps: $*" >&2; }

# --- Debian packages -----------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
if ! command -v python3 >/dev/null 2>&1; then missing+=(python3); fi
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  # policy-rc.d answering 101 forbids maintainer scripts to start services
  # (tftpd-hpa would otherwise bind port 69). Only ours is removed afterwards.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  status=0
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || status=$?
  if ((own_policy)); then "${sudo_cmd[@]}" rm -f "$policy"; fi
  if ((status)); then
    say "apt-get install failed ($status)"
    exit "$status"
  fi
fi

# --- Python modules ------------------------------------------------------
pip_missing=()
for entry in "${PY_MODULES[@]}"; do
  python3 -c "import ${entry%%:*}" >/dev/null 2>&1 || pip_missing+=("${entry##*:}")
done
if ((${#pip_missing[@]})); then
  say "pip installing ${pip_missing[*]}"
  pip_args=(install --quiet --disable-pip-version-check "${pip_missing[@]}")
  # A Debian system Python refuses user installs (PEP 668) unless told otherwise.
  python3 -m pip "${pip_args[@]}" >/dev/null 2>&1 \
    || python3 -m pip "${pip_args[@]}" --break-system-packages >/dev/null
fi

# --- Node.js packages (tests only; skipped when Node.js is absent) --------
node_dir=${PIER_NODE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/node}
if command -v npm >/dev/null 2>&1 \
  && { [[ ! -d $node_dir/node_modules/ws ]] || [[ ! -d $node_dir/node_modules/playwright-core ]]; }; then
  say "npm installing ws and playwright-core into $node_dir"
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund ws@8 playwright-core@1 >/dev/null 2>&1) \
    || say "npm install failed: the Node.js and browser tests will be skipped"
fi

# --- Rust tools ----------------------------------------------------------
if ! command -v cargo >/dev/null 2>&1 && [[ -x $HOME/.cargo/bin/cargo ]]; then
  export PATH=$HOME/.cargo/bin:$PATH
fi
if ! command -v cargo >/dev/null 2>&1; then
  say "cargo is not installed (the Rust toolchain comes with the machine)"
  exit 1
fi
components=()
cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || components+=(clippy)
if ((${#components[@]})); then
  say "rustup component add ${components[*]}"
  rustup component add "${components[@]}" >/dev/null 2>&1
fi
if [[ $(cbindgen --version 2>/dev/null || true) != "cbindgen $CBINDGEN_VERSION" ]]; then
  say "cargo install cbindgen $CBINDGEN_VERSION"
  cargo install --quiet --locked --force --version "$CBINDGEN_VERSION" cbindgen
fi
