#!/bin/sh
# Oracle for redis-wait, judged as a history of one write and one read would be:
# the write is promised to both replicas only when, on one master connection,
# SET said OK and WAIT then said 2. Only then must replica1's GET, if it
# answered, return 'value'. A master that died or was cut off before WAIT said
# 2 made no promise (Redis replicates asynchronously), and a GET that failed
# tells nothing: both are unavailability, which is no bug.
# Prints one line saying what happened; exit 0 means good.
set -u
run_dir=${1:?usage: check.sh RUN_DIR}

for f in client-master.txt client-master-stderr.txt \
         client-replica1.txt client-replica1-stderr.txt; do
    if [ ! -f "$run_dir/$f" ]; then
        echo "workload left no $f: it did not run to the end"
        exit 1
    fi
done

# The first line of a file: the verdict is one line.
first() { head -n 1 "$1"; }

# client-master.txt holds, one per line:
# CLIENT ID, SET reply, WAIT reply, CLIENT ID.
lines=$(wc -l <"$run_dir/client-master.txt")
id1=$(sed -n 1p "$run_dir/client-master.txt")
set_reply=$(sed -n 2p "$run_dir/client-master.txt")
wait_reply=$(sed -n 3p "$run_dir/client-master.txt")
id2=$(sed -n 4p "$run_dir/client-master.txt")
get_reply=$(first "$run_dir/client-replica1.txt")

promised=0
if [ ! -s "$run_dir/client-master-stderr.txt" ] && [ "$lines" -eq 4 ] &&
   [ "$id1" = "$id2" ] && [ "$set_reply" = OK ] && [ "$wait_reply" = 2 ]; then
    promised=1
fi
if [ "$promised" = 0 ]; then
    why="SET said '$set_reply', WAIT said '$wait_reply'"
    [ -s "$run_dir/client-master-stderr.txt" ] &&
        why="$why ($(first "$run_dir/client-master-stderr.txt"))"
    echo "unavailable: the write was not acknowledged by both replicas: $why"
    exit 0
fi
if [ -s "$run_dir/client-replica1-stderr.txt" ]; then
    echo "SET OK, WAIT acknowledged by 2 of 2 replicas; GET on replica1 failed" \
         "($(first "$run_dir/client-replica1-stderr.txt")): unavailable"
    exit 0
fi
if [ "$get_reply" != value ]; then
    echo "lost write: WAIT acknowledged SET key value on 2 of 2 replicas," \
         "then replica1 returned '$get_reply' for key"
    exit 1
fi
echo "SET OK, WAIT acknowledged by 2 of 2 replicas, replica1 returned 'value'"
exit 0
