#!/usr/bin/env python3
"""Campaign throughput with --jobs 1 and --jobs 2 on redis-getset.

The exhaustive strategy over crash and error faults proposes the same plans in the same
order for both settings, so the runs compare like for like. The two settings are
interleaved within each repetition; medians of runs per second and their ratio are printed.
Each run is pinned by fissure to the CPU of the TBB arena slot that runs it.

usage: run.py [--fissure PATH] [--runs N] [--reps R]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TARGET = os.path.join(ROOT, "experiments", "targets", "redis-getset")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fissure", default=os.path.join(ROOT, "build", "explorer", "fissure"))
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="fissure-jobs-")
    try:
        spec = os.path.join(work, "target", "target.toml")
        shutil.copytree(TARGET, os.path.dirname(spec))
        with open(spec, "a") as f:
            f.write('\n[faults]\nkinds = ["crash", "error"]\n')
        rates = {1: [], 2: []}
        for rep in range(args.reps):
            for jobs in (1, 2):
                out = os.path.join(work, f"c-{rep}-{jobs}")
                start = time.monotonic()
                proc = subprocess.run([args.fissure, "explore", spec, "--strategy", "exhaustive", "--runs",
                                       str(args.runs), "--jobs", str(jobs), "--replays", "1", "-o", out],
                                      capture_output=True, text=True)
                took = time.monotonic() - start
                if proc.returncode not in (0, 1):
                    raise SystemExit(f"explore failed ({proc.returncode}): {proc.stderr}")
                rates[jobs].append(args.runs / took)
                print(f"rep {rep + 1}/{args.reps} --jobs {jobs}: {args.runs} runs in {took:.2f}s = "
                      f"{args.runs / took:.1f} runs/s", flush=True)
                shutil.rmtree(out, ignore_errors=True)
        m1, m2 = statistics.median(rates[1]), statistics.median(rates[2])
        print(f"\nmedian runs/s: --jobs 1 {m1:.1f}, --jobs 2 {m2:.1f}; ratio {m2 / m1:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
