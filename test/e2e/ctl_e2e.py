#!/usr/bin/env python3
"""ctl_e2e.py: end-to-end tests of securechatctl, the real binary, on
copies of a users file in a temporary folder.

Usage: python3 test/e2e/ctl_e2e.py /path/to/securechatctl

Covers useradd/passwd/userdel/list with --password-stdin (stored hashes
checked with hashlib), the interactive no-echo prompt through a pty
(including SIGINT/SIGTERM/SIGTSTP while echo is off), usage errors and
exit codes, file modes, concurrent writers, SIGKILL at random moments, and
fingerprint (checked against a pure-Python X25519). Standard library
only. Prints "N passed, M failed" last and exits non-zero on any failure.
"""

import fcntl
import hashlib
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

CTL = None
PASSED = 0
FAILED = 0
ITERATIONS = 600000

# werkzeug 2.2.2 hashes from test/data/pwhash-werkzeug.json.
HASH_PW = ("pbkdf2:sha256:1000$hPR3E5ApKii5Bhko$fbdcf3169536d50ad14beb475a"
           "89396859572d2ccba093dbde0855921f96af9e")
HASH_HUNTER2 = ("pbkdf2:sha256:1$x1UErPtNwkmRX3R2$c0f834ca987211aad82607c62"
                "c04b9b87e7f3b9961daaba9d35e74447757232a")
BASE_USERS = {"zed": HASH_PW, "alice": HASH_HUNTER2, "Bob.x-1_": HASH_PW}
BASE_TEXT = json.dumps(BASE_USERS, indent=2) + "\n"
ONE_LINE = re.compile(r"^securechatctl: [^\n]+\n$")


def check(cond, what, detail=""):
    """Counts one check; prints failures (and detail) as they happen."""
    global PASSED, FAILED
    if cond:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL: %s%s" % (what, (": " + detail) if detail else ""))
    return cond


def forced(args):
    """args with --force after useradd/passwd: these tests use short
    passwords; test_password_minimum checks the minimum itself."""
    out = []
    for a in args:
        out.append(a)
        if a in ("useradd", "passwd") and "--force" not in args:
            out.append("--force")
    return out


def run(args, stdin=b"", cwd=None, timeout=60, force=True):
    """Runs securechatctl with args; stdin is bytes (None: /dev/null)."""
    return subprocess.run(
        [CTL] + (forced(args) if force else args), input=stdin if stdin is not None else None,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True, cwd=cwd, timeout=timeout)


def verify(hash_string, password):
    """True if hash_string is a new-style hash of password (bytes)."""
    m = re.fullmatch(r"pbkdf2:sha256:(\d+)\$([A-Za-z0-9]{16})\$([0-9a-f]{64})",
                     hash_string)
    if not m or int(m.group(1)) != ITERATIONS:
        return False
    dk = hashlib.pbkdf2_hmac("sha256", password, m.group(2).encode(),
                             ITERATIONS, 32)
    return dk.hex() == m.group(3)


def load(path):
    """The users file at path as an ordered list of (name, hash)."""
    with open(path, "rb") as f:
        return json.loads(f.read().decode(), object_pairs_hook=list)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fresh(tmp, name="users.json", text=BASE_TEXT, mode=0o600):
    """A new copy of the base users file in its own folder."""
    d = tempfile.mkdtemp(dir=tmp)
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def is_error(r, code, what, needle=None):
    """Checks exit code, a single "securechatctl: ..." line, no stdout."""
    err = r.stderr.decode(errors="replace")
    ok = check(r.returncode == code, what + ": exit %d" % code,
               "got %d, stderr %r" % (r.returncode, err))
    check(ONE_LINE.match(err) is not None, what + ": one error line", repr(err))
    check(r.stdout == b"", what + ": nothing on stdout", repr(r.stdout))
    if needle is not None:
        check(needle in err, what + ": says %r" % needle, repr(err))
    return ok


# ---- X25519 (RFC 7748), to know what fingerprint must print -------------

P25519 = 2 ** 255 - 19


def x25519_base(secret):
    """The X25519 public key of the 32-byte secret (RFC 7748 ladder)."""
    k = bytearray(secret)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1, x2, z2, x3, z3, swap = 9, 1, 0, 9, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a, b = (x2 + z2) % P25519, (x2 - z2) % P25519
        aa, bb = a * a % P25519, b * b % P25519
        e = (aa - bb) % P25519
        c, d = (x3 + z3) % P25519, (x3 - z3) % P25519
        da, cb = d * a % P25519, c * b % P25519
        x3 = (da + cb) ** 2 % P25519
        z3 = x1 * (da - cb) ** 2 % P25519
        x2 = aa * bb % P25519
        z2 = e * (aa + 121665 * e) % P25519
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


# ---- The tests -----------------------------------------------------------

def test_basic(tmp):
    path = fresh(tmp)
    r = run(["--users", path, "useradd", "--password-stdin", "carol"],
            b"s3cret pass\n")
    check(r.returncode == 0 and r.stderr == b"" and r.stdout == b"",
          "useradd succeeds silently", repr(r))
    users = load(path)
    check([n for n, _ in users] == ["zed", "alice", "Bob.x-1_", "carol"],
          "useradd appends, order kept", repr(users))
    check(dict(users)["alice"] == HASH_HUNTER2 and dict(users)["zed"] ==
          HASH_PW, "other hashes untouched")
    carol = dict(users)["carol"]
    check(verify(carol, b"s3cret pass"), "stored hash verifies", carol)
    check(not verify(carol, b"s3cret pass\n"), "newline not in password")
    text = read(path).decode()
    check(text == json.dumps(dict(users), indent=2) + "\n",
          "file is 2-space JSON with a trailing newline", repr(text))

    r = run(["--users", path, "list"], None)
    check(r.returncode == 0 and
          r.stdout == b"zed\nalice\nBob.x-1_\ncarol\n", "list in file order",
          repr(r.stdout))

    # CRLF, no newline at all, and only the first line is read.
    for name, data, pw in (("crlf", b"pw1\r\n", b"pw1"),
                           ("nonl", b"pw2", b"pw2"),
                           ("lines", b"first\nsecond\n", b"first"),
                           ("cr_inside", b"a\rb\n", b"a\rb"),
                           ("utf8", "pässwörd €\n".encode(), "pässwörd €"
                            .encode())):
        r = run(["--users", path, "useradd", "--password-stdin", name], data)
        check(r.returncode == 0, "useradd " + name, repr(r.stderr))
        check(verify(dict(load(path))[name], pw), name + ": hash of " +
              repr(pw))

    # 32-byte names and names starting with '-' (after --).
    n32 = "a" * 32
    r = run(["--users", path, "useradd", "--password-stdin", n32], b"x\n")
    check(r.returncode == 0, "32-byte name accepted", repr(r.stderr))
    r = run(["--users", path, "useradd", "--password-stdin", "--", "-dash"],
            b"x\n")
    check(r.returncode == 0 and "-dash" in dict(load(path)),
          "useradd -- -dash", repr(r.stderr))

    # passwd changes only that hash, in place.
    before = load(path)
    r = run(["--users", path, "passwd", "--password-stdin", "carol"],
            b"new one\n")
    check(r.returncode == 0 and r.stdout == b"" and r.stderr == b"",
          "passwd succeeds", repr(r))
    after = load(path)
    check([n for n, _ in after] == [n for n, _ in before],
          "passwd keeps order")
    check(dict(after)["carol"] != carol and
          verify(dict(after)["carol"], b"new one"), "passwd changes the hash")
    check(not verify(dict(after)["carol"], b"s3cret pass"),
          "old password no longer verifies")
    check(dict(after)["alice"] == HASH_HUNTER2, "passwd leaves others")

    # userdel.
    r = run(["--users", path, "userdel", "carol"], None)
    check(r.returncode == 0 and r.stdout == b"" and r.stderr == b"",
          "userdel succeeds", repr(r))
    names = [n for n, _ in load(path)]
    check("carol" not in names and names[:3] == ["zed", "alice", "Bob.x-1_"],
          "userdel removes only carol", repr(names))
    r = run(["--users", path, "list"], None)
    check(r.stdout.decode().split("\n")[:-1] == names, "list after userdel")

    # Case matters.
    r = run(["--users", path, "userdel", "ALICE"], None)
    is_error(r, 1, "userdel ALICE (case differs)", '"ALICE"')
    r = run(["--users", path, "useradd", "--password-stdin", "Alice"],
            b"x\n")
    check(r.returncode == 0, "useradd Alice next to alice", repr(r.stderr))

    # Default paths are relative to the current folder.
    d = tempfile.mkdtemp(dir=tmp)
    os.mkdir(os.path.join(d, "data"))
    shutil.copy(path, os.path.join(d, "data", "users.json"))
    r = run(["list"], None, cwd=d)
    check(r.returncode == 0 and r.stdout.startswith(b"zed\nalice\n"),
          "default --users is data/users.json", repr(r))
    r = run(["useradd", "--password-stdin", "dflt"], b"pw\n", cwd=d)
    check(r.returncode == 0 and
          "dflt" in dict(load(os.path.join(d, "data", "users.json"))),
          "useradd on the default file", repr(r.stderr))


def test_errors(tmp):
    path = fresh(tmp)
    original = read(path)

    def unchanged(what):
        check(read(path) == original, what + ": file unchanged")

    r = run(["--users", path, "useradd", "--password-stdin", "alice"], b"x\n")
    is_error(r, 1, "duplicate useradd", "already exists")
    unchanged("duplicate useradd")
    r = run(["--users", path, "passwd", "--password-stdin", "nobody"], b"x\n")
    is_error(r, 1, "passwd of a missing user", '"nobody"')
    unchanged("passwd missing")
    r = run(["--users", path, "userdel", "nobody"], None)
    is_error(r, 1, "userdel of a missing user", '"nobody"')
    unchanged("userdel missing")

    for bad in ("a b", "a" * 33, "", "é", "a/b", "a:b", "a\tb", "\x1b[31m",
                "alice\n"):
        for cmd in (["useradd", "--password-stdin"],
                    ["passwd", "--password-stdin"], ["userdel"]):
            r = run(["--users", path] + cmd + ["--", bad], b"pw\n")
            is_error(r, 2, "%s bad name %r" % (cmd[0], bad), "bad user name")
            check(b"\x1b" not in r.stderr, "bad name is quoted inertly")
    unchanged("bad names")

    usage = [
        (["--bogus", "list"], "unknown option"),
        (["-x", "list"], "unknown option"),
        (["--users"], "needs an argument"),
        (["list", "--users"], "needs an argument"),
        (["frobnicate"], "unknown command"),
        (["USERADD", "bob"], "unknown command"),
        ([], "no command"),
        (["useradd"], "useradd takes one user name"),
        (["useradd", "a", "b"], "useradd takes one user name"),
        (["passwd"], "passwd"),
        (["userdel"], "userdel"),
        (["list", "extra"], "list takes no arguments"),
        (["fingerprint", "extra"], "fingerprint takes no arguments"),
        (["--key", "k", "list"], "--key does not apply"),
        (["--users", path, "fingerprint"], "--users does not apply"),
        (["--password-stdin", "userdel", "alice"], "does not apply"),
        (["--users", "", "list"], "empty file name"),
    ]
    # Run where the default files do not exist: usage comes first.
    empty = tempfile.mkdtemp(dir=tmp)
    for args, needle in usage:
        r = run(args, b"pw\n", cwd=empty)
        is_error(r, 2, "usage error %r" % args, needle)
    check(os.listdir(empty) == [], "usage errors create nothing")
    unchanged("usage errors")

    r = run(["--help"], None)
    check(r.returncode == 0 and b"usage:" in r.stdout and b"useradd" in
          r.stdout and r.stderr == b"", "--help", repr(r))
    r = run(["--version"], None)
    check(r.returncode == 0 and
          re.fullmatch(rb"securechatctl \d+\.\d+\.\d+\S*\n", r.stdout),
          "--version", repr(r.stdout))

    # Bad passwords: nothing is written.
    for what, data in (("empty password", b"\n"),
                       ("empty CRLF password", b"\r\n"),
                       ("no input at all", b""),
                       ("1025-byte password", b"p" * 1025 + b"\n"),
                       ("huge password", b"p" * 100000),
                       ("invalid UTF-8", b"\xff\xfe\n"),
                       ("NUL inside", b"a\x00b\n"),
                       ("surrogate", b"\xed\xa0\x80\n")):
        r = run(["--users", path, "useradd", "--password-stdin", "newbie"],
                data)
        is_error(r, 1, what)
        r = run(["--users", path, "passwd", "--password-stdin", "alice"],
                data)
        is_error(r, 1, "passwd " + what)
    unchanged("bad passwords")
    r = run(["--users", path, "useradd", "--password-stdin", "max"],
            b"p" * 1024 + b"\n")
    check(r.returncode == 0, "1024-byte password accepted", repr(r.stderr))
    check(verify(dict(load(path))["max"], b"p" * 1024),
          "1024-byte password verifies")
    original = read(path)

    # No terminal and no --password-stdin.
    r = subprocess.run([CTL, "--users", path, "useradd", "nottyuser"],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       start_new_session=True, timeout=30)
    is_error(r, 1, "no terminal", "--password-stdin")
    unchanged("no terminal")

    # Broken or missing users files.
    bad = fresh(tmp, text='{"alice": "nope"}')
    for args in (["list"], ["userdel", "alice"],
                 ["useradd", "--password-stdin", "x"],
                 ["passwd", "--password-stdin", "alice"]):
        r = run(["--users", bad] + args, b"pw\n")
        is_error(r, 1, "malformed file: " + args[0],
                 'users.json: user "alice": ')
    check(read(bad) == b'{"alice": "nope"}', "malformed file untouched")
    missing = os.path.join(tempfile.mkdtemp(dir=tmp), "users.json")
    for args in (["list"], ["userdel", "alice"],
                 ["passwd", "--password-stdin", "alice"]):
        r = run(["--users", missing] + args, b"pw\n")
        is_error(r, 1, "missing file: " + args[0], "No such file")
        check(not os.path.exists(missing), "missing file not created")
    r = run(["--users", "/nonexistent/dir/users.json", "useradd",
             "--password-stdin", "x"], b"pw\n")
    is_error(r, 1, "useradd in a missing folder")

    # Writing to a full stdout is an error.
    if os.path.exists("/dev/full"):
        with open("/dev/full", "wb") as full:
            r = subprocess.run([CTL, "--users", path, "list"], stdout=full,
                               stderr=subprocess.PIPE, timeout=30)
        check(r.returncode == 1 and b"securechatctl: " in r.stderr,
              "list > /dev/full fails", repr(r))


def test_modes(tmp):
    path = fresh(tmp, mode=0o640)
    r = run(["--users", path, "useradd", "--password-stdin", "m1"], b"x\n")
    check(r.returncode == 0, "useradd on 0640 file", repr(r.stderr))
    check(os.stat(path).st_mode & 0o7777 == 0o640, "0640 stays 0640",
          oct(os.stat(path).st_mode))
    r = run(["--users", path, "userdel", "m1"], None)
    check(os.stat(path).st_mode & 0o7777 == 0o640, "0640 stays after userdel")
    os.chmod(path, 0o644)
    run(["--users", path, "passwd", "--password-stdin", "alice"], b"y\n")
    check(os.stat(path).st_mode & 0o7777 == 0o644, "0644 stays 0644")

    d = tempfile.mkdtemp(dir=tmp)
    new = os.path.join(d, "users.json")
    old = os.umask(0)
    try:
        r = run(["--users", new, "useradd", "--password-stdin", "first"],
                b"x\n")
    finally:
        os.umask(old)
    check(r.returncode == 0, "useradd creates a missing file", repr(r.stderr))
    check(os.stat(new).st_mode & 0o7777 == 0o600, "new file is 0600",
          oct(os.stat(new).st_mode))
    check(os.stat(new + ".lock").st_mode & 0o7777 == 0o600, "lock is 0600")
    check(sorted(os.listdir(d)) == ["users.json", "users.json.lock"],
          "only the file and its lock", repr(os.listdir(d)))
    check([n for n, _ in load(new)] == ["first"], "new file content")

    # A symbolic link to the users file stays a link.
    real_dir = tempfile.mkdtemp(dir=tmp)
    real = os.path.join(real_dir, "real.json")
    shutil.copy(path, real)
    os.chmod(real, 0o640)
    link = os.path.join(d, "linked.json")
    os.symlink(real, link)
    r = run(["--users", link, "useradd", "--password-stdin", "vialink"],
            b"x\n")
    check(r.returncode == 0, "useradd through a symlink", repr(r.stderr))
    check(os.path.islink(link) and "vialink" in dict(load(real)),
          "symlink kept, target updated")
    check(os.stat(real).st_mode & 0o7777 == 0o640, "target mode kept")


class Pty:
    """securechatctl on a new pty that is its controlling terminal."""

    def __init__(self, args, ignore=()):
        self.ignore = ignore
        self.master, self.slave = os.openpty()
        self.echo_before = self.echo()
        self.proc = subprocess.Popen(
            [CTL] + forced(args), stdin=self.slave, stdout=self.slave,
            stderr=self.slave, start_new_session=True,
            preexec_fn=self._child_setup,
            close_fds=True)
        self.out = b""

    def _child_setup(self):
        # The pty becomes the controlling terminal; SIGQUIT dumps no core.
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        # As a shell would for a foreground job: a test run in the
        # background of a script inherits SIGINT and SIGQUIT ignored, and
        # securechatctl rightly keeps ignored signals ignored.
        for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM,
                    signal.SIGHUP, signal.SIGTSTP):
            signal.signal(sig, signal.SIG_IGN if sig in self.ignore else
                          signal.SIG_DFL)

    def read_until(self, needle, timeout=20):
        """Reads output until needle appears; True if it did."""
        end = time.time() + timeout
        while needle not in self.out:
            left = end - time.time()
            if left <= 0:
                return False
            rl, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if rl:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    return False
                self.out += chunk
            elif self.proc.poll() is not None and not rl:
                # Drain what is left, then give up.
                rl, _, _ = select.select([self.master], [], [], 0.1)
                if not rl:
                    return needle in self.out
        return True

    def write(self, data):
        os.write(self.master, data)

    def echo(self):
        return bool(termios.tcgetattr(self.slave)[3] & termios.ECHO)

    def finish(self, timeout=30):
        rc = self.proc.wait(timeout=timeout)
        self.read_until(b"\0never\0", timeout=0.3)
        return rc

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def test_pty(tmp):
    path = fresh(tmp)
    secret = b"Tty-Secret-42"

    # Happy path: two prompts, nothing echoed, echo back on afterwards.
    t = Pty(["--users", path, "useradd", "ttyuser"])
    try:
        check(t.echo_before, "pty starts with echo on")
        check(t.read_until(b"password for ttyuser: "), "first prompt",
              repr(t.out))
        check(not t.echo(), "echo is off at the first prompt")
        t.write(secret + b"\n")
        check(t.read_until(b"Retype new password: "), "second prompt",
              repr(t.out))
        check(not t.echo(), "echo is off at the second prompt")
        t.write(secret + b"\n")
        rc = t.finish()
        check(rc == 0, "interactive useradd succeeds", repr(t.out))
        check(secret not in t.out, "password not echoed", repr(t.out))
        check(t.echo(), "echo restored after success")
        check(verify(dict(load(path))["ttyuser"], secret),
              "interactive hash verifies")
    finally:
        t.close()

    # Mismatch.
    before = read(path)
    t = Pty(["--users", path, "passwd", "ttyuser"])
    try:
        t.read_until(b"password for ttyuser: ")
        t.write(b"one-Secret\n")
        t.read_until(b"Retype new password: ")
        t.write(b"two-Secret\n")
        rc = t.finish()
        check(rc == 1 and b"do not match" in t.out,
              "mismatched passwords refused", repr(t.out))
        check(b"one-Secret" not in t.out and b"two-Secret" not in t.out,
              "mismatch: nothing echoed")
        check(t.echo(), "echo restored after mismatch")
        check(read(path) == before, "mismatch: file unchanged")
    finally:
        t.close()

    # An empty line and ^D are refused.
    for what, answer in (("empty", b"\n"), ("EOF", b"\x04")):
        t = Pty(["--users", path, "useradd", "emptyuser"])
        try:
            t.read_until(b"password for emptyuser: ")
            t.write(answer)
            if what == "empty":
                t.read_until(b"Retype new password: ")
                t.write(answer)
            rc = t.finish()
            check(rc == 1, "interactive %s password refused" % what,
                  repr(t.out))
            check(t.echo(), "echo restored after %s password" % what)
        finally:
            t.close()

    # Signals while echo is off: the terminal comes back, the signal kills.
    for sig, how in ((signal.SIGINT, "^C"), (signal.SIGINT, "kill"),
                     (signal.SIGTERM, "kill"), (signal.SIGHUP, "kill"),
                     (signal.SIGQUIT, "kill")):
        t = Pty(["--users", path, "useradd", "siguser"])
        try:
            t.read_until(b"password for siguser: ")
            t.write(b"half-typed")
            time.sleep(0.1)
            check(not t.echo(), "echo off before %s" % sig.name)
            if how == "^C":
                t.write(b"\x03")
            else:
                t.proc.send_signal(sig)
            rc = t.proc.wait(timeout=10)
            check(rc == -sig, "%s (%s) kills by that signal" % (sig.name, how),
                  "rc %r" % rc)
            check(t.echo(), "echo restored after %s (%s)" % (sig.name, how))
            check(b"half-typed" not in t.out, "nothing echoed before signal")
        finally:
            t.close()
    check(read(path) == before, "signals: file unchanged")

    # Run under nohup (SIGHUP ignored), a hangup does not kill it.
    t = Pty(["--users", path, "useradd", "nohupuser"], (signal.SIGHUP,))
    try:
        t.read_until(b"password for nohupuser: ")
        t.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        check(t.proc.poll() is None and not t.echo(),
              "ignored SIGHUP stays ignored")
        t.write(b"Nohup-pass\n")
        t.read_until(b"Retype new password: ")
        t.write(b"Nohup-pass\n")
        check(t.finish() == 0 and t.echo(), "useradd under nohup",
              repr(t.out))
    finally:
        t.close()

    # SIGTSTP: the process group is orphaned, so the stop is discarded and
    # the prompt goes on with echo off again.
    t = Pty(["--users", path, "useradd", "tstpuser"])
    try:
        t.read_until(b"password for tstpuser: ")
        t.proc.send_signal(signal.SIGTSTP)
        time.sleep(0.2)
        check(t.proc.poll() is None, "alive after SIGTSTP")
        check(not t.echo(), "echo off again after SIGTSTP")
        t.write(b"Tstp-pass\n")
        t.read_until(b"Retype new password: ")
        t.write(b"Tstp-pass\n")
        rc = t.finish()
        check(rc == 0 and b"Tstp-pass" not in t.out,
              "useradd after SIGTSTP", repr(t.out))
        check(t.echo(), "echo restored after SIGTSTP run")
    finally:
        t.close()


def test_concurrent(tmp):
    path = fresh(tmp)
    n = 20
    procs = [subprocess.Popen(
        [CTL] + forced(["--users", path, "useradd", "--password-stdin",
                        "par%02d" % i]),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for i in range(n)]
    for i, p in enumerate(procs):
        p.stdin.write(b"pw%02d\n" % i)
        p.stdin.close()
    rcs = [p.wait(timeout=120) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    check(rcs == [0] * n, "20 parallel useradds succeed", repr(rcs))
    try:
        users = dict(load(path))
        ok = True
    except ValueError as e:
        users, ok = {}, False
        check(False, "parallel: file is valid JSON", str(e))
    check(ok and all("par%02d" % i in users for i in range(n)),
          "parallel: all 20 users present", repr(sorted(users)))
    check(ok and all(users.get(k) == v for k, v in BASE_USERS.items()),
          "parallel: original users kept")
    check(len(users) == len(BASE_USERS) + n, "parallel: nothing else")
    check(verify(users.get("par07", ""), b"pw07"),
          "parallel: a hash verifies")
    check(sorted(os.listdir(os.path.dirname(path))) ==
          ["users.json", "users.json.lock"], "parallel: no temporaries",
          repr(os.listdir(os.path.dirname(path))))

    # Adds and deletes racing each other.
    procs = [subprocess.Popen(
        [CTL, "--users", path, "userdel", "par%02d" % i],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(0, n, 2)]
    procs += [subprocess.Popen(
        [CTL] + forced(["--users", path, "useradd", "--password-stdin",
                        "new%02d" % i]),
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL) for i in range(10)]
    for p in procs[n // 2:]:
        p.stdin.write(b"pw\n")
        p.stdin.close()
    rcs = [p.wait(timeout=120) for p in procs]
    check(rcs == [0] * len(procs), "parallel adds and deletes", repr(rcs))
    names = set(dict(load(path)))
    want = (set(BASE_USERS) | {"par%02d" % i for i in range(1, n, 2)} |
            {"new%02d" % i for i in range(10)})
    check(names == want, "parallel adds and deletes: right set",
          repr(sorted(names ^ want)))


def test_kill9(tmp):
    path = fresh(tmp)
    folder = os.path.dirname(path)

    # How long a whole useradd takes here, to spread the kills over it.
    start = time.time()
    r = run(["--users", path, "useradd", "--password-stdin", "timing"],
            b"pw\n")
    span = time.time() - start
    check(r.returncode == 0, "kill -9: timing run", repr(r.stderr))

    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0}
    leftovers = set()
    rounds = int(os.environ.get("CTL_E2E_KILL_ROUNDS", "30"))
    for i in range(rounds):
        old = read(path)
        name = "k%02d" % i
        p = subprocess.Popen(
            [CTL] + forced(["--users", path, "useradd", "--password-stdin",
                            name]),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        p.stdin.write(b"pw\n")
        p.stdin.close()
        # Half the rounds anywhere, half near the end, where it writes.
        if i % 2 == 0:
            time.sleep(rng.uniform(0, span * 1.2))
        else:
            time.sleep(rng.uniform(span * 0.6, span * 1.1))
        try:
            p.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(timeout=30)
        now = read(path)
        if now == old:
            outcomes["old"] += 1
        else:
            try:
                users = load(path)
                good = ([n for n, _ in users][:-1] ==
                        [n for n, _ in json.loads(old.decode(),
                                                  object_pairs_hook=list)]
                        and users[-1][0] == name)
            except ValueError:
                good = False
            check(good, "kill -9 round %d: old or new content" % i,
                  repr(now[-200:]))
            outcomes["new"] += 1
        # Counted, not removed: the next writer must clean them up.
        for entry in os.listdir(folder):
            if entry not in ("users.json", "users.json.lock"):
                leftovers.add(entry)
    check(outcomes["old"] + outcomes["new"] == rounds,
          "kill -9: every round left a whole file")
    print("kill -9: %d rounds, %d old, %d new, %d temporaries left (and "
          "cleaned by the next writer)%s" %
          (rounds, outcomes["old"], outcomes["new"], len(leftovers),
           (" " + repr(sorted(leftovers))) if leftovers else ""))
    check(all(e.startswith("users.json.tmp-") for e in leftovers),
          "kill -9: leftovers are only temporaries", repr(leftovers))
    # The lock dies with its holder.
    r = run(["--users", path, "useradd", "--password-stdin", "after"],
            b"pw\n", timeout=30)
    check(r.returncode == 0, "kill -9: a later useradd is not blocked",
          repr(r.stderr))
    check(sorted(os.listdir(folder)) == ["users.json", "users.json.lock"],
          "kill -9: the next writer removed stale temporaries",
          repr(os.listdir(folder)))


def write_key(path, secret, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.write(fd, secret.hex().encode() + b"\n")
    os.close(fd)
    os.chmod(path, mode)


def test_fingerprint(tmp):
    # RFC 7748 section 6.1 checks the Python X25519 first.
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645"
                          "df4c2f87ebc0992ab177fba51db92c2a")
    check(x25519_base(alice).hex() ==
          "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
          "python X25519 matches RFC 7748")

    d = tempfile.mkdtemp(dir=tmp)
    k1, k2 = os.path.join(d, "k1.key"), os.path.join(d, "k2.key")
    s1, s2 = os.urandom(32), os.urandom(32)
    write_key(k1, s1)
    write_key(k2, s2)
    r1 = run(["fingerprint", "--key", k1], None)
    r1b = run(["--key", k1, "fingerprint"], None)
    r2 = run(["fingerprint", "--key", k2], None)
    check(r1.returncode == 0 and re.fullmatch(rb"[0-9a-f]{64}\n", r1.stdout)
          and r1.stderr == b"", "fingerprint prints 64 hex", repr(r1))
    check(r1.stdout == r1b.stdout, "same key, same fingerprint")
    check(r2.returncode == 0 and r2.stdout != r1.stdout,
          "different keys differ")
    for r, s, what in ((r1, s1, "k1"), (r2, s2, "k2")):
        want = hashlib.sha256(x25519_base(s)).hexdigest().encode() + b"\n"
        check(r.stdout == want, "fingerprint %s is SHA-256 of its public key"
              % what, "%r != %r" % (r.stdout, want))
    write_key(os.path.join(d, "alice.key"), alice)
    r = run(["fingerprint", "--key", os.path.join(d, "alice.key")], None)
    check(r.stdout == b"300c9c9603b92a4b39ed3958bf9240114804db4fd373012c0ca4"
          b"7432d63425ae\n", "RFC 7748 key fingerprint", repr(r.stdout))

    # Default path data/server.key.
    os.mkdir(os.path.join(d, "data"))
    write_key(os.path.join(d, "data", "server.key"), s1)
    r = run(["fingerprint"], None, cwd=d)
    check(r.returncode == 0 and r.stdout == r1.stdout,
          "default --key is data/server.key", repr(r))

    os.chmod(k1, 0o644)
    is_error(run(["fingerprint", "--key", k1], None), 1,
             "0644 key refused", "chmod")
    os.chmod(k1, 0o640)
    is_error(run(["fingerprint", "--key", k1], None), 1, "0640 key refused")
    is_error(run(["fingerprint", "--key", os.path.join(d, "none.key")],
                 None), 1, "missing key", "No such file")
    bad = os.path.join(d, "bad.key")
    with open(bad, "w") as f:
        f.write("not a key\n")
    os.chmod(bad, 0o600)
    is_error(run(["fingerprint", "--key", bad], None), 1, "malformed key")
    is_error(run(["fingerprint", "--key", d], None), 1, "folder as key")
    check(sorted(os.listdir(d)) == ["alice.key", "bad.key", "data", "k1.key",
                                    "k2.key"], "fingerprint writes nothing")


def test_initdb(tmp):
    """initdb creates the database (0600, its folder too) with its tables,
    again without harm; --database applies to initdb only."""
    db = os.path.join(tmp, "dbdir", "sub", "securechat.db")
    for what in ("create", "again"):
        r = run(["initdb", "--database", db], None)
        check(r.returncode == 0 and b"ready: 0 rooms, last message id 0"
              in r.stdout, "initdb " + what, repr(r))
    check(os.stat(db).st_mode & 0o777 == 0o600, "database is 0600")
    with open(db, "rb") as f:
        check(f.read(16) == b"SQLite format 3\0", "an SQLite file")
    empty = tempfile.mkdtemp(dir=tmp)
    r = run(["initdb"], None, cwd=empty)
    check(r.returncode == 0 and os.path.exists(
        os.path.join(empty, "data", "securechat.db")), "initdb default path",
        repr(r))
    junk = os.path.join(tmp, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"not a database at all, " * 50)
    r = run(["initdb", "--database", junk], None)
    is_error(r, 1, "initdb on a corrupt file", "not a database")
    r = run(["initdb", "--database", "/dev/null/x/securechat.db"], None)
    is_error(r, 1, "initdb under a file", "/dev/null")
    r = run(["--database", db, "list"], None)
    is_error(r, 2, "--database with list", "--database does not apply")
    r = run(["initdb", "--database", ""], None)
    is_error(r, 2, "empty --database", "empty file name")
    r = run(["initdb", "extra"], None)
    is_error(r, 2, "initdb extra", "initdb takes no arguments")


def test_password_minimum(tmp):
    """useradd and passwd refuse a password shorter than the minimum (8
    characters, or the config file's min_password_length) unless --force."""
    path = fresh(tmp)
    r = run(["--users", path, "useradd", "--password-stdin", "shorty"],
            b"1234567\n", force=False)
    is_error(r, 1, "7-character password refused", "password too short")
    check("shorty" not in dict(load(path)), "refused: nothing added")
    r = run(["--users", path, "useradd", "--password-stdin", "shorty"],
            "12345678\n".encode(), force=False)
    check(r.returncode == 0, "8 characters accepted", repr(r.stderr))
    # Characters, not bytes: seven two-byte characters are too short.
    r = run(["--users", path, "passwd", "--password-stdin", "shorty"],
            ("\u00e9" * 7 + "\n").encode(), force=False)
    is_error(r, 1, "7 characters in 14 bytes refused", "at least 8")
    r = run(["--users", path, "passwd", "--password-stdin", "--force",
             "shorty"], b"x\n", force=False)
    check(r.returncode == 0, "--force accepts a short one", repr(r.stderr))
    cfg = os.path.join(tmp, "minpw.json")
    with open(cfg, "w") as f:
        f.write('{"min_password_length": 12}')
    r = run(["--users", path, "passwd", "--password-stdin", "--config", cfg,
             "shorty"], b"abcdefghijk\n", force=False)
    is_error(r, 1, "config minimum 12 refuses 11", "at least 12")
    r = run(["--users", path, "passwd", "--password-stdin", "--config", cfg,
             "shorty"], b"abcdefghijkl\n", force=False)
    check(r.returncode == 0, "config minimum 12 accepts 12", repr(r.stderr))
    r = run(["--config", cfg, "list"], None, force=False)
    is_error(r, 2, "--config with list", "--config does not apply")


def main():
    global CTL
    if len(sys.argv) != 2:
        print("usage: ctl_e2e.py /path/to/securechatctl", file=sys.stderr)
        return 2
    CTL = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="ctl_e2e.", dir="/tmp")
    start = time.time()
    try:
        for test in (test_basic, test_errors, test_modes, test_pty,
                     test_concurrent, test_kill9, test_fingerprint,
                     test_initdb, test_password_minimum):
            t0 = time.time()
            try:
                test(tmp)
            except Exception as e:  # a crash is one failure, not the end
                check(False, "%s raised" % test.__name__,
                      "%s: %s" % (type(e).__name__, e))
            print("%s: %.1f s" % (test.__name__, time.time() - t0))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("total %.1f s" % (time.time() - start))
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 0 if FAILED == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
