#!/usr/bin/env python3
"""Tracer overhead on Redis: redis-server under no tracer, fissure, and strace.

Every configuration runs redis-server (and its tracer) pinned to one CPU and
redis-benchmark pinned to the other, because on this kind of VM a ptrace stop that
wakes a process on another CPU costs 10-14x more. Configurations are interleaved
within each repetition so machine noise hits them alike; medians are reported.

usage: run.py [--fissure PATH] [--requests N] [--reps R] [--csv FILE]
"""
import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PORT = 6399
SERVER_CPU, CLIENT_CPU = "0", os.environ.get("BENCH_CLIENT_CPU", "0")
REDIS = ["redis-server", "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--protected-mode", "no"]


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port_free(port, timeout=10.0):
    deadline = time.time() + timeout
    while port_open(port):
        if time.time() > deadline:
            raise RuntimeError(f"port {port} still taken: a server from an earlier run survived")
        time.sleep(0.02)


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"redis did not listen on {port}")


def bench_cmd(test, clients, requests):
    return ["taskset", "-c", CLIENT_CPU, "redis-benchmark", "-p", str(PORT), "-c", str(clients),
            "-n", str(requests), "-t", test, "--csv"]


def parse_rps(text, test):
    for line in text.splitlines():
        fields = [f.strip('"') for f in line.strip().split(",")]
        if fields and fields[0].upper() == test.upper() and len(fields) > 1:
            return float(fields[1])
    raise RuntimeError(f"no {test} result in redis-benchmark output:\n{text}")


def run_plain(prefix, test, clients, requests):
    """redis-server under `prefix` (nothing, or strace), benchmark from outside."""
    wait_port_free(PORT)
    # A session of its own: killing strace alone would detach redis-server, not end it.
    server = subprocess.Popen(["taskset", "-c", SERVER_CPU] + prefix + REDIS, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(PORT)
        out = subprocess.run(bench_cmd(test, clients, requests), capture_output=True, text=True, check=True)
        return parse_rps(out.stdout, test)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def run_fissure(fissure, test, clients, requests):
    """redis-server as a traced node; redis-benchmark as an untraced workload node."""
    wait_port_free(PORT)
    work = tempfile.mkdtemp(prefix="fissure-bench-")
    try:
        spec = os.path.join(work, "target.toml")
        quoted = lambda argv: "[" + ", ".join(f'"{a}"' for a in argv) + "]"
        with open(spec, "w") as f:
            f.write(f'''name = "tracer-overhead"
timeout = "10m"
[[node]]
name = "redis"
cmd = {quoted(REDIS)}
ready = "tcp:{PORT}"
[[node]]
name = "bench"
role = "workload"
traced = false
cmd = {quoted(bench_cmd(test, clients, requests))}
''')
        run_dir = os.path.join(work, "run")
        subprocess.run([fissure, "trace", spec, "-o", run_dir, "--cpu", SERVER_CPU],
                       check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(run_dir, "bench.out")) as f:
            return parse_rps(f.read(), test)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fissure", default=os.path.join(ROOT, "build", "explorer", "fissure"))
    ap.add_argument("--requests", type=int, default=50000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--csv", default=None, help="also write every measurement here")
    args = ap.parse_args()
    if os.cpu_count() < 2:
        sys.exit("needs 2 CPUs: the server side and the benchmark are pinned apart")

    same_syscalls = subprocess.run([args.fissure, "syscalls", "--comma"], capture_output=True,
                                   text=True, check=True).stdout.strip()
    configs = {
        "untraced": lambda t, c: run_plain([], t, c, args.requests),
        "fissure": lambda t, c: run_fissure(args.fissure, t, c, args.requests),
        "strace-all": lambda t, c: run_plain(["strace", "-f", "-qq", "-o", "/dev/null"], t, c, args.requests),
        "strace-same": lambda t, c: run_plain(["strace", "-f", "-qq", "-o", "/dev/null", "-e", "trace=" + same_syscalls],
                                              t, c, args.requests),
    }
    workloads = [(t, c) for t in ("get", "set") for c in (1, 10)]
    rows = []
    for rep in range(args.reps):
        for test, clients in workloads:
            for name, fn in configs.items():
                rps = fn(test, clients)
                rows.append((rep, test, clients, name, rps))
                print(f"rep {rep + 1}/{args.reps} {test.upper():3} -c {clients:<2} {name:<11} {rps:10.0f} req/s",
                      flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["rep", "test", "clients", "config", "requests_per_s"])
            w.writerows(rows)

    print(f"\nmedians over {args.reps} interleaved repetitions, {args.requests} requests each; "
          f"redis-server (+tracer) on CPU {SERVER_CPU}, redis-benchmark on CPU {CLIENT_CPU}")
    print(f"{'workload':<10} {'untraced':>9} {'fissure':>9} {'strace-all':>10} {'strace-same':>11} "
          f"{'fis/untr':>8} {'fis/st-all':>10} {'fis/st-same':>11}")
    for test, clients in workloads:
        med = {name: statistics.median(r[4] for r in rows if r[1] == test and r[2] == clients and r[3] == name)
               for name in configs}
        print(f"{test.upper()} -c {clients:<4} {med['untraced']:9.0f} {med['fissure']:9.0f} {med['strace-all']:10.0f} "
              f"{med['strace-same']:11.0f} {med['fissure'] / med['untraced']:8.2f} "
              f"{med['fissure'] / med['strace-all']:10.2f} {med['fissure'] / med['strace-same']:11.2f}")


if __name__ == "__main__":
    main()
