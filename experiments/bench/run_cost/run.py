#!/usr/bin/env python3
"""Where a fault-free run's wall time goes, against the floor of a plain shell script.

For each target, `fissure trace` runs the cluster with FISSURE_DEBUG=phases, which prints
the session's phases: setup (timer, namespace init), start (inside spawn: fork, the first
ptrace stop, options), ready (waiting for each node's readiness check), workload, oracle,
teardown (the kill to the last reaped task) and post (causality). `cli` is the rest of the
process's wall time (loading the spec, writing the trace). The floor is the same cluster
started by a generated bash script: the same commands, in order, each after the
previous passed the same readiness check polled every 5 ms (fissure's tick), then the
workload, the oracle and a SIGKILL of every process group. Both sides get new network and
PID namespaces (fissure by itself, the script by unshare), since the targets' ports are
fixed and others may use the machine.

Everything runs pinned to one CPU (`taskset -c CPU`, and fissure's own --cpu CPU pins the
tracer and its tracees there too), so a run's wall time is its cost on one core and runs/s
per core is 1000 / median wall ms for runs one after another on a core, and 1000 / median
CPU ms (user + system of the whole process tree, from wait4) for as many side by side as
the core can take: the second holds up better on a machine that others load too. fissure and the floor are interleaved in each
repetition so machine noise hits them alike; medians are reported.

usage: run.py [--fissure PATH] [--build DIR] [--reps R] [--cpu N] [--csv FILE]
"""
import argparse
import csv
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
PHASES = ["setup", "start", "ready", "workload", "oracle", "teardown", "post"]
FLOOR_PHASES = ["start", "ready", "workload", "oracle", "teardown"]


def floor_script(spec_path, run_dir):
    """A bash script that runs the spec's cluster as fissure does, minus the tracer."""
    with open(spec_path, "rb") as f:
        spec = tomllib.load(f)
    spec_dir = os.path.dirname(os.path.abspath(spec_path))

    def expand(a):
        return a.replace("${RUN_DIR}", run_dir).replace("${SPEC_DIR}", spec_dir)

    def program(p):
        return os.path.normpath(os.path.join(spec_dir, p)) if p.startswith(("./", "../")) else p

    lines = [
        "#!/bin/bash",
        "set -u",
        "ip link set lo up",
        f"cd {shlex.quote(run_dir)}",
        f"export RUN_DIR={shlex.quote(run_dir)}",
        "set -m  # each background job in a process group of its own, as fissure's nodes",
        # The same check as fissure's tcp: readiness, a socket in LISTEN (0A) on the port, read
        # and waited for with builtins only: a fork per poll would cost more than fissure's
        # netlink query, and the floor would not be one.
        # mapfile reads a /proc table in a few reads where `read` takes a byte a call, each
        # making the kernel print the table again.
        "listening() {",
        "  local f line",
        "  for f in /proc/net/tcp /proc/net/tcp6; do",
        "    [ -r $f ] || continue",
        "    mapfile -t lines <$f",
        "    for line in \"${lines[@]}\"; do",
        "      [[ $line == *\":$1 \"*\" 0A \"* ]] && return 0",
        "    done",
        "  done",
        "  return 1",
        "}",
        "exec {tick}<> <(:)  # a pipe nobody writes to: read -t on it is a sleep without a fork",
        "pause() { read -t 0.005 -u $tick; }",
        "pids=''",
        "workloads=''",
        "spawn=0; ready=0",
        "t0=${EPOCHREALTIME/./}",
    ]
    for node in spec["node"]:
        argv = [program(node["cmd"][0])] + [expand(a) for a in node["cmd"][1:]]
        name = node["name"]
        env = " ".join(f"{k}={shlex.quote(expand(v))}" for k, v in node.get("env", {}).items())
        lines.append("a=${EPOCHREALTIME/./}")
        lines.append(f"{env + ' ' if env else ''}{' '.join(shlex.quote(a) for a in argv)} "
                     f"</dev/null >{shlex.quote(name)}.out 2>{shlex.quote(name)}.err &")
        lines.append("pid=$!; pids=\"$pids $pid\"")
        if node.get("role") == "workload":
            lines.append("workloads=\"$workloads $pid\"")
        lines.append("b=${EPOCHREALTIME/./}; spawn=$((spawn + b - a))")
        ready = node.get("ready", "")
        if ready.startswith("tcp:"):
            port = "%04X" % int(ready[4:])
            lines.append(f"until listening {port}; do pause; done")
        elif ready:
            sys.exit(f"{spec_path}: node '{name}': the floor script knows tcp: readiness only")
        lines.append("c=${EPOCHREALTIME/./}; ready=$((ready + c - b))")
    lines += [
        "w0=${EPOCHREALTIME/./}",
        "for p in $workloads; do wait $p; done",
        "w1=${EPOCHREALTIME/./}",
    ]
    oracle = spec.get("oracle", {}).get("cmd")
    if oracle:
        argv = [program(oracle[0])] + [expand(a) for a in oracle[1:]]
        lines.append(f"{' '.join(shlex.quote(a) for a in argv)} >oracle.out 2>&1 </dev/null")
    lines += [
        "o1=${EPOCHREALTIME/./}",
        "for p in $pids; do kill -KILL -$p 2>/dev/null; done",
        "wait",
        "e=${EPOCHREALTIME/./}",
        'echo "floor phases: start $((spawn)) ready $((ready)) workload $((w1-w0))'
        ' oracle $((o1-w1)) teardown $((e-o1)) us"',
    ]
    return "\n".join(lines) + "\n"


def parse(pattern, text, scale, required=True):
    m = re.search(pattern + r": (.*) (ms|us)$", text, re.M)
    if not m:
        if not required:
            return {}
        raise RuntimeError(f"no '{pattern}' line in:\n{text}")
    words = m.group(1).split()
    return {words[i]: float(words[i + 1]) / scale for i in range(0, len(words), 2)}


def timed(argv, env=None):
    """Runs argv; returns its exit code, stdout, stderr, wall ms and CPU ms (user + system of
    it and every descendant it reaped: fissure reaps its nodes, the script its jobs)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        wall = (time.monotonic() - t) * 1000
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read(), wall, (ru.ru_utime + ru.ru_stime) * 1000


def run_fissure(fissure, spec, cpu):
    work = tempfile.mkdtemp(prefix="fissure-runcost-")
    try:
        env = dict(os.environ, FISSURE_DEBUG="phases")
        rc, _, err, wall, cpu_ms = timed(["taskset", "-c", cpu, fissure, "trace", spec, "-o",
                                          os.path.join(work, "run"), "--cpu", cpu], env)
        if rc != 0:
            raise RuntimeError(f"fissure trace {spec} exited {rc}:\n{err}")
        # A fissure from before FISSURE_DEBUG=phases gives its wall time only.
        phases = parse("fissure phases", err, 1, required=False)
        if phases:
            phases["cli"] = wall - sum(phases[p] for p in PHASES)
        phases["wall"] = wall
        phases["cpu"] = cpu_ms
        return phases
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_floor(spec, cpu):
    work = tempfile.mkdtemp(prefix="fissure-runfloor-")
    try:
        script = os.path.join(work, "floor.sh")
        run_dir = os.path.join(work, "run")
        os.makedirs(run_dir)
        with open(script, "w") as f:
            f.write(floor_script(spec, run_dir))
        rc, out, err, wall, cpu_ms = timed(["taskset", "-c", cpu, "unshare", "--net", "--pid",
                                            "--fork", "bash", script])
        if rc != 0:
            raise RuntimeError(f"floor script for {spec} exited {rc}:\n{err}")
        phases = parse("floor phases", out, 1000)
        phases["wall"] = wall
        phases["cpu"] = cpu_ms
        return phases
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="fissure's build directory")
    ap.add_argument("--fissure", default=None, help="default: BUILD/explorer/fissure")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--cpu", default="0", help="the one CPU everything runs on")
    ap.add_argument("--csv", default=None, help="also write every measurement here")
    args = ap.parse_args()
    fissure = args.fissure or os.path.join(args.build, "explorer", "fissure")
    targets = {
        "redis-wait": os.path.join(ROOT, "experiments", "targets", "redis-wait", "target.toml"),
        "simple-deliv": os.path.join(args.build, "experiments", "targets", "simple-deliv", "target.toml"),
    }
    rows = []
    for rep in range(args.reps):
        for name, spec in targets.items():
            for config, fn in (("fissure", lambda: run_fissure(fissure, spec, args.cpu)),
                               ("floor", lambda: run_floor(spec, args.cpu))):
                ph = fn()
                rows.append((rep, name, config, ph))
                print(f"rep {rep + 1}/{args.reps} {name:<17} {config:<7} wall {ph['wall']:8.1f} ms  " +
                      " ".join(f"{k} {v:.1f}" for k, v in ph.items() if k != "wall"), flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["rep", "target", "config", "phase", "ms"])
            for rep, name, config, ph in rows:
                for k, v in ph.items():
                    w.writerow([rep, name, config, k, f"{v:.3f}"])

    print(f"\nmedians over {args.reps} interleaved repetitions, ms; everything on CPU {args.cpu}")
    cols = ["setup", "start", "ready", "workload", "oracle", "teardown", "post", "cli", "wall", "cpu"]
    print(f"{'target':<17} {'config':<7} " + " ".join(f"{c:>8}" for c in cols) +
          f" {'runs/s/core (wall)':>18} {'(cpu)':>6}")
    for name in targets:
        med = {}
        for config in ("fissure", "floor"):
            phs = [r[3] for r in rows if r[1] == name and r[2] == config]
            med[config] = {c: statistics.median(p[c] for p in phs) if c in phs[0] else None
                           for c in cols}
            m = med[config]
            print(f"{name:<17} {config:<7} " +
                  " ".join(f"{m[c]:8.1f}" if m[c] is not None else f"{'-':>8}" for c in cols) +
                  f" {1000 / m['wall']:18.2f} {1000 / m['cpu']:6.1f}")
        print(f"{name:<17} {'ratio':<7} fissure/floor: wall {med['fissure']['wall'] / med['floor']['wall']:.2f}x,"
              f" cpu {med['fissure']['cpu'] / med['floor']['cpu']:.2f}x")


if __name__ == "__main__":
    main()
