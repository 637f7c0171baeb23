#!/usr/bin/env python3
"""robustness_ctl.py: kill -9 of securechatctl while it rewrites the users
file, 100 rounds (the robustness suite's users-file bullet).

Usage: python3 test/e2e/robustness_ctl.py /path/to/securechatctl

Each round starts "securechatctl useradd --password-stdin" on a users file
of mode 0600 and sends it SIGKILL at a random point: anywhere in its run,
near its end, or the moment its temporary file appears (so the writes,
the fsync and the rename are hit, not only the hashing). After every round
the file must be exactly the old bytes or exactly the new ones (the old
entries in order plus the new user, in the tool's own format), valid JSON
without duplicate names, a regular file of mode 0600; only temporaries may
be left beside it; and "securechatctl list" must still read it. Every 10
rounds, and at the end, a whole useradd must succeed and clean up the
temporaries. Standard library only. Prints "N passed, M failed" last and
exits non-zero on any failure. ctl_e2e.py covers the tool itself.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

CTL = None
PASSED = 0
FAILED = 0
ROUNDS = 100
ITERATIONS = 600000
PASSWORD = b"pw-robust"
HASH_RE = re.compile(r"pbkdf2:sha256:%d\$[A-Za-z0-9]{16}\$[0-9a-f]{64}"
                     % ITERATIONS)
TMP_RE = re.compile(r"users\.json\.tmp-[0-9a-f]{16}")

# werkzeug 2.2.2 hashes from test/data/pwhash-werkzeug.json.
HASH_PW = ("pbkdf2:sha256:1000$hPR3E5ApKii5Bhko$fbdcf3169536d50ad14beb475a"
           "89396859572d2ccba093dbde0855921f96af9e")
HASH_HUNTER2 = ("pbkdf2:sha256:1$x1UErPtNwkmRX3R2$c0f834ca987211aad82607c62"
                "c04b9b87e7f3b9961daaba9d35e74447757232a")
BASE_USERS = [("zed", HASH_PW), ("alice", HASH_HUNTER2),
              ("Bob.x-1_", HASH_PW)]


def check(cond, what, detail=""):
    """Counts one check; prints failures (and detail) as they happen."""
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL: %s%s" % (what, (": " + detail) if detail else ""))
    return cond


def encode(pairs):
    """The users file text securechatctl writes for pairs (jansson's
    JSON_INDENT(2) and a newline, which json.dumps(indent=2) matches)."""
    return (json.dumps(dict(pairs), indent=2) + "\n").encode()


def no_duplicates(pairs):
    """object_pairs_hook refusing a name given twice."""
    names = [n for n, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("duplicate name")
    return pairs


def parse(data):
    """The users file bytes as an ordered list of (name, hash)."""
    pairs = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
    if not isinstance(pairs, list):
        raise ValueError("not a JSON object")
    return pairs


def read(path):
    with open(path, "rb") as f:
        return f.read()


def hash_ok(h):
    """True if h is a new hash of PASSWORD (checked with hashlib)."""
    if not HASH_RE.fullmatch(h):
        return False
    _, salt, digest = h.split("$")
    return hashlib.pbkdf2_hmac("sha256", PASSWORD, salt.encode(), ITERATIONS,
                               32).hex() == digest


def start_useradd(path, name):
    p = subprocess.Popen(
        [CTL, "--users", path, "useradd", "--password-stdin", name],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    p.stdin.write(PASSWORD + b"\n")
    p.stdin.close()
    return p


def wait_for_temporary(folder, p, limit):
    """Spins until a temporary appears in folder, p exits or limit passes."""
    while time.monotonic() < limit and p.poll() is None:
        if any(e.startswith("users.json.tmp-") for e in os.listdir(folder)):
            return True
    return False


def check_file(path, what):
    """Mode, type and JSON checks; returns the bytes (None if unreadable)."""
    st = os.lstat(path)
    check(stat.S_ISREG(st.st_mode), what + ": a regular file",
          oct(st.st_mode))
    check(stat.S_IMODE(st.st_mode) == 0o600, what + ": mode 0600",
          oct(stat.S_IMODE(st.st_mode)))
    data = read(path)
    try:
        parse(data)
        check(True, what + ": valid JSON")
    except ValueError as e:
        check(False, what + ": valid JSON", "%s: %r" % (e, data[-200:]))
    return data


def check_list(path, pairs, what):
    """securechatctl list reads the file and names exactly its users."""
    r = subprocess.run([CTL, "--users", path, "list"], capture_output=True,
                       timeout=60)
    check(r.returncode == 0, what + ": list exits 0", repr(r.stderr))
    names = r.stdout.decode(errors="replace").split()
    check(sorted(names) == sorted(n for n, _ in pairs),
          what + ": list names the file's users", repr(names))


def full_useradd(path, name, what):
    """A useradd left to finish: it must succeed, append name, keep 0600
    and remove every stale temporary. Returns how long it ran."""
    old = parse(read(path))
    t0 = time.monotonic()
    p = start_useradd(path, name)
    rc = p.wait(timeout=60)
    span = time.monotonic() - t0
    check(rc == 0, what + ": a later useradd succeeds", "exit %d" % rc)
    data = check_file(path, what + " (after a whole useradd)")
    try:
        pairs = parse(data)
    except ValueError:
        return span
    check(pairs[:-1] == old and pairs[-1][0] == name and
          data == encode(pairs), what + ": the whole useradd appended " +
          name, repr(data[-200:]))
    check(hash_ok(pairs[-1][1]), what + ": the new hash verifies")
    left = sorted(os.listdir(os.path.dirname(path)))
    check(left == ["users.json", "users.json.lock"],
          what + ": no temporaries left", repr(left))
    return span


def main():
    global CTL
    if len(sys.argv) != 2:
        print("usage: robustness_ctl.py /path/to/securechatctl",
              file=sys.stderr)
        return 2
    CTL = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="robustness_ctl.", dir="/tmp")
    folder = os.path.join(tmp, "data")
    os.mkdir(folder)
    path = os.path.join(folder, "users.json")
    start = time.monotonic()
    rng = random.Random(20240607)
    outcomes = {"old": 0, "new": 0}
    leftovers = 0
    hashes_checked = 0
    try:
        with open(path, "wb") as f:
            f.write(encode(BASE_USERS))
        os.chmod(path, 0o600)

        # How long a whole useradd takes here, to spread the kills.
        span = full_useradd(path, "timing", "setup")

        for i in range(ROUNDS):
            what = "round %d" % i
            old = read(path)
            old_pairs = parse(old)
            name = "k%03d" % i
            p = start_useradd(path, name)
            how = i % 3
            if how == 0:
                # Anywhere, from exec to past the end.
                time.sleep(rng.uniform(0, span * 1.2))
            elif how == 1:
                # Near the end, where it writes.
                time.sleep(rng.uniform(span * 0.6, span * 1.1))
            else:
                # The moment the temporary exists, or a little after.
                wait_for_temporary(folder, p, time.monotonic() + span * 5 +
                                   5)
                time.sleep(rng.choice((0, 0, 0.0001, 0.0003, 0.001)))
            try:
                p.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=60)

            data = check_file(path, what)
            if data == old:
                outcomes["old"] += 1
                check(True, what + ": old content")
                pairs = old_pairs
            else:
                outcomes["new"] += 1
                try:
                    pairs = parse(data)
                except ValueError:
                    pairs = old_pairs
                good = (len(pairs) == len(old_pairs) + 1 and
                        pairs[:-1] == old_pairs and pairs[-1][0] == name and
                        HASH_RE.fullmatch(pairs[-1][1]) is not None and
                        data == encode(pairs))
                check(good, what + ": exactly the old or the new content",
                      repr(data[-200:]))
                # PBKDF2 in Python costs a little: every 5th new hash.
                if good and outcomes["new"] % 5 == 1:
                    hashes_checked += 1
                    check(hash_ok(pairs[-1][1]),
                          what + ": the new hash verifies")
            for e in os.listdir(folder):
                if e in ("users.json", "users.json.lock"):
                    continue
                leftovers += 1
                check(TMP_RE.fullmatch(e) is not None,
                      what + ": only temporaries beside the file", e)
            check_list(path, pairs, what)
            if i % 10 == 9:
                full_useradd(path, "after%03d" % i, what)

        check(outcomes["old"] + outcomes["new"] == ROUNDS,
              "every round left the old or the new file")
        # Both outcomes must have happened, or the kills missed the write.
        check(outcomes["old"] > 0 and outcomes["new"] > 0,
              "kills landed both before and after the rename",
              repr(outcomes))
        full_useradd(path, "final", "end")
        print("kill -9: %d rounds (useradd %.0f ms), %d old, %d new, %d "
              "temporaries seen and cleaned, %d new hashes verified" %
              (ROUNDS, span * 1000, outcomes["old"], outcomes["new"],
               leftovers, hashes_checked))
    except Exception as e:  # a crash is one failure, not a silent pass
        check(False, "robustness_ctl raised", "%s: %s" % (type(e).__name__,
                                                          e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("total %.1f s" % (time.monotonic() - start))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
