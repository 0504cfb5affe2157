#!/bin/sh
# Oracle for redis-replication: good only when, on one master connection, SET
# said OK and WAIT reported 2 replicas, and then replica1 returned 'value'.
# Prints one line naming every problem found; exit 0 means good.
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

problems=""
add() { problems="${problems:+$problems; }$1"; }

# client-master.txt holds, one per line:
# CLIENT ID, SET reply, WAIT reply, CLIENT ID.
if [ -s "$run_dir/client-master-stderr.txt" ]; then
    add "redis-cli to master: $(first "$run_dir/client-master-stderr.txt")"
fi
lines=$(wc -l <"$run_dir/client-master.txt")
id1=$(sed -n 1p "$run_dir/client-master.txt")
set_reply=$(sed -n 2p "$run_dir/client-master.txt")
wait_reply=$(sed -n 3p "$run_dir/client-master.txt")
id2=$(sed -n 4p "$run_dir/client-master.txt")
if [ "$lines" -ne 4 ]; then
    add "master gave $lines replies to 4 commands"
elif [ "$id1" != "$id2" ]; then
    ids="client id $id1, then $id2"
    add "redis-cli reconnected to master ($ids), so WAIT did not cover the SET"
fi
if [ "$set_reply" != "OK" ]; then
    add "SET key value said '$set_reply', not OK"
fi
case $wait_reply in
    2) ;;
    [0-9]|[0-9][0-9]) add "WAIT acknowledged by $wait_reply of 2 replicas" ;;
    *) add "WAIT 2 2000 said '$wait_reply'" ;;
esac

get_reply=$(first "$run_dir/client-replica1.txt")
if [ -s "$run_dir/client-replica1-stderr.txt" ]; then
    err=$(first "$run_dir/client-replica1-stderr.txt")
    add "GET key on replica1 failed: $err"
elif [ "$get_reply" != "value" ]; then
    if [ "$set_reply" = "OK" ]; then
        add "replica1 returned '$get_reply' for key after SET OK"
    else
        add "replica1 returned '$get_reply' for key"
    fi
fi

if [ -n "$problems" ]; then
    echo "$problems"
    exit 1
fi
echo "SET OK, WAIT acknowledged by 2 of 2 replicas, replica1 returned 'value'"
exit 0
