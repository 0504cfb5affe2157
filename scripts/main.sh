#!/usr/bin/env bash
# The main job: set up, build, and trace the bundled Redis replication target.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
out="${1:-$FISSURE_ROOT/runs/redis-replication}"
exec "$BUILD_DIR/explorer/fissure" trace "$FISSURE_ROOT/experiments/targets/redis-replication/target.toml" -o "$out"
