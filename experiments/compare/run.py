#!/usr/bin/env python3
"""Runs and wall time each strategy needs on the benchmark suite: to the first counterexample
on a buggy target, to certification on a correct one. Counted as Molly counts: one fault-free
run plus the runs with faults up to and including the first that fails (the campaign's other
baseline runs are reported beside). random runs over 25 seeds; coverage, ldfi and hybrid over
5 (their seed orders ties, and the targets' timing varies between runs: on 2pc-ctp one
hybrid seed took 3 to 10 runs); exhaustive once. A campaign that reaches the budget without an answer counts as the budget,
marked '>' (its mean is then a lower bound).

    python3 experiments/compare/run.py [--targets simple-deliv,2pc] [--budget 300]
        [--search-seeds 5] [--strategies ldfi,hybrid --reuse OLD/results.csv]
        [--seeds 25] [--jobs 2] [--out experiments/compare/results]

ldfi and hybrid run one plan at a time (--jobs 1), as Molly does: what each run teaches
decides the next hypothesis. random, exhaustive and coverage run --jobs at once; their counts
are in the journal's order either way.

Writes results.csv (one line per campaign), results.md (the table, beside Molly's published
counts) and results.svg (runs per target and strategy, log scale) into --out.
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRATEGIES = ["random", "exhaustive", "coverage", "ldfi", "hybrid"]


def campaign(fissure, spec, strategy, seed, budget, jobs, scratch):
    out = Path(tempfile.mkdtemp(prefix=f"{strategy}-{seed}-", dir=scratch))
    shutil.rmtree(out)
    cmd = [fissure, "explore", str(spec), "--strategy", strategy, "--seed", str(seed),
           "--runs", str(budget), "--jobs", str(jobs), "--replays", "0", "--until-answer",
           "-o", str(out)]
    started = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    first = summary["runs_to_first_bug"]
    certified = summary["certified"]["certified"]
    baseline_extra = max(0, summary["baseline"] - 1)
    if first is not None:
        answer, runs = "bug", first
    elif certified:
        # Certification counts as Molly counts too: the fault-free run and the runs with faults.
        answer, runs = "certified", summary["certified"]["at_run"] - baseline_extra
    elif summary["exhausted"] and strategy == "exhaustive":
        # Every plan within the bounds ran: exhaustion is a certificate of its own.
        answer, runs = "certified", summary["runs"] - baseline_extra
    else:
        answer, runs = "none", summary["runs"] - baseline_extra
    return {"answer": answer, "runs": runs, "seconds": round(wall, 2),
            "solver_seconds": round(summary["search"]["solver_seconds"], 3),
            "hypotheses": summary["search"]["hypotheses"], "extra_baseline": baseline_extra}


def fmt_runs(values, censored):
    if not values:
        return "-"
    mean = sum(values) / len(values)
    text = f"{mean:.1f}" if len(values) > 1 else f"{values[0]}"
    return (">" if censored else "") + text


def svg(rows, strategies, path):
    colours = {"random": "#999999", "exhaustive": "#6c8ebf", "coverage": "#d79b00",
               "ldfi": "#82b366", "hybrid": "#b85450", "molly": "#333333"}
    series = strategies + ["molly"]
    width, height, left, bottom = 120 + 95 * len(rows), 360, 60, 300
    top = max([r[s] for r in rows for s in series
               if isinstance(r.get(s), (int, float)) and r.get(s)] + [10])
    ymax = math.log10(top) + 0.3
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="black"/>']
    for e in range(0, int(ymax) + 1):
        y = bottom - 260 * e / ymax
        out.append(f'<text x="{left - 8}" y="{y + 4:.0f}" text-anchor="end">{10 ** e}</text>'
                   f'<line x1="{left}" y1="{y:.0f}" x2="{width - 10}" y2="{y:.0f}" '
                   f'stroke="#eee"/>')
    bar = 80 / len(series)
    for i, r in enumerate(rows):
        x0 = left + 10 + 95 * i
        for j, s in enumerate(series):
            v = r.get(s) if isinstance(r.get(s), (int, float)) else None
            if not v:
                continue
            h = 260 * math.log10(max(v, 1)) / ymax + 2
            out.append(f'<rect x="{x0 + j * bar:.1f}" y="{bottom - h:.1f}" width="{bar - 1:.1f}" '
                       f'height="{h:.1f}" fill="{colours[s]}"><title>{r["target"]} {s}: {v}'
                       f'</title></rect>')
        out.append(f'<text x="{x0 + 40}" y="{bottom + 14}" text-anchor="middle">{r["target"]}'
                   f'</text>')
    for j, s in enumerate(series):
        out.append(f'<rect x="{left + 10 + 90 * j}" y="325" width="10" height="10" '
                   f'fill="{colours[s]}"/><text x="{left + 24 + 90 * j}" y="334">{s}</text>')
    out.append(f'<text x="10" y="14">runs to the first counterexample, or to certification '
               f'(log scale)</text></svg>')
    path.write_text("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--targets", default="", help="comma-separated; default: every suite target")
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--budget", type=int, default=300)
    ap.add_argument("--seeds", type=int, default=25, help="seeds for random")
    ap.add_argument("--search-seeds", type=int, default=5,
                    help="seeds for coverage, ldfi and hybrid: the targets' timing varies "
                         "from run to run (timeouts), and with it what each run teaches")
    ap.add_argument("--reuse", default="",
                    help="a results.csv whose campaigns stand for the strategies not run now")
    ap.add_argument("--jobs", type=int, default=2, help="for random, exhaustive, coverage")
    ap.add_argument("--fissure", default="", help="the fissure binary (default: BUILD's)")
    ap.add_argument("--out", default=str(ROOT / "experiments/compare/results"))
    a = ap.parse_args()
    build = Path(a.build)
    fissure = a.fissure or str(build / "explorer/fissure")
    suite = build / "experiments/targets"
    names = a.targets.split(",") if a.targets else sorted(
        p.parent.name for p in suite.glob("*/answer.toml"))
    run_now = a.strategies.split(",")
    reused = []
    if a.reuse:
        with open(a.reuse, newline="") as f:
            reused = [r for r in csv.DictReader(f) if r["strategy"] not in run_now]
        for r in reused:
            for k in ("runs", "seed", "hypotheses", "extra_baseline"):
                r[k] = int(r[k])
            for k in ("seconds", "solver_seconds"):
                r[k] = float(r[k])
    strategies = [s for s in STRATEGIES if s in run_now or any(r["strategy"] == s for r in reused)]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="fissure-compare-")
    lines, rows = [], []
    for name in names:
        spec = suite / name / "target.toml"
        answer = tomllib.loads((suite / name / "answer.toml").read_text())
        row = {"target": name, "expect": answer["expect"], "molly": answer.get("molly_runs"),
               "molly_random": answer.get("random_mean")}
        for s in strategies:
            if answer["expect"] == "correct" and s in ("random", "coverage"):
                continue  # they never run out of plans, so they cannot certify
            n = a.seeds if s == "random" else a.search_seeds if s != "exhaustive" else 1
            seeds = range(1, n + 1)
            results = [r for r in reused if r["target"] == name and r["strategy"] == s]
            lines.extend(results)
            for seed in seeds if s in run_now else []:
                jobs = 1 if s in ("ldfi", "hybrid") else a.jobs
                r = campaign(fissure, spec, s, seed, a.budget, jobs, scratch)
                r.update({"target": name, "strategy": s, "seed": seed})
                lines.append(r)
                results.append(r)
                print(f"{name} {s} seed {seed}: {r['answer']} after {r['runs']} runs, "
                      f"{r['seconds']} s", flush=True)
            want = "bug" if answer["expect"] == "bug" else "certified"
            censored = any(r["answer"] != want for r in results)
            runs = [r["runs"] for r in results]
            row[s] = sum(runs) / len(runs)
            row[s + "_text"] = fmt_runs(runs, censored)
            row[s + "_seconds"] = sum(r["seconds"] for r in results) / len(results)
            row[s + "_found"] = sum(r["answer"] == want for r in results)
            row[s + "_n"] = len(results)
        rows.append(row)
    with open(out / "results.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["target", "strategy", "seed", "answer", "runs",
                                          "seconds", "solver_seconds", "hypotheses",
                                          "extra_baseline"])
        w.writeheader()
        w.writerows(lines)
    md = ["| target | expect | Molly | Molly's random | " +
          " | ".join(strategies) + " | hybrid wall s |",
          "|---|---|---|---|" + "---|" * len(strategies) + "---|"]
    for r in rows:
        cells = []
        for s in strategies:
            if s + "_text" not in r:
                cells.append("-")
                continue
            cell = r[s + "_text"]
            if r[s + "_n"] > 1:
                cell += f" ({r[s + '_found']}/{r[s + '_n']})"
            cells.append(cell)
        md.append(f"| {r['target']} | {r['expect']} | {r.get('molly') or '-'} | "
                  f"{r.get('molly_random') or '-'} | " + " | ".join(cells) +
                  f" | {r.get('hybrid_seconds', 0):.1f} |")
    md.append("")
    md.append("random and coverage never run out of plans, so they cannot certify a correct "
              "target ('-'); exhaustive certifies by running every plan within the bounds.")
    md.append("")
    md.append(f"Runs counted as Molly counts (fault-free run + faulted runs up to the first "
              f"failure, or to certification); budget {a.budget} runs; ldfi and hybrid --jobs 1, the others "
              f"--jobs {a.jobs}; random "
              f"over {a.seeds} seeds, coverage, ldfi and hybrid over {a.search_seeds}, as "
              f"(found/seeds) with the mean; '>' marks a mean with campaigns that "
              f"ended without the answer (counted at the budget).")
    (out / "results.md").write_text("\n".join(md) + "\n")
    svg(rows, strategies, out / "results.svg")
    shutil.rmtree(scratch, ignore_errors=True)
    print((out / "results.md").read_text())


if __name__ == "__main__":
    main()
