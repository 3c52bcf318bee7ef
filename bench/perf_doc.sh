# perf_doc.sh — sourced by the benchmarks: writes a result table into
# docs/PERFORMANCE.md between its markers, leaving the rest of the file as
# it is.
#
#   write_perf_section FILE NAME HEADING TABLE
#
# replaces what stands between `<!-- NAME:start -->` and `<!-- NAME:end -->`
# in FILE with TABLE. Where the markers are missing (or FILE is), they are
# appended first, under `## HEADING` unless HEADING is empty.
write_perf_section() {
  local file=$1 name=$2 heading=$3 table=$4
  mkdir -p "$(dirname "$file")"
  [[ -f $file ]] || printf '# Performance\n' >"$file"
  if ! grep -q "<!-- $name:start -->" "$file"; then
    {
      echo
      [[ -n $heading ]] && printf '## %s\n\n' "$heading"
      printf '<!-- %s:start -->\n<!-- %s:end -->\n' "$name" "$name"
    } >>"$file"
  fi
  TABLE=$table python3 - "$file" "$name" <<'PY'
import os, sys
path, name = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
i, j = text.index(start) + len(start), text.index(end)
open(path, "w", encoding="utf-8").write(text[:i] + "\n" + os.environ["TABLE"] + "\n" + text[j:])
PY
}
