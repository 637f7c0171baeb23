#!/usr/bin/env python3
"""The benchmark matrix of docs/benchmarks.md, or a short smoke run.

    run_matrix.py --build BUILD [--out docs/benchmarks.md] [--runs 3]
    run_matrix.py --build BUILD --smoke

Starts securechatd (and ngIRCd, for the IRC baseline) on 127.0.0.1
pinned to CPU 0 with taskset, runs securechat-bench pinned to CPU 1, and
takes the median of --runs runs of every figure:

  fan-out    N = 100, 500, 1000 receivers x S = 1, 10 senders
  latency    R = 1000 msg/s at N = 100, 500, without and with TCP_QUICKACK
  idle       1,000, 10,000, 19,000 sessions (100 distinct users)
  handshakes against the X25519 bound (SecureChat only)
  login storm of 200 real pbkdf2:sha256:600000 logins during a stream

Every SecureChat scenario gets --server-pid and --server-log, so each
reports the daemon's largest event-loop stall during it (its SIGUSR1
stats line); every scenario reports the generator's own CPU share, and a
figure whose generator used more than 80 % of its core is shown as bound
by the generator, not as the server's.

--smoke runs each SecureChat scenario once for about a second (a CI
check that the tool and the daemon work together, not a measurement).
Every child process is bounded in time; everything started is stopped.
"""
import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def have_taskset():
    return shutil.which("taskset") is not None and os.cpu_count() >= 2


def pinned(cpu, argv):
    """cpu: "0", "1", or "0,1" (not pinned to one core)."""
    return (["taskset", "-c", str(cpu)] + argv) if have_taskset() else argv


class Daemon:
    """securechatd or ngircd, started fresh, stopped on close()."""

    def __init__(self, kind, build, work, users, cpus="0", extra=None):
        self.kind = kind
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="scbench-%s-" % kind, dir=work)
        self.log = os.path.join(self.dir, "securechatd.log")
        out = open(os.path.join(self.dir, "stdout.txt"), "wb")
        if kind == "securechat":
            conf = {"listen": "127.0.0.1", "port": self.port,
                    "users": users, "key": os.path.join(work, "server.key"),
                    "log_dir": self.dir, "log_level": "notice",
                    "rate_burst": 10000000, "rate_per_sec": 10000000,
                    "req_rate": 10000000, "req_burst": 10000000,
                    "byte_rate": 1 << 30, "byte_burst": 1 << 30,
                    "max_connections": 100000, "max_per_ip": 100000,
                    "max_unauth": 100000,
                    "max_unauth_per_prefix": 100000,
                    "output_cap": 64 * 1024 * 1024, "idle_timeout": 3600,
                    "login_timeout": 3600, "handshake_timeout": 60,
                    "auth_queue": 100000,
                    "database": os.path.join(self.dir, "securechat.db")}
            conf.update(extra or {})
            path = os.path.join(self.dir, "config.json")
            with open(path, "w") as f:
                json.dump(conf, f)
            argv = pinned(cpus, [os.path.join(build, "server",
                                              "securechatd"),
                                 "--config", path])
        else:
            tmpl = os.path.join(ROOT, "test", "bench", "ngircd.conf.in")
            with open(tmpl) as f:
                text = f.read().replace("@PORT@", str(self.port))
            path = os.path.join(self.dir, "ngircd.conf")
            with open(path, "w") as f:
                f.write(text)
            argv = pinned(0, ["ngircd", "-n", "-f", path])
        self.proc = subprocess.Popen(argv, stdout=out, stderr=out,
                                     preexec_fn=raise_nofile)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("%s did not start" % kind)
        time.sleep(0.2)

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def raise_nofile():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def bench(build, args, timeout):
    argv = pinned(1, [os.path.join(build, "test", "bench",
                                   "securechat-bench")] + args + ["--json"])
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       preexec_fn=raise_nofile)
    try:
        res = json.loads(p.stdout)
    except ValueError:
        raise RuntimeError("bench %s: exit %d: %s %s" % (
            " ".join(args), p.returncode, p.stdout[-500:], p.stderr[-500:]))
    res["_exit"] = p.returncode
    res["_argv"] = " ".join(["securechat-bench"] + args)
    return res


def server_args(d):
    """What lets securechat-bench read securechatd's stall and RSS."""
    return ["--server-pid", str(d.proc.pid), "--server-log", d.log]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def run_set(runs, fn):
    results = [fn() for _ in range(runs)]
    return results


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return "{:,.0f}".format(v)
    return "{:,.{}f}".format(v, digits)


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30

    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=10).stdout.strip().split("\n")[0]
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    return {
        "cpu": model, "cores": os.cpu_count(), "mem_gib": round(mem, 1),
        "kernel": platform.release(),
        "ngircd": ver(["ngircd", "--version"]),
        "gcc": ver(["gcc", "--version"]),
        "libsodium": ver(["pkg-config", "--modversion", "libsodium"]),
        "libevent": ver(["pkg-config", "--modversion", "libevent"]),
    }


def make_users(build, work, smoke):
    users = os.path.join(work, "users.json")
    mk = os.path.join(build, "test", "bench", "securechat-bench")
    count = 200 if smoke else 19100
    subprocess.run([mk, "make-users", "--count", str(count), "--iterations",
                    "1000", "--out", users], check=True,
                   capture_output=True, timeout=600)
    subprocess.run([mk, "make-users", "--count", "5" if smoke else "200",
                    "--iterations", "600000", "--user-prefix", "storm",
                    "--out", users, "--append", "--threads", "2"],
                   check=True, capture_output=True, timeout=900)
    return users


def smoke(build):
    work = tempfile.mkdtemp(prefix="scbench-smoke-")
    failures = 0
    try:
        users = make_users(build, work, True)
        d = Daemon("securechat", build, work, users)
        try:
            pid = str(d.proc.pid)
            common = ["--port", str(d.port), "--duration", "1",
                      "--warmup", "0.2", "--deadline", "60"]
            checks = [
                ["fanout", "--receivers", "20", "--senders", "2"],
                ["latency", "--receivers", "20", "--senders", "1",
                 "--rate", "200"],
                ["idle", "--sessions", "100", "--idle-users", "10"],
                ["handshakes", "--concurrency", "8"],
                ["login-storm", "--logins", "5", "--receivers", "10",
                 "--senders", "1", "--rate", "100"],
            ]
            for c in checks:
                r = bench(build, c + common + server_args(d), 120)
                # Every scenario reports the generator's CPU and the
                # daemon's largest stall during it.
                missing = [k for k in ("bench_cpu_pct",
                                       "server_stall_max_ms")
                           if not isinstance(r.get(k), (int, float))]
                ok = r.get("status") == "ok" and r["_exit"] == 0 and \
                    not missing
                failures += 0 if ok else 1
                key = {"fanout": "deliveries_per_sec",
                       "latency": "latency_p99_us",
                       "idle": "server_kib_per_session",
                       "handshakes": "handshakes_per_sec",
                       "login-storm": "logins_per_sec"}[c[0]]
                print("%-4s %-12s %s = %s, bench CPU %s %%, largest stall "
                      "%s ms%s" % ("ok" if ok else "FAIL", c[0], key,
                                   r.get(key), r.get("bench_cpu_pct"),
                                   r.get("server_stall_max_ms"),
                                   ", missing " + " ".join(missing)
                                   if missing else ""))
        finally:
            d.close()
        if d.proc.returncode != 0:
            print("FAIL securechatd exited with %d" % d.proc.returncode)
            failures += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (6 - failures, failures))
    return 1 if failures else 0


def matrix(args):
    work = tempfile.mkdtemp(prefix="scbench-")
    build = args.build
    runs = args.runs
    out = {"machine": machine(), "runs": runs, "fanout": [], "latency": [],
           "idle": [], "handshakes": [], "storm": [], "commands": [],
           "t0": time.time()}
    protos = ["securechat"] + (["irc"] if shutil.which("ngircd") else [])
    t0 = time.time()
    try:
        users = make_users(build, work, False)

        def with_daemon(kind, fn, cpus="0"):
            d = Daemon(kind, build, work, users, cpus)
            try:
                return fn(d)
            finally:
                d.close()
                save(out, args)

        def proto_args(kind, d):
            a = ["--port", str(d.port)]
            if kind == "irc":
                a += ["--proto", "irc", "--setup-concurrency", "8"]
            else:
                a += server_args(d)
            return a

        # Fan-out and latency: one daemon per protocol, reused.
        for kind in protos:
            def fan(d, kind=kind):
                for n in (100, 500, 1000):
                    for s in (1, 10):
                        a = ["fanout", "--receivers", str(n), "--senders",
                             str(s), "--duration", "10"] + proto_args(kind, d)
                        res = run_set(runs, lambda: bench(build, a, 300))
                        out["fanout"].append({"proto": kind, "n": n, "s": s,
                                              "runs": res})
                        out["commands"].append(res[0]["_argv"])
                        print("fanout", kind, n, s, [r.get(
                            "deliveries_per_sec") for r in res], flush=True)
                for n in (100, 500):
                    for qa in (False, True):
                        a = ["latency", "--receivers", str(n), "--senders",
                             "10", "--rate", "1000", "--duration", "10"] + \
                            proto_args(kind, d) + (["--quickack"] if qa else [])
                        res = run_set(runs, lambda: bench(build, a, 300))
                        out["latency"].append({"proto": kind, "n": n,
                                               "quickack": qa, "runs": res})
                        out["commands"].append(res[0]["_argv"])
                        print("latency", kind, n, qa, [r.get(
                            "latency_p99_us") for r in res], flush=True)
            with_daemon(kind, fan)

        # Idle: a fresh daemon for every run, so RSS starts clean.
        for n in (1000, 10000, 19000):
            for kind in protos:
                res = []
                for _ in range(runs):
                    def idle(d, kind=kind, n=n):
                        a = ["idle", "--sessions", str(n), "--idle-users",
                             "100", "--sources", "4", "--duration", "3",
                             "--deadline", "900"] + proto_args(kind, d)
                        if kind == "irc":
                            a += ["--server-pid", str(d.proc.pid)]
                        return bench(build, a, 1000)
                    res.append(with_daemon(kind, idle))
                out["idle"].append({"proto": kind, "n": n, "runs": res})
                out["commands"].append(res[0]["_argv"])
                print("idle", kind, n, [r.get("server_kib_per_session")
                                        for r in res], flush=True)

        def hs(d):
            a = ["handshakes", "--concurrency", "64", "--threads", "1",
                 "--duration", "10"] + proto_args("securechat", d)
            return run_set(runs, lambda: bench(build, a, 300))
        out["handshakes"] = with_daemon("securechat", hs)
        out["commands"].append(out["handshakes"][0]["_argv"])
        print("handshakes", [r.get("handshakes_per_sec") for r in
                             out["handshakes"]], flush=True)

        res = []
        for _ in range(runs):
            # The daemon on both cores here: its login workers need CPU
            # besides the event loop (the bench stays on CPU 1).
            def storm(d):
                a = ["login-storm", "--logins", "200", "--receivers", "100",
                     "--senders", "10", "--rate", "1000", "--duration", "10",
                     "--deadline", "300"] + proto_args("securechat", d)
                return bench(build, a, 400)
            res.append(with_daemon("securechat", storm, "0,1"))
            out["storm"] = res
            print("storm", [(r.get("logins_per_sec"), r.get(
                "server_stall_max_ms")) for r in res], flush=True)
        out["commands"].append(res[0]["_argv"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
        out["elapsed_s"] = time.time() - t0
        save(out, args)
    return 0


def save(out, args):
    """Writes the JSON and the page with whatever is measured so far."""
    out["elapsed_s"] = time.time() - out.setdefault("t0", time.time())
    with open(args.json_out, "w") as f:
        json.dump(out, f, indent=1, default=str)
    try:
        write_markdown(out, args.out)
    except (KeyError, TypeError, ValueError, IndexError):
        pass


def med(entry, key):
    return median([r.get(key) for r in entry["runs"]])


def find(rows, **kw):
    for r in rows:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def ratio(a, b):
    return None if a is None or not b else a / b


def runs_of(entry, key):
    return [r.get(key) for r in entry["runs"]] if entry else []


def bound(entry):
    """True when the generator bound any run of entry (bench's bound_by:
    above 80 % of its core, or with its wait for the core above that)."""
    return bool(entry) and any(r.get("bound_by") for r in entry["runs"])


def fig(entry, key, f=None, flag=True):
    """The median and every run: "m (r1 / r2 / r3)", flagged when the
    generator bound a run: that is not the server's figure (flag=False
    for figures the generator's speed cannot change, like memory)."""
    f = f or fmt
    if not entry:
        return "n/a"
    vals = runs_of(entry, key)
    text = "%s (%s)" % (f(median(vals)), " / ".join(f(v) for v in vals))
    return ("bound by the generator: " + text) if flag and bound(entry) \
        else text


def mega(v):
    return "n/a" if v is None else "%.2fM" % (v / 1e6)


def ms(v):
    return "n/a" if v is None else "%.1f" % v


def gen(entry):
    """The generator's CPU share and its wait for its core, as the range
    over the runs, in % of one core."""
    if not entry:
        return "n/a"

    def span(key):
        vals = [v for v in runs_of(entry, key) if v is not None]
        if not vals:
            return "n/a"
        lo, hi = min(vals), max(vals)
        return "%.0f" % lo if round(lo) == round(hi) else \
            "%.0f-%.0f" % (lo, hi)
    return "%s (wait %s)%s" % (span("bench_cpu_pct"),
                               span("bench_wait_pct"),
                               " **bound**" if bound(entry) else "")


def stall(entry):
    """The largest loop stall of the scenario: worst run (every run)."""
    if not entry:
        return "n/a"
    vals = runs_of(entry, "server_stall_max_ms")
    worst = max([v for v in vals if v is not None], default=None)
    return "%s (%s)" % (ms(worst), " / ".join(ms(v) for v in vals))


def write_markdown(res, path):
    m = res["machine"]
    notes = os.path.join(ROOT, "test", "bench", "benchmarks-notes.md")
    L = []
    L.append("# Benchmarks\n")
    L.append("Written by `test/bench/run_matrix.py` (figures: the median of "
             "%d runs each, then every run in parentheses; elapsed %.0f "
             "min). SecureChat encrypts every "
             "frame (Noise transport, AES-256-GCM); ngIRCd sends plain "
             "IRC lines. The server under test is pinned to CPU 0, "
             "securechat-bench to CPU 1 (`taskset`).\n" % (
                 res["runs"], res["elapsed_s"] / 60))
    L.append("Machine: %s, %d cores, %.1f GiB, Linux %s; %s; %s; "
             "libsodium %s, libevent %s.\n" % (
                 m["cpu"], m["cores"], m["mem_gib"], m["kernel"], m["gcc"],
                 m["ngircd"], m["libsodium"], m["libevent"]))
    L.append("Every table gives the generator's own CPU (bench CPU: "
             "securechat-bench's CPU time over the measured interval, in % "
             "of its core, the range over the runs; wait: the time its "
             "loop was runnable but waited for the core). A figure whose "
             "generator used more than 80 % of its core in any run, or "
             "ran and waited for the core together more than 80 % of the "
             "time, is marked *bound by the generator*: it is the "
             "generator's limit, not the server's. The largest loop stall "
             "is securechatd's (its 50 ms heartbeat's lateness, from the "
             "SIGUSR1 stats line) during the whole scenario, setup "
             "included: the worst run, then every run.\n")
    L.append("## Fan-out (deliveries/s over the steady window)\n")
    L.append("| N receivers | S senders | SecureChat | ngIRCd | ratio | "
             "SecureChat loss/dup/reorder | bench CPU % SecureChat | "
             "bench CPU % ngIRCd | SecureChat largest stall (ms) |")
    L.append("|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for n in (100, 500, 1000):
        for s in (1, 10):
            a = find(res["fanout"], proto="securechat", n=n, s=s)
            b = find(res["fanout"], proto="irc", n=n, s=s)
            va = med(a, "deliveries_per_sec") if a else None
            vb = med(b, "deliveries_per_sec") if b else None
            lost = "/".join(fmt(med(a, k)) for k in (
                "lost", "duplicates", "reordered")) if a else "n/a"
            r = fmt(ratio(va, vb), 2)
            if bound(a) or bound(b):
                r += " (generator-bound)"
            L.append("| %d | %d | %s | %s | %s | %s | %s | %s | %s |" % (
                n, s, fig(a, "deliveries_per_sec", mega),
                fig(b, "deliveries_per_sec", mega), r, lost, gen(a),
                gen(b), stall(a)))
    L.append("")
    L.append("## Latency at R = 1000 msg/s (microseconds, end to end)\n")
    L.append("| N | quickack | server | p50 | p90 | p99 | p99.9 | max | "
             "bench CPU % | largest stall (ms) |")
    L.append("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in (100, 500):
        for qa in (False, True):
            for kind, name in (("securechat", "SecureChat"),
                               ("irc", "ngIRCd")):
                e = find(res["latency"], proto=kind, n=n, quickack=qa)
                if e is None:
                    continue
                L.append("| %d | %s | %s | %s | %s | %s | %s | %s | %s | "
                         "%s |" % (
                             n, "yes" if qa else "no", name,
                             fmt(med(e, "latency_p50_us")),
                             fmt(med(e, "latency_p90_us")),
                             fig(e, "latency_p99_us"),
                             fmt(med(e, "latency_p99_9_us")),
                             fmt(med(e, "latency_max_us")), gen(e),
                             stall(e) if kind == "securechat" else "n/a"))
            a = find(res["latency"], proto="securechat", n=n, quickack=qa)
            b = find(res["latency"], proto="irc", n=n, quickack=qa)
            if a and b:
                L.append("| | | p99 ratio | | | %s | | | | |" % fmt(ratio(
                    med(a, "latency_p99_us"), med(b, "latency_p99_us")), 2))
    L.append("")
    L.append("## Idle sessions (server RSS per session)\n")
    L.append("| sessions | SecureChat KiB/session | reached | ngIRCd "
             "KiB/session | reached | setup s (SecureChat) | bench CPU % "
             "in setup (SecureChat) | largest stall (ms) |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (1000, 10000, 19000):
        a = find(res["idle"], proto="securechat", n=n)
        b = find(res["idle"], proto="irc", n=n)
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            fmt(n), fig(a, "server_kib_per_session", lambda v: fmt(v, 2),
                        False),
            fmt(med(a, "sessions_reached")) if a else "n/a",
            fmt(med(b, "server_kib_per_session"), 2) if b else "n/a",
            fmt(med(b, "sessions_reached")) if b else "n/a",
            fig(a, "setup_s", lambda v: fmt(v, 1)), gen(a), stall(a)))
    L.append("")
    hs = {"runs": res["handshakes"]}
    L.append("## Handshakes\n")
    L.append("| handshakes/s | X25519 bound/s | ratio | bench CPU % | "
             "largest stall (ms) |")
    L.append("|---:|---:|---:|---:|---:|")
    L.append("| %s | %s | %s | %s | %s |" % (
        fig(hs, "handshakes_per_sec"), fmt(med(hs, "x25519_bound_per_sec")),
        fig(hs, "bound_ratio", lambda v: fmt(v, 2)), gen(hs), stall(hs)))
    L.append("")
    st = {"runs": res["storm"]}
    L.append("## Login storm (200 pbkdf2:sha256:600000 logins during a "
             "1000 msg/s stream to 100 receivers)\n")
    L.append("| logins/s | chat p99 quiet (us) | chat p99 storm (us) | "
             "ratio | bench CPU % | largest loop stall (ms) | of which "
             "during the storm |")
    L.append("|---:|---:|---:|---:|---:|---:|---:|")
    L.append("| %s | %s | %s | %s | %s | %s | %s |" % (
        fig(st, "logins_per_sec", lambda v: fmt(v, 1)),
        fmt(med(st, "quiet_latency_p99_us")),
        fmt(med(st, "storm_latency_p99_us")),
        fmt(med(st, "storm_p99_ratio"), 2), gen(st), stall(st),
        " / ".join(ms(v) for v in runs_of(st, "server_stall_storm_ms"))))
    L.append("")
    if os.path.exists(notes):
        with open(notes) as f:
            L.append(f.read())
    L.append("## Exact commands\n")
    L.append("Everything above: `python3 test/bench/run_matrix.py --build "
             "build --runs %d` (about %.0f minutes). Each figure came from "
             "the first of these, run %d times; `--json` is added to each, "
             "and `--port` is a free port:\n" % (
                 res["runs"], res["elapsed_s"] / 60, res["runs"]))
    L.append("```")
    L.extend(res["commands"])
    L.append("```\n")
    history = os.path.join(ROOT, "test", "bench", "benchmarks-history.md")
    if os.path.exists(history):
        with open(history) as f:
            L.append(f.read())
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs",
                                                   "benchmarks.md"))
    ap.add_argument("--json-out", default=os.path.join(
        tempfile.gettempdir(), "securechat-bench-matrix.json"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--smoke", action="store_true")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.smoke:
        return smoke(args.build)
    return matrix(args)


if __name__ == "__main__":
    sys.exit(main())
