#!/bin/sh
# Starts sentinel N of redis-wait: usage sentinel.sh N RUN_DIR.
# Sentinel rewrites its config file while it runs, so it gets a fresh copy of
# the template sentinelN.conf (next to this script) in the run dir each run.
# exec, so the node's process is redis-sentinel itself, not this shell.
set -eu
n=${1:?usage: sentinel.sh N RUN_DIR}
run_dir=${2:?usage: sentinel.sh N RUN_DIR}
here=$(cd "$(dirname "$0")" && pwd)
cp "$here/sentinel$n.conf" "$run_dir/sentinel$n.conf"
exec redis-sentinel "$run_dir/sentinel$n.conf" --dir "$run_dir"
