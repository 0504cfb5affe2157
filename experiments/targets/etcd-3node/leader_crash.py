#!/usr/bin/env python3
"""Crash each etcd member in turn mid-workload and report the runs where it was the leader.

    python3 experiments/targets/etcd-3node/leader_crash.py [--build DIR] [--rounds N] [-o DIR]

Each round runs etcd-3node once per member with the plan "crash MEMBER just before its 5th
reply to the client". Which member leads is decided by its election, so the leader at the
crash is read back from the trace: the leader talks to both followers (appends and
heartbeats), a follower only to the leader, so it is the member whose smaller count of
sends to a peer, before the crash, is the largest. For each run it prints the verdict, the
checker's answer, and the history's ok, fail and info operations, split at the crash.
"""
import argparse
import json
import pathlib
import subprocess
import sys

MEMBERS = ["e1", "e2", "e3"]


def leader_before(trace, crash_ns):
    sends = {}
    for e in trace["events"]:
        point = e.get("point") or {}
        if e["time_ns"] >= crash_ns or e.get("moved", 0) <= 0 or point.get("op") != "send":
            continue
        me, peer = point["node"], point["peer"]
        if me in MEMBERS and peer in MEMBERS and peer != me:
            sends[(me, peer)] = sends.get((me, peer), 0) + 1
    score = {m: min(sends.get((m, p), 0) for p in MEMBERS if p != m) for m in MEMBERS}
    return max(score, key=score.get), score


def history_split(path, crash_mono_ns):
    before, after = {}, {}
    open_ops = {}
    for line in path.read_text().splitlines():
        e = json.loads(line)
        if e["type"] == "invoke":
            open_ops[e["process"]] = e
            continue
        open_ops.pop(e["process"])
        side = before if e["time"] < crash_mono_ns else after
        side[e["type"]] = side.get(e["type"], 0) + 1
    return before, after


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("-o", default="/tmp/etcd-leader-crash")
    args = ap.parse_args()
    build = pathlib.Path(args.build).resolve()
    fissure = build / "explorer" / "fissure"
    spec = build / "experiments" / "targets" / "etcd-3node" / "target.toml"
    out = pathlib.Path(args.o)
    out.mkdir(parents=True, exist_ok=True)
    leader_runs = 0
    for r in range(args.rounds):
        for m in MEMBERS:
            run = out / f"{m}-{r}"
            subprocess.run(["rm", "-rf", str(run)])
            plan = out / f"crash-{m}.json"
            plan.write_text(json.dumps({"faults": [{"kind": "crash", "when": "before", "at": {
                "node": m, "op": "send", "peer": "client", "k": 5}}]}))
            p = subprocess.run([str(fissure), "run", str(spec), "--plan", str(plan), "-o",
                                str(run)], capture_output=True, text=True)
            rec = json.loads((run / "run.json").read_text())["run"]
            subprocess.run([str(fissure), "show", str(run), "--json", "-o",
                            str(run / "trace.json")], capture_output=True)
            trace = json.loads((run / "trace.json").read_text())["trace"]
            fired = [e for e in trace["events"] if e.get("injected")]
            if not fired:
                print(f"{run.name}: the crash did not fire (exit {p.returncode})")
                continue
            crash_ns = fired[0]["time_ns"]
            leader, score = leader_before(trace, crash_ns)
            before, after = history_split(run / "history.jsonl", crash_ns)
            is_leader = leader == m
            leader_runs += is_leader
            print(f"{run.name}: crashed {m}, leader {leader} {score}; exit {p.returncode}, "
                  f"{rec['verdict']}, history {rec['history']}; before the crash {before}, "
                  f"after {after}{'  <- leader crash' if is_leader else ''}")
    print(f"{leader_runs} of {args.rounds * len(MEMBERS)} runs crashed the leader")
    return 0


if __name__ == "__main__":
    sys.exit(main())
