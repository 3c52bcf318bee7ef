#!/usr/bin/env bash
# Install pier from a build tree into a scratch prefix, then build and run a
# consumer against it twice: with CMake's find_package(pier) (shared and
# static targets, and a C++ consumer of <pier.hpp>), and with
# `pkg-config --cflags --libs pier` (C and C++).
#   run.sh BUILD_DIR WORK_DIR C_COMPILER CMAKE [CXX_COMPILER]
set -euo pipefail

build=$1
work=$2
cc=$3
cmake=${4:-cmake}
cxx=${5:-c++}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=$work/prefix

rm -rf "$work"
mkdir -p "$work"
"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log"

echo "== the installed library: libpier.so.X.Y.Z and its links"
libfile=$(find "$prefix" -name 'libpier.so.*.*.*' | head -n1)
[[ -n $libfile ]] || { echo "no libpier.so.X.Y.Z installed"; find "$prefix"; exit 1; }
libdir_installed=$(dirname "$libfile")
soname=$(readelf -d "$libfile" | sed -nE 's/.*Library soname: \[(.*)\].*/\1/p')
[[ -L $libdir_installed/$soname && -L $libdir_installed/libpier.so ]] \
  || { echo "missing links $soname / libpier.so in $libdir_installed"; ls -l "$libdir_installed"; exit 1; }
[[ $(readlink -f "$libdir_installed/libpier.so") == "$(readlink -f "$libfile")" ]] \
  || { echo "libpier.so does not lead to $libfile"; exit 1; }

echo "== find_package(pier)"
"$cmake" -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
"$cmake" --build "$work/cmake-build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/cmake-build/consumer_shared"
"$work/cmake-build/consumer_static"
"$work/cmake-build/consumer_cxx"
[[ -f $prefix/include/pier.hpp ]] || { echo "pier.hpp is not installed in $prefix/include"; exit 1; }
# The shared consumer really uses the installed library. (Not `ldd | grep -q`:
# grep -q exits at the first match, ldd may then die of SIGPIPE, and
# pipefail fails the test whenever it loses that race.)
ldd "$work/cmake-build/consumer_shared" >"$work/ldd.txt"
grep -q "$prefix/.*$soname" "$work/ldd.txt" \
  || { echo "consumer_shared does not load libpier.so from $prefix:"; cat "$work/ldd.txt"; exit 1; }

echo "== pkg-config pier"
pcdir=$(dirname "$(find "$prefix" -name pier.pc | head -n1)")
export PKG_CONFIG_PATH=$pcdir
pkg-config --exists --print-errors pier
libdir=$(pkg-config --variable=libdir pier)
# shellcheck disable=SC2046 # word splitting of the flags is intended
"$cc" -Wall -Wextra -Werror -o "$work/consumer_pc" "$here/consumer.c" \
  $(pkg-config --cflags --libs pier) -Wl,-rpath,"$libdir"
"$work/consumer_pc"
# shellcheck disable=SC2046
"$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror -o "$work/consumer_pc_cxx" "$here/consumer.cpp" \
  $(pkg-config --cflags --libs pier) -Wl,-rpath,"$libdir"
"$work/consumer_pc_cxx"
echo "install_consumer: ok (pier $(pkg-config --modversion pier))"
