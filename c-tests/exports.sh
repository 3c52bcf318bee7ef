#!/usr/bin/env bash
# The shared library exports exactly the functions include/pier.h declares,
# both directions, and carries its SONAME.
#   exports.sh LIBPIER.SO PIER.H SONAME
set -euo pipefail
lib=$1
header=$2
soname=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "D" || $2 == "B" { print $3 }' | sort -u >"$work/exported"
# Declarations only: comment lines (which mention functions in examples) are skipped.
grep -vE '^[[:space:]]*(\*|/\*)' "$header" | grep -oE '\bpier_[a-z0-9_]+\(' | tr -d '(' | sort -u >"$work/declared"
if ! diff -u "$work/declared" "$work/exported"; then
  echo "exports.sh: the library's exports and the header's declarations differ (- header only, + library only)"
  exit 1
fi
got=$(readelf -d "$lib" | sed -nE 's/.*Library soname: \[(.*)\].*/\1/p')
if [[ $got != "$soname" ]]; then
  echo "exports.sh: SONAME is '$got', expected '$soname'"
  exit 1
fi
echo "exports.sh: $(wc -l <"$work/exported") functions, header and library agree; SONAME $got"
