#!/usr/bin/env python3
"""ab_fanout.py: the fan-out scenario against two securechatd builds, in
one run, alternating A and B, so that a change can be shown not to make
delivery slower (the machine is shared and noisy: compare the ratio of
medians measured side by side, never figures from different days).

    python3 test/bench/ab_fanout.py --a OLD_BUILD --b NEW_BUILD \
        [--generator BUILD] [--runs 3] [--receivers 1000] [--senders 10] \
        [--a-config JSON] [--b-config JSON] [--window W] [--round-us U]

--a-config / --b-config add settings to that side's daemon config (a
JSON object), so one build can be compared with itself under two
settings, e.g. --a-config '{"history_days":0}' --b-config
'{"history_days":30}'. After each run the daemon gets SIGUSR1 and its
largest event-loop stall since it started (the "stats:" log line) is
reported with the rate, as is securechat-bench's largest stall of the
steady window (after the warmup), of the warmup and of the setup
(SIGUSR1 stall windows).

Each build is a CMake build folder holding server/securechatd; the load
generator (test/bench/securechat-bench) comes from --generator (default
--b), pinned to CPU 1, the daemon to CPU 0, as in run_matrix.py. Prints
one line per run and the medians, with the generator's own CPU share
(a run where it is above 80 % is bound by the generator).
"""
import argparse
import json
import os
import re
import signal
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_matrix  # noqa: E402


def stall_ms(d):
    """The daemon's largest loop stall since it started (SIGUSR1)."""
    with open(d.log, "rb") as f:
        f.seek(0, os.SEEK_END)
        start = f.tell()
    d.proc.send_signal(signal.SIGUSR1)
    deadline = time.time() + 10
    while time.time() < deadline:
        with open(d.log, "rb") as f:
            f.seek(start)
            m = re.search(rb"stats: .*largest loop stall ([0-9.]+) ms",
                          f.read())
        if m:
            return float(m.group(1))
        time.sleep(0.05)
    return None


def one(label, server_build, gen_build, work, users, args, extra):
    d = run_matrix.Daemon("securechat", server_build, work, users,
                          extra=extra)
    try:
        r = run_matrix.bench(gen_build, ["fanout", "--port", str(d.port),
                                         "--server-pid", str(d.proc.pid),
                                         "--server-log", d.log] +
                             args, 600)
        stall = stall_ms(d)
    finally:
        d.close()
    rate = r.get("deliveries_per_sec")
    cpu = r.get("bench_cpu_pct")
    run_stall = r.get("server_stall_run_ms")
    print("%s: %s deliveries/s, generator CPU %s %%, largest loop stall "
          "%s ms in the steady window (%s ms in the warmup, %s ms in the "
          "setup; %s ms since start), lost %s, status %s" % (
              label, "%.0f" % rate if rate is not None else "?",
              "%.0f" % cpu if cpu is not None else "?",
              "%.3f" % run_stall if run_stall is not None else "?",
              r.get("server_stall_warmup_ms", "?"),
              r.get("server_stall_setup_ms", "?"),
              "%.3f" % stall if stall is not None else "?", r.get("lost"),
              r.get("status")), flush=True)
    return rate, cpu, run_stall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="build folder A (baseline)")
    ap.add_argument("--b", required=True, help="build folder B (change)")
    ap.add_argument("--generator", help="build folder of securechat-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--receivers", type=int, default=1000)
    ap.add_argument("--senders", type=int, default=10)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--window", type=int,
                    help="unacknowledged messages per sender (bench's "
                    "default 64 saturates the daemon's core)")
    ap.add_argument("--round-us", type=int,
                    help="the generator's loop rounds last at least this "
                    "(more frames per read: less generator CPU)")
    ap.add_argument("--a-config", type=json.loads, default={},
                    help="JSON object of settings added to A's config")
    ap.add_argument("--b-config", type=json.loads, default={},
                    help="JSON object of settings added to B's config")
    o = ap.parse_args()
    gen = o.generator or o.b
    work = tempfile.mkdtemp(prefix="scbench-ab-")
    try:
        users = os.path.join(work, "users.json")
        mk = os.path.join(gen, "test", "bench", "securechat-bench")
        os.system("%s make-users --count %d --iterations 1000 --out %s "
                  ">/dev/null" % (mk, o.receivers + o.senders + 10, users))
        args = ["--receivers", str(o.receivers), "--senders",
                str(o.senders), "--duration", str(o.duration)]
        if o.window is not None:
            args += ["--window", str(o.window)]
        if o.round_us is not None:
            args += ["--round-us", str(o.round_us)]
        res = {"A": [], "B": []}
        for i in range(o.runs):
            for label, build, extra in (("A", o.a, o.a_config),
                                        ("B", o.b, o.b_config)):
                res[label].append(one("%s run %d" % (label, i + 1), build,
                                      gen, work, users, args, extra))
        med = {}
        for label in ("A", "B"):
            rates = [r for r, _, _ in res[label] if r is not None]
            cpus = [c for _, c, _ in res[label] if c is not None]
            stalls = [s for _, _, s in res[label] if s is not None]
            med[label] = statistics.median(rates) if rates else None
            print("%s median %.0f deliveries/s (runs %s), generator CPU "
                  "median %s %% (max %s %%), largest loop stall in the steady "
                  "window max %s ms (runs %s)" % (
                      label, med[label] or 0,
                      ", ".join("%.0f" % r for r in rates),
                      "%.0f" % statistics.median(cpus) if cpus else "?",
                      "%.0f" % max(cpus) if cpus else "?",
                      "%.3f" % max(stalls) if stalls else "?",
                      ", ".join("%.3f" % s for s in stalls)))
        if med["A"] and med["B"]:
            print("B/A = %.3f" % (med["B"] / med["A"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
