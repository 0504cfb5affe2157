#!/bin/sh
# Workload for redis-wait:
#  1. on ONE connection to the master: SET key value, then WAIT 2 2000. WAIT
#     only covers writes made on its own connection, so both must share one.
#  2. GET key from replica1 (port 7001).
# Replies go to $RUN_DIR for check.sh, which judges them. It exits 0 whatever
# Redis answered: a refused or dropped connection is an answer too.
set -u
run_dir=${1:?usage: workload.sh RUN_DIR}

# redis-cli reading commands from stdin sends them all on one connection,
# one reply per line. But it exits 0 even when it cannot connect, and if the
# connection drops it silently reconnects (the command in flight is lost,
# "Error: ..." goes to stderr). CLIENT ID before and after tells check.sh
# whether SET and WAIT really went on the same connection.
printf 'CLIENT ID\nSET key value\nWAIT 2 2000\nCLIENT ID\n' |
    redis-cli -p 7000 >"$run_dir/client-master.txt" \
        2>"$run_dir/client-master-stderr.txt"

# Read from the replica even when the master step failed, so check.sh sees it.
redis-cli -p 7001 GET key >"$run_dir/client-replica1.txt" \
    2>"$run_dir/client-replica1-stderr.txt"
exit 0
