#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format's layout; with --fix, reformats in place.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp' '*.cpp.in' 2>/dev/null | grep -v '\.in$' || true)
[ -n "$files" ] || files=$(find libplanner cli simulator executor benchmarks tests -name '*.cpp' -o -name '*.hpp')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i $files
  exit 0
fi
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" > /dev/null 2>&1; then
    echo "needs clang-format: $f"
    bad=1
  fi
done
[ $bad -eq 0 ] && echo "clang-format: $(echo "$files" | wc -w) files clean"
exit $bad
