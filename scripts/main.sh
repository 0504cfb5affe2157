#!/usr/bin/env bash
# The main job: set up, build, trace the bundled Redis replication target once, then explore
# redis-sentinel with the default hybrid search (crashes and partitions of the master; see its
# target.toml.in) and point at the campaign's report.
# Runs go under runs/ (or the directory given as $1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$FISSURE_ROOT"
out="${1:-runs/main-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
"$BUILD_DIR/explorer/fissure" trace "$BUILD_DIR/experiments/targets/redis-replication/target.toml" -o "$out/trace"
echo
# Exit 1 means bugs were found, which is what this job is for.
# redis-sentinel: clients write, read and compare-and-set through the sentinels while the
# search (hybrid, the default) crashes or partitions the master; the history checker judges.
"$BUILD_DIR/explorer/fissure" explore "$BUILD_DIR/experiments/targets/redis-sentinel/target.toml" -o "$out/explore" || [[ $? -eq 1 ]]
