#!/usr/bin/env bash
# Installs what is missing (Debian 12, as root) and builds fissure into build/.
# Idempotent and quiet when everything is already there; sourced by main.sh and test.sh.
set -euo pipefail
FISSURE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FISSURE_ROOT
BUILD_DIR="${FISSURE_BUILD_DIR:-$FISSURE_ROOT/build}"
export BUILD_DIR

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libseccomp-dev libz3-dev libtbb-dev libboost-graph-dev libcereal-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev libgtest-dev
  redis-server redis-sentinel redis-tools etcd-server etcd-client strace util-linux python3
  graphviz chromium
  libopenmpi-dev openmpi-bin slurm-wlm munge
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "fissure setup: missing packages ${missing[*]}; run as root or install them" >&2
    exit 2
  fi
  echo "fissure setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's redis-server and etcd packages start system instances where an init system runs;
  # it would hold the ports the bundled targets use.
  if command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
    service etcd stop >/dev/null 2>&1 || true
    # Nor Slurm's and munge's: the Slurm test starts a cluster of its own.
    for s in slurmctld slurmd munge; do service "$s" stop >/dev/null 2>&1 || true; done
  fi
fi

cmake -S "$FISSURE_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
log="$BUILD_DIR/build.log"
mkdir -p "$BUILD_DIR"
if ! cmake --build "$BUILD_DIR" -- -j"$(nproc)" >"$log" 2>&1; then
  cat "$log" >&2
  echo "fissure setup: build failed (log: $log)" >&2
  exit 2
fi
