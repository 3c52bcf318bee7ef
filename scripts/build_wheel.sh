#!/usr/bin/env bash
# build_wheel.sh [OUTDIR] — a wheel of the Python package (python/) with
# libpier.so bundled inside it, so `pip install pier-*.whl` needs nothing else.
#
# Builds the library (cargo build --release), copies python/ to a staging
# directory, puts the library in as pier/libpier.so.MAJOR (the SONAME, which
# the package's loader looks for next to itself: python/pier/_lib.py), and
# runs `pip wheel` there. The wheel is tagged for this platform (it holds a
# native library). OUTDIR defaults to dist/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(realpath -m "${1:-$root/dist}")
export PATH=$HOME/.cargo/bin:$PATH

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
lib=$root/target/release/libpier.so
major=$(sed -nE 's/^version = "([0-9]+)\..*/\1/p' "$root/Cargo.toml" | head -n1)

python3 -c 'import wheel' 2>/dev/null || python3 -m pip install -q wheel

stage=$(mktemp -d /tmp/pier-wheel.XXXXXX)
trap 'rm -rf "$stage"' EXIT
cp -r "$root/python/." "$stage/"
rm -rf "$stage"/build "$stage"/*.egg-info "$stage"/pier/__pycache__
cp "$lib" "$stage/pier/libpier.so.$major"
# A native library inside: the wheel must carry a platform tag, not py3-none-any.
cat >"$stage/setup.py" <<'EOF'
from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution)
EOF
mkdir -p "$out"
python3 -m pip wheel -q --no-deps --no-build-isolation -w "$out" "$stage"
ls "$out"/pier-*.whl
