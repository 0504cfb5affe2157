#!/usr/bin/env bash
# The main job: set up, build, trace the bundled Redis replication target once, then explore
# it (crashes of the master; see its target.toml) and point at the campaign's report.
# Runs go under runs/ (or the directory given as $1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$FISSURE_ROOT"
out="${1:-runs/main-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
"$BUILD_DIR/explorer/fissure" trace experiments/targets/redis-replication/target.toml -o "$out/trace"
echo
# Exit 1 means bugs were found, which is what this job is for.
"$BUILD_DIR/explorer/fissure" explore experiments/targets/redis-replication/target.toml -o "$out/explore" || [[ $? -eq 1 ]]
