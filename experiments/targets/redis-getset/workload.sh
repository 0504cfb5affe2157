#!/bin/sh
# Workload for redis-getset: SET key value, then GET key, each on its own
# redis-cli connection. Replies go to $RUN_DIR/client-set.txt and
# client-get.txt for check.sh, with redis-cli's stderr, so that a failure
# to connect shows up there. Exits non-zero when a redis-cli call fails.
set -u
run_dir=${1:?usage: workload.sh RUN_DIR}
status=0

redis-cli -p 6379 SET key value >"$run_dir/client-set.txt" 2>&1 || status=1
# Run the GET even when the SET failed, so check.sh sees both replies.
redis-cli -p 6379 GET key >"$run_dir/client-get.txt" 2>&1 || status=1

exit $status
