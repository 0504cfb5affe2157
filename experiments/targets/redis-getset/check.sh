#!/bin/sh
# Oracle for redis-getset: good only when SET said OK and GET returned 'value'.
# Prints one line either way; exit 0 means good.
set -u
run_dir=${1:?usage: check.sh RUN_DIR}

for f in client-set.txt client-get.txt; do
    if [ ! -f "$run_dir/$f" ]; then
        echo "workload left no $f: it did not run to the end"
        exit 1
    fi
done

# redis-cli prints one reply per line when stdout is not a terminal;
# a nil reply is an empty line. Keep the first line only.
set_reply=$(head -n 1 "$run_dir/client-set.txt")
get_reply=$(head -n 1 "$run_dir/client-get.txt")

if [ "$set_reply" != "OK" ]; then
    echo "SET key value said '$set_reply', not OK" \
        "(GET key returned '$get_reply')"
    exit 1
fi
if [ "$get_reply" != "value" ]; then
    echo "lost write: GET key returned '$get_reply' after SET said OK"
    exit 1
fi
echo "GET key returned '$get_reply'"
exit 0
