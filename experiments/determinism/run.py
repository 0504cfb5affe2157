#!/usr/bin/env python3
"""Determinism study (Box of Pain's question): run the redis-getset target N times without
faults and with each fixed plan in plans/, and count how many distinct communication
patterns appear (fissure's CommPattern: per node and peer, which operation followed which)
and how often each does. Writes runs.csv, patterns.csv (sequence frequencies), summary.csv and histogram.svg to --out. Both
abstraction levels are counted: the pattern (pairs) and the finer per-node sequence.

usage: run.py [--runs N] [--target NAME] [--cpu C] [--fissure PATH] [--out DIR]
"""
import argparse
import collections
import csv
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def one_run(fissure, spec, plan, work, i, cpu):
    out = os.path.join(work, f"run-{i}")
    cmd = [fissure, "trace", spec, "-o", out] if plan is None else [fissure, "run", spec, "--plan", plan, "-o", out]
    cmd += ["--cpu", str(cpu)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    try:
        with open(os.path.join(out, "run.json")) as f:
            rec = json.load(f)["run"]
    except (OSError, ValueError, KeyError):
        sys.exit(f"run {i} left no run.json (exit {proc.returncode}): {proc.stderr.strip()}")
    shutil.rmtree(out, ignore_errors=True)
    return rec["pattern"], rec["sequence"], rec["verdict"], len(rec["fired"]), len(rec["unreached"])


def svg_histogram(title, groups, path):
    """One panel per configuration: a bar per distinct pattern, tallest first."""
    bar_w, gap, panel_h, top, left = 18, 4, 180, 40, 50
    widest = max(len(c) for _, c in groups)
    width = left + max(300, widest * (bar_w + gap)) + 20
    height = top + len(groups) * (panel_h + 60)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">{title}: how often each distinct per-node sequence occurred</text>']
    y0 = top
    for name, counts in groups:
        total, peak = sum(counts), max(counts)
        out.append(f'<text x="{left}" y="{y0 + 14}" font-size="13">{html.escape(name)}: {len(counts)} distinct pattern(s) in {total} runs</text>')
        base = y0 + panel_h + 20
        out.append(f'<line x1="{left}" y1="{base}" x2="{width - 20}" y2="{base}" stroke="black"/>')
        for i, c in enumerate(counts):
            h = (panel_h - 30) * c / peak
            x = left + i * (bar_w + gap)
            out.append(f'<rect x="{x}" y="{base - h:.1f}" width="{bar_w}" height="{h:.1f}" fill="#3b6ea5"><title>{c} runs</title></rect>')
            out.append(f'<text x="{x + bar_w / 2}" y="{base - h - 3:.1f}" text-anchor="middle" font-size="10">{c}</text>')
        out.append(f'<text x="{left - 8}" y="{base + 14}" text-anchor="end" font-size="10">runs</text>')
        y0 += panel_h + 60
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--fissure", default=os.path.join(ROOT, "build", "explorer", "fissure"))
    ap.add_argument("--out", default=os.path.join(ROOT, "experiments", "determinism", "results"))
    ap.add_argument("--target", default="redis-getset",
                    help="a bundled target; plans/ (written for redis-getset) are used only with it")
    ap.add_argument("--cpu", type=int, default=0, help="fissure --cpu: 0 pins the run to CPU 0, -1 leaves it unpinned")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    spec = os.path.join(ROOT, "experiments", "targets", args.target, "target.toml")
    configs = [("fault-free", None)]
    if args.target == "redis-getset":
        configs += [(os.path.splitext(p)[0], os.path.join(HERE, "plans", p))
                    for p in sorted(os.listdir(os.path.join(HERE, "plans")))]
    rows, groups, summary = [], [], []
    work = tempfile.mkdtemp(prefix="fissure-determinism-")
    try:
        for name, plan in configs:
            patterns, sequences, verdicts = collections.Counter(), collections.Counter(), collections.Counter()
            for i in range(args.runs):
                pattern, sequence, verdict, fired, unreached = one_run(args.fissure, spec, plan, work, i, args.cpu)
                patterns[pattern] += 1
                sequences[sequence] += 1
                verdicts[verdict] += 1
                rows.append((name, i, pattern, sequence, verdict, fired, unreached))
                if (i + 1) % 50 == 0:
                    print(f"  {name}: {i + 1}/{args.runs} runs, {len(patterns)} distinct patterns", flush=True)
            top, top_seq = patterns.most_common(1)[0][1], sequences.most_common(1)[0][1]
            print(f"{name:<24} {args.runs} runs: {len(patterns)} distinct patterns (most common {100 * top / args.runs:.1f}%), "
                  f"{len(sequences)} distinct sequences (most common {100 * top_seq / args.runs:.1f}%); "
                  f"verdicts {dict(verdicts)}", flush=True)
            groups.append((f"{name} (sequences)", [c for _, c in sequences.most_common()]))
            summary.append((name, len(patterns), top, len(sequences), top_seq, dict(verdicts)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with open(os.path.join(args.out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["config", "run", "pattern", "sequence", "verdict", "faults_fired", "faults_unreached"])
        w.writerows(rows)
    with open(os.path.join(args.out, "patterns.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["config", "sequence_rank", "runs"])
        for name, counts in groups:
            for rank, c in enumerate(counts, 1):
                w.writerow([name, rank, c])
    with open(os.path.join(args.out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["config", "runs", "distinct_patterns", "top_pattern_runs", "distinct_sequences",
                    "top_sequence_runs", "verdicts"])
        for name, np_, tp, ns, ts, v in summary:
            w.writerow([name, args.runs, np_, tp, ns, ts, " ".join(f"{k}={n}" for k, n in sorted(v.items()))])
    svg_histogram(args.target, groups, os.path.join(args.out, "histogram.svg"))
    print(f"wrote {args.out}/runs.csv, patterns.csv, summary.csv, histogram.svg")


if __name__ == "__main__":
    main()
