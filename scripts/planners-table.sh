#!/usr/bin/env bash
# Regenerates the planner comparison in docs/planners.md: `dagplan compare` on every public
# WfCommons instance and the bundled examples, on the serverless and the cluster platform.
# Usage: scripts/planners-table.sh [BUILD_DIR] [SHARED_DATA_DIR] > table.md
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=${2:-../shared/data}
dagplan=$build/cli/dagplan
[ -x "$dagplan" ] || { echo "no $dagplan: build first" >&2; exit 1; }
files=(examples/workflows/*.json)
if [ -d "$shared/wfcommons" ]; then
  files+=("$shared"/wfcommons/*.json)
else
  echo "($shared/wfcommons is absent: examples only)" >&2
fi
for platform in aws-lambda cluster; do
  echo "### Platform \`$platform\`"
  echo
  for f in "${files[@]}"; do
    echo "#### $(basename "$f" .json)"
    echo
    "$dagplan" compare "$f" --platform "$platform" --format markdown
    echo
  done
done
