#!/usr/bin/env python3
"""systemd_e2e.py: securechatd's side of systemd and of an install,
tested without a running systemd, with the real binaries on 127.0.0.1.

- socket activation: a listening socket made here is passed as fd 3 with
  LISTEN_FDS=1 and LISTEN_PID=<the daemon's pid>; two real clients (batch
  mode) chat over it; a malformed LISTEN_FDS or a descriptor that is no
  listening socket is refused; LISTEN_PID of another process is ignored;
- the watchdog: with NOTIFY_SOCKET bound here and WATCHDOG_USEC set,
  WATCHDOG=1 arrives while the loop runs and stops while the loop is
  blocked (SIGUSR2 with SECURECHATD_TEST_STALL_MS: the event loop sleeps
  while the daemon's other threads run on), then comes back; none for
  another WATCHDOG_PID;
- a second instance on a taken port creates no key, no log folder;
- a missing file is named by its full path; --help names no file that is
  not installed;
- under the journal (JOURNAL_STREAM names stderr) no log file unless
  log_dir is set;
- the generated config file lists every setting of the table, passes
  --check-config, and the man pages render without a warning.

usage: systemd_e2e.py BUILD_DIR
Prints "N passed, M failed" last; exits non-zero on any failure.
"""
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import client_tmux as ct  # noqa: E402  (its helpers: hash, ports, batch)

BUILD = ct.BUILD
SERVER = ct.SERVER
CONF = os.path.join(BUILD, "server", "securechatd.conf")
MAN_PAGES = [os.path.join(ct.BUILD, "docs", "securechatd.conf.5")]
SOURCE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN_PAGES += [os.path.join(SOURCE, "docs", "man", p) for p in
              ("securechat.1", "securechatd.8", "securechatctl.8")]
TIMEOUT = 10.0

passed = 0
failed = 0


def write_users(folder, names):
    path = os.path.join(folder, "users.json")
    with open(path, "w") as f:
        json.dump({n: ct.werkzeug_hash(ct.PASSWORD) for n in names}, f)
    return path


def daemon_args(folder, port):
    """Flags for a daemon whose every file is in folder."""
    return [SERVER, "--listen", "127.0.0.1", "--port", str(port),
            "--users", os.path.join(folder, "users.json"),
            "--key", os.path.join(folder, "server.key"),
            "--database", os.path.join(folder, "securechat.db"),
            "--log-dir", folder]


def notify_socket(folder):
    path = os.path.join(folder, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    return sock, path


def wait_datagram(sock, needle, timeout=TIMEOUT):
    """Waits for a datagram containing needle; fails after timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r, _, _ = select.select([sock], [], [], end - time.monotonic())
        if r and needle in sock.recv(4096):
            return
    raise AssertionError("no %r on the notify socket" % needle)


def count_datagrams(sock, needle, seconds):
    """How many datagrams with needle arrive within seconds."""
    n = 0
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return n
        r, _, _ = select.select([sock], [], [], left)
        if r and needle in sock.recv(4096):
            n += 1


def stop(proc):
    """SIGTERM; the daemon must exit 0."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, "securechatd exited %d" % proc.returncode


def read_until(proc, needle, timeout=TIMEOUT):
    """Reads proc's stdout until a line containing needle."""
    end = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < end:
        r, _, _ = select.select([proc.stdout], [], [], end - time.monotonic())
        if not r:
            break
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
        if needle.encode() in seen:
            return seen.decode(errors="replace")
    raise AssertionError("no %r in %r" % (needle, seen))


def activated(folder, listener, env_extra=None, listen_pid=None):
    """Starts securechatd with listener as fd 3, LISTEN_FDS=1 and
    LISTEN_PID=its own pid (the shell's $$, kept by exec) or
    listen_pid. Its --port is another free port, unused when the socket
    is taken."""
    # Above 3, so that "3<&fd" copies it (fd may be 3 itself here), and
    # one digit, as sh (dash) reads it.
    fd = fcntl.fcntl(listener.fileno(), fcntl.F_DUPFD_CLOEXEC, 5)
    assert fd <= 9, fd
    pid = "$$" if listen_pid is None else str(listen_pid)
    script = ('LISTEN_PID=%s LISTEN_FDS=${LISTEN_FDS:-1} '
              'exec "$0" "$@" 3<&%d %d<&-' % (pid, fd, fd))
    env = dict(os.environ, **(env_extra or {}))
    err = open(os.path.join(folder, "stderr.txt"), "wb")
    proc = subprocess.Popen(
        ["sh", "-c", script] + daemon_args(folder, ct.free_port()),
        pass_fds=(fd,), env=env, stdout=err, stderr=err)
    err.close()
    os.close(fd)
    return proc


def stderr_text(folder):
    with open(os.path.join(folder, "stderr.txt"), errors="replace") as f:
        return f.read()


def test_socket_activation_chat(folder, home):
    """A socket passed through LISTEN_FDS carries a chat between two real
    clients; the daemon never binds its configured port."""
    write_users(folder, ["alice", "bob"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    sock, path = notify_socket(folder)
    proc = activated(folder, listener, {"NOTIFY_SOCKET": path})
    listener.close()  # the daemon holds the only copy now
    try:
        wait_datagram(sock, b"READY=1")
        text = stderr_text(folder)
        assert "socket from systemd, descriptor 3" in text, text
        assert "listening on 127.0.0.1 port %d" % port in text, text
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"),
                   XDG_CONFIG_HOME=os.path.join(home, "config"))
        bob = subprocess.Popen([ct.CLIENT, "--batch", "--accept-new-key",
                                "--port", str(port)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, env=env)
        try:
            bob.stdin.write(("/login bob %s\n" % ct.PASSWORD).encode())
            bob.stdin.flush()
            read_until(bob, "-- logged in as bob")
            rc, out, err = ct.run_batch(port, home, [
                "/login alice " + ct.PASSWORD, "hello over a passed socket"])
            assert rc == 0, (rc, out, err)
            assert "<alice> hello over a passed socket" in out, out
            read_until(bob, "<alice> hello over a passed socket")
        finally:
            bob.stdin.close()
            bob.wait(TIMEOUT)
    finally:
        sock.close()
        stop(proc)


def test_socket_activation_refused(folder, home):
    """Bad LISTEN_FDS values and a descriptor that is no listening socket
    stop the daemon with a message; another process's LISTEN_PID is
    ignored (the daemon binds its own port)."""
    write_users(folder, ["alice"])
    # Not listening: a plain, unbound TCP socket as fd 3.
    plain = socket.socket()
    proc = activated(folder, plain)
    plain.close()
    assert proc.wait(TIMEOUT) != 0
    assert "descriptor 3 is not a listening socket" in stderr_text(folder)
    assert not os.path.exists(os.path.join(folder, "server.key"))
    for bad in ("0", "x", "17", "1junk"):
        lst = socket.socket()
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        proc = activated(folder, lst, {"LISTEN_FDS": bad})
        lst.close()
        assert proc.wait(TIMEOUT) != 0, bad
        assert "LISTEN_FDS=\"%s\"" % bad in stderr_text(folder), bad
    # LISTEN_PID of another process: not ours, so bind --port as usual.
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    sock, path = notify_socket(folder)
    proc = activated(folder, lst, {"NOTIFY_SOCKET": path}, listen_pid=1)
    lst.close()
    try:
        wait_datagram(sock, b"READY=1")
        assert "socket from systemd" not in stderr_text(folder)
        assert "listening on 127.0.0.1 port" in stderr_text(folder)
    finally:
        sock.close()
        stop(proc)


def test_watchdog(folder, home):
    """WATCHDOG=1 comes every WATCHDOG_USEC/2 while the loop runs, stops
    while the loop is blocked and comes back after."""
    write_users(folder, ["alice"])
    sock, path = notify_socket(folder)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC="200000",
               SECURECHATD_TEST_STALL_MS="1500")
    err = open(os.path.join(folder, "stderr.txt"), "wb")
    proc = subprocess.Popen(daemon_args(folder, ct.free_port()), env=env,
                            stdout=err, stderr=err)
    err.close()
    try:
        wait_datagram(sock, b"READY=1")
        n = count_datagrams(sock, b"WATCHDOG=1", 1.0)
        assert n >= 5, "only %d WATCHDOG=1 in a second (every 100 ms)" % n
        proc.send_signal(signal.SIGUSR2)
        end = time.monotonic() + TIMEOUT
        while "blocking the event loop" not in stderr_text(folder):
            assert time.monotonic() < end, "the stall never started"
            time.sleep(0.01)
        count_datagrams(sock, b"WATCHDOG=1", 0.05)  # sent just before
        n = count_datagrams(sock, b"WATCHDOG=1", 1.0)
        assert n == 0, "%d WATCHDOG=1 while the loop was blocked" % n
        # Still alive (sleeping in the loop), not stopped or dead.
        with open("/proc/%d/stat" % proc.pid) as f:
            assert f.read().split(")")[1].split()[0] in "SR"
        wait_datagram(sock, b"WATCHDOG=1", 3.0)
        n = count_datagrams(sock, b"WATCHDOG=1", 1.0)
        assert n >= 5, "only %d WATCHDOG=1 after the stall" % n
    finally:
        sock.close()
        stop(proc)
    # WATCHDOG_PID of another process: no watchdog here.
    os.unlink(path)
    sock, path = notify_socket(folder)
    env.update(NOTIFY_SOCKET=path, WATCHDOG_PID="1")
    proc = subprocess.Popen(daemon_args(folder, ct.free_port()), env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_datagram(sock, b"READY=1")
        assert count_datagrams(sock, b"WATCHDOG=1", 0.6) == 0
    finally:
        sock.close()
        stop(proc)


def test_second_instance(folder, home):
    """A second daemon on a taken port fails before it creates a key or
    a log folder, and leaves the first one's key alone."""
    write_users(folder, ["alice"])
    port = ct.free_port()
    sock, path = notify_socket(folder)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    proc = subprocess.Popen(daemon_args(folder, port), env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_datagram(sock, b"READY=1")
        with open(os.path.join(folder, "server.key"), "rb") as f:
            key = f.read()
        other = os.path.join(folder, "other")
        args = daemon_args(folder, port)
        args[args.index("--key") + 1] = os.path.join(other, "server.key")
        args[args.index("--log-dir") + 1] = os.path.join(other, "logs")
        p = subprocess.run(args, capture_output=True, timeout=TIMEOUT)
        assert p.returncode != 0
        assert b"cannot listen on 127.0.0.1 port %d" % port in p.stderr
        assert not os.path.exists(other), os.listdir(other)
        # The same key path: the file is untouched.
        p = subprocess.run(daemon_args(folder, port), capture_output=True,
                           timeout=TIMEOUT)
        assert p.returncode != 0
        with open(os.path.join(folder, "server.key"), "rb") as f:
            assert f.read() == key
    finally:
        sock.close()
        stop(proc)


def test_messages_name_paths(folder, home):
    """Missing files are named by their whole path; --help points at
    man pages, not at a file that is not installed."""
    missing = os.path.join(folder, "nowhere", "users.json")
    p = subprocess.run([SERVER, "--users", missing, "--check-config"],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2
    assert p.stderr.decode() == \
        "securechatd: %s: No such file or directory\n" % missing, p.stderr
    p = subprocess.run([SERVER, "--users", missing], capture_output=True,
                       timeout=TIMEOUT, cwd=folder)
    assert p.returncode != 0
    assert missing.encode() in p.stderr, p.stderr
    conf = os.path.join(folder, "nowhere.conf")
    p = subprocess.run([SERVER, "--config", conf], capture_output=True,
                       timeout=TIMEOUT)
    assert p.returncode == 2 and conf.encode() in p.stderr, p.stderr
    p = subprocess.run([SERVER, "--help"], capture_output=True,
                       timeout=TIMEOUT)
    assert p.returncode == 0
    assert b"PROTOCOL.md" not in p.stdout
    assert b"securechatd.conf(5)" in p.stdout


def test_journal_log_file_opt_in(folder, home):
    """With stderr the journal, the default writes no log file; an
    explicit log_dir still does."""
    write_users(folder, ["alice"])
    errpath = os.path.join(folder, "journal.txt")
    for explicit in (False, True):
        err = open(errpath, "wb")
        st = os.fstat(err.fileno())
        sock, path = notify_socket(folder)
        env = dict(os.environ, NOTIFY_SOCKET=path,
                   JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
        args = [SERVER, "--port", str(ct.free_port()),
                "--users", os.path.join(folder, "users.json"),
                "--key", os.path.join(folder, "server.key"),
                "--database", ""]
        if explicit:
            args += ["--log-dir", os.path.join(folder, "logs")]
        proc = subprocess.Popen(args, env=env, stdout=err, stderr=err,
                                cwd=folder)
        err.close()
        try:
            wait_datagram(sock, b"READY=1")
        finally:
            sock.close()
            os.unlink(path)
            stop(proc)
        with open(errpath) as f:
            lines = f.read()
        assert re.search(r"^<5>securechatd", lines, re.M), lines
        default_dir = os.path.join(folder, "data", "logs")
        assert not os.path.exists(default_dir)
        explicit_log = os.path.join(folder, "logs", "securechatd.log")
        assert os.path.exists(explicit_log) == explicit


def setting_names():
    """The settings of the daemon's table, from --dump-settings man."""
    p = subprocess.run([SERVER, "--dump-settings", "man"],
                       capture_output=True, timeout=TIMEOUT, check=True)
    names = re.findall(r"^\.B (\S+)$", p.stdout.decode(), re.M)
    assert len(names) >= 20, names
    return names


def strip_comments(text):
    return "".join(l for l in text.splitlines(True)
                   if not l.lstrip().startswith("#"))


def test_config_file_and_man_pages(folder, home):
    """The packaged config file and securechatd.conf(5) list every
    setting of the table (with its default in the page); the config file
    passes --check-config; every man page renders without a warning."""
    names = setting_names()
    with open(CONF) as f:
        text = f.read()
    conf = json.loads(strip_comments(text))
    assert list(conf) == names, (list(conf), names)
    assert conf["users"] == "/var/lib/securechatd/users.json"
    assert conf["log_dir"] == ""
    with open(MAN_PAGES[0]) as f:
        page = f.read()
    for n in names:
        assert "\n.B %s\n" % n in page, n
    defaults = subprocess.run([SERVER, "--dump-settings", "conf"],
                              capture_output=True, check=True).stdout
    for n, v in json.loads(strip_comments(defaults.decode())).items():
        assert "Default: %s;" % json.dumps(v) in page, (n, v)
    users = write_users(folder, ["alice"])
    p = subprocess.run([SERVER, "--config", CONF, "--users", users,
                        "--key", os.path.join(folder, "k"),
                        "--check-config"],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 0, p.stderr
    assert b"configuration OK: 1 users" in p.stdout
    # A comment line is a comment anywhere; a bad value names the file.
    bad = os.path.join(folder, "bad.conf")
    with open(bad, "w") as f:
        f.write(text.replace('"port": 65432', '"port": 70000'))
    p = subprocess.run([SERVER, "--config", bad, "--check-config"],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2
    assert p.stderr.decode() == ("securechatd: %s: port: 70000 is out of "
                                 "range (1 to 65535)\n" % bad), p.stderr
    with open(bad, "w") as f:
        f.write('{\n  "port": 1,\n  # "port": 2,\n  x\n}\n')
    p = subprocess.run([SERVER, "--config", bad, "--check-config"],
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 2 and ("%s:4:" % bad).encode() in p.stderr, \
        p.stderr
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    for page in MAN_PAGES:
        p = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", page],
                           capture_output=True, env=env, timeout=TIMEOUT)
        assert p.returncode == 0 and p.stderr == b"", (page, p.stderr)
        p = subprocess.run(["man", "--warnings", "-l", page],
                           capture_output=True, env=env, timeout=TIMEOUT)
        assert p.returncode == 0 and p.stderr == b"", (page, p.stderr)
        assert b"SEE ALSO" in p.stdout, page


TESTS = [test_socket_activation_chat, test_socket_activation_refused,
         test_watchdog, test_second_instance, test_messages_name_paths,
         test_journal_log_file_opt_in, test_config_file_and_man_pages]


def main():
    global passed, failed
    only = os.environ.get("SC_TEST_ONLY")
    for t in TESTS:
        if only and only not in t.__name__:
            continue
        folder = tempfile.mkdtemp(prefix="scsysd-")
        home = tempfile.mkdtemp(prefix="schome-")
        start = time.time()
        try:
            t(folder, home)
            passed += 1
            print("ok   %s (%.1fs)" % (t.__name__, time.time() - start))
        except Exception:
            failed += 1
            print("FAIL %s" % t.__name__)
            traceback.print_exc()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            shutil.rmtree(home, ignore_errors=True)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
