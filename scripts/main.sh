#!/usr/bin/env bash
# The main job: set up, build, and trace the bundled Redis replication target.
# Each run gets a new directory under runs/ (or the one given as $1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$FISSURE_ROOT"
exec "$BUILD_DIR/explorer/fissure" trace experiments/targets/redis-replication/target.toml ${1:+-o "$1"}
