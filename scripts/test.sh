#!/usr/bin/env bash
# Set up, build, and run the whole test suite with ctest.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$BUILD_DIR"
ctest --output-on-failure -j1 --timeout 300
