#!/usr/bin/env python3
"""What an etcd-3node campaign explored, from its run directories alone.

    python3 experiments/targets/etcd-3node/campaign_stats.py CAMPAIGN_DIR [CAMPAIGN_DIR...]

For every run (runs/*/ and their replay-*/), it reads plan.json, run.json and history.jsonl
and prints: runs, distinct plans (by run.json's plan id), fault kinds planned and fired, runs
in which a fault fired, verdicts, the checker's answers, and the operations the history
holds by completion (ok, fail, info, and invocations never completed).
"""
import collections
import json
import pathlib
import re
import sys


def history_counts(path):
    counts = collections.Counter()
    open_ops = {}
    if not path.exists():
        return counts, False
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            counts["torn line"] += 1
            continue
        if e["type"] == "invoke":
            open_ops[e["process"]] = e["f"]
            continue
        f = open_ops.pop(e["process"], None)
        counts[e["type"]] += 1
        counts[f"{e['type']} {f}"] += 1
    counts["never completed"] += len(open_ops)
    return counts, True


def shape(fired):
    """A fired fault without its point: 'partition e2,client | e1,e3, heal after 1000ms',
    'crash e1 just after'."""
    m = re.match(r"partition (.*) from .*?(, heal after \d+ms)?$", fired)
    if m:
        return f"partition {m.group(1)}{m.group(2) or ', never healed'}"
    m = re.match(r"crash (\S+) just (before|after)", fired)
    if m:
        return f"crash {m.group(1)} just {m.group(2)}"
    return fired


def run_dirs(campaign):
    for run in sorted((campaign / "runs").iterdir()):
        if (run / "run.json").exists():
            yield run
        for replay in sorted(run.glob("replay-*")):
            if (replay / "run.json").exists():
                yield replay


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    runs = 0
    plans = set()
    fault_plans = set()
    kinds_planned = collections.Counter()
    kinds_fired = collections.Counter()
    shapes = collections.Counter()
    runs_fired = 0
    verdicts = collections.Counter()
    answers = collections.Counter()
    ops = collections.Counter()
    missing = 0
    for campaign in map(pathlib.Path, argv[1:]):
        for run in run_dirs(campaign):
            runs += 1
            rec = json.loads((run / "run.json").read_text())["run"]
            plan = json.loads((run / "plan.json").read_text())
            plans.add(rec["plan_id"])
            if plan["faults"]:
                fault_plans.add(rec["plan_id"])
            for f in plan["faults"]:
                kinds_planned[f["kind"]] += 1
            for fired in rec["fired"]:
                kinds_fired[fired.split()[0]] += 1
                shapes[shape(fired)] += 1
            runs_fired += bool(rec["fired"])
            verdicts[f"{rec['verdict']}: {rec['message']}"] += 1
            answers[rec.get("history") or "(none)"] += 1
            counts, present = history_counts(run / "history.jsonl")
            missing += not present
            ops.update(counts)
    print(f"runs: {runs} ({len(plans)} distinct plans, {len(fault_plans)} of them with faults)")
    print(f"faults planned: {dict(kinds_planned)}; fired: {dict(kinds_fired)}")
    print(f"runs in which a fault fired: {runs_fired}")
    for sh, n in sorted(shapes.items()):
        print(f"  {n:3} {sh}")
    print("verdicts: " + "; ".join(f"{n} {v}" for v, n in verdicts.most_common()))
    print("checker: " + ", ".join(f"{n} {a}" for a, n in answers.most_common()))
    print(f"operations: {ops['ok']} ok, {ops['fail']} fail, {ops['info']} info, "
          f"{ops['never completed']} never completed; runs without a history: {missing}")
    detail = sorted((k, n) for k, n in ops.items() if " " in k and k != "never completed")
    print("  by function: " + ", ".join(f"{k} {n}" for k, n in detail))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
