#!/usr/bin/env python3
"""Times `checker_bench` on the shared Jepsen etcd histories, pinned to CPU 0 as Porcupine's
0.2 s figure was taken (one core). Usage: run.py [--build DIR] [--reps N] [--histories DIR]"""
import argparse
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.normpath(os.path.join(here, "..", "..", ".."))
p = argparse.ArgumentParser()
p.add_argument("--build", default=os.path.join(root, "build"))
p.add_argument("--reps", type=int, default=9)
p.add_argument("--histories",
               default=os.path.normpath(os.path.join(root, "..", "shared", "histories", "jepsen-etcd")))
a = p.parse_args()
bench = os.path.join(a.build, "experiments", "bench", "checker", "checker_bench")
if not os.path.exists(bench):
    sys.exit(f"{bench}: not built; cmake --build {a.build} --target checker_bench")
sys.exit(subprocess.call(["taskset", "-c", "0", bench, a.histories, str(a.reps)]))
