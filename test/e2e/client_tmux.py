#!/usr/bin/env python3
"""End-to-end tests of the securechat client: the real client in tmux
(new-session -x 120 -y 40, send-keys, capture-pane) and in batch mode,
against the real securechatd on 127.0.0.1 (and a hostile fake server).

usage: client_tmux.py BUILD_DIR
Prints "N passed, M failed" last; exits non-zero on any failure.
"""
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import traceback

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
SERVER = os.path.join(BUILD, "server", "securechatd")
CLIENT = os.path.join(BUILD, "client", "securechat")
CTL = os.path.join(BUILD, "server", "securechatctl")
HOLD = os.path.join(BUILD, "test", "e2e", "hold_users")
SAY = os.path.join(BUILD, "test", "e2e", "say_lines")
HOSTILE = os.path.join(BUILD, "test", "e2e", "hostile_server")
PASSWORD = "password123"
TMUX_SOCKET = "sctest-%d" % os.getpid()
TIMEOUT = 10.0

passed = 0
failed = 0
skipped = 0


class Skip(Exception):
    """A test that cannot run against this server."""


def werkzeug_hash(password, iterations=1000):
    alphabet = string.ascii_letters + string.digits
    salt = "".join(secrets.choice(alphabet) for _ in range(16))
    dk = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(),
                             iterations)
    return "pbkdf2:sha256:%d$%s$%s" % (iterations, salt, dk.hex())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A real securechatd in a temporary folder, started until READY=1."""

    def __init__(self, users, extra=None, port=None, folder=None):
        self.dir = folder or tempfile.mkdtemp(prefix="sctmux-")
        self.port = port or free_port()
        self.users = os.path.join(self.dir, "users.json")
        if not os.path.exists(self.users):
            with open(self.users, "w") as f:
                json.dump({u: werkzeug_hash(PASSWORD) for u in users}, f)
        conf = {"listen": "127.0.0.1", "port": self.port,
                "users": self.users,
                "key": os.path.join(self.dir, "server.key"),
                "log_dir": self.dir, "log_level": "debug",
                "database": os.path.join(self.dir, "securechat.db"),
                "rate_burst": 1000, "rate_per_sec": 1000}
        conf.update(extra or {})
        self.config = os.path.join(self.dir, "config.json")
        with open(self.config, "w") as f:
            json.dump(conf, f)
        self.start()

    def start(self):
        notify = os.path.join(self.dir, "notify")
        if os.path.exists(notify):
            os.unlink(notify)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(notify)
        sock.settimeout(TIMEOUT)
        env = dict(os.environ, NOTIFY_SOCKET=notify)
        self.err = open(os.path.join(self.dir, "stderr.txt"), "ab")
        self.proc = subprocess.Popen([SERVER, "--config", self.config],
                                     env=env, stdout=self.err,
                                     stderr=self.err)
        try:
            while True:
                if b"READY=1" in sock.recv(4096):
                    break
        finally:
            sock.close()

    def stop(self):
        """SIGTERM; the daemon must exit 0 (under ASan: no error)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        assert self.proc.returncode == 0, \
            "securechatd exited with %d" % self.proc.returncode

    def log(self):
        with open(os.path.join(self.dir, "securechatd.log"),
                  errors="replace") as f:
            return f.read()

    def cleanup(self):
        try:
            if not self.err.closed:
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", TMUX_SOCKET] + list(args),
                          check=check, capture_output=True, text=True)


class Pane:
    """The client in its own tmux session."""

    counter = 0

    def __init__(self, port, home, args=(), x=120, y=40, accept=True):
        Pane.counter += 1
        self.name = "c%d" % Pane.counter
        env = "XDG_DATA_HOME=%s XDG_CONFIG_HOME=%s" % (
            os.path.join(home, "data"), os.path.join(home, "config"))
        # A new server's key is trusted without the question unless a
        # test asks it (test_first_contact).
        cmd = "%s %s --port %d %s %s; sleep 30" % (
            env, CLIENT, port, "--accept-new-key" if accept else "",
            " ".join(args))
        tmux("new-session", "-d", "-s", self.name, "-x", str(x), "-y",
             str(y), cmd)

    def keys(self, *keys):
        tmux("send-keys", "-t", self.name, *keys)

    def type(self, text):
        tmux("send-keys", "-t", self.name, "-l", text)
        tmux("send-keys", "-t", self.name, "Enter")

    def screen(self):
        return tmux("capture-pane", "-t", self.name, "-p").stdout

    def wait(self, needle, timeout=TIMEOUT, gone=False):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if (needle in s) != gone:
                return s
            time.sleep(0.05)
        raise AssertionError("%s %r on screen:\n%s" % (
            "still" if gone else "never saw", needle, self.screen()))

    def title(self):
        return tmux("display-message", "-t", self.name, "-p",
                    "#{pane_title}").stdout.strip()

    def resize(self, x, y):
        tmux("resize-window", "-t", self.name, "-x", str(x), "-y", str(y))

    def close(self):
        tmux("kill-session", "-t", self.name, check=False)


def login(pane, user):
    pane.wait("log in with /login")
    pane.type("/login " + user)
    pane.wait("password for %s:" % user)
    pane.type(PASSWORD)
    pane.wait("logged in as " + user)


def status_line(screen):
    lines = screen.rstrip("\n").split("\n")
    return lines[-2] if len(lines) >= 2 else ""


# ---- the tests --------------------------------------------------------


def test_login_chat_private(home):
    srv = Server(["alice", "bob", "carol"])
    try:
        a = Pane(srv.port, home)
        # Before login, in the server buffer.
        s = a.wait("log in with /login")
        assert "new server 127.0.0.1:%d: pinned its key" % srv.port in s
        login(a, "alice")
        s = a.wait("#lobby (1)")
        # The status line: server, state, key, user.
        st = status_line(s)
        assert "127.0.0.1:%d" % srv.port in st and "logged in" in st, st
        assert "alice" in st
        # The password was never shown.
        assert PASSWORD not in s
        b = Pane(srv.port, home)
        login(b, "bob")
        a.wait("bob is online")
        a.wait("#lobby (2)")
        b.type("hello from bob")
        s = a.wait("<bob> hello from bob")
        b.wait("<bob> hello from bob")
        a.type("/msg bob just between us")
        # A private message goes to the conversation's own buffer (2),
        # which counts it as unread until it is shown (Alt+2).
        b.wait("2:@alice(1)")
        b.keys("M-2")
        b.wait("*alice -> bob* just between us")
        a.keys("M-2")
        a.wait("*alice -> bob* just between us")
        a.keys("M-1")
        a.wait("<bob> hello from bob")
        # Tab completes a nick at the start of the line.
        a.keys("-l", "bo")
        a.keys("Tab")
        a.keys("-l", "x")
        a.wait("> bob: x")
        a.keys("C-u")
        # Unknown command: a local error in words.
        a.type("/frobnicate")
        a.wait("unknown command /frobnicate")
        # A server error in words, not codes.
        a.type("/msg carol are you there")
        a.wait("is not online")
        # Too long: refused locally with a message, not truncated.
        a.keys("-l", "x" * 4097)
        a.keys("Enter")
        a.wait("message too long: 4097 bytes")
        a.keys("C-u")
        b.type("/quit")
        a.wait("bob went offline")
        a.close()
        b.close()
    finally:
        srv.cleanup()


def test_commands_and_history(home):
    """Usage errors and /help from the command table; Tab completes a
    command; a password typed on the /login line never reaches the
    history (Up shows the line without it)."""
    srv = Server(["alice"])
    try:
        a = Pane(srv.port, home)
        a.wait("log in with /login")
        a.type("/login")
        a.wait("usage: /login <user> [password]")
        a.type("/help")
        s = a.wait("Ctrl-L redraw")
        assert "/msg <user> <text>        private message" in s, s
        assert "//text                    say text that starts with /" in s
        a.type("hello")
        a.wait("not logged in: use /login <user>")
        a.keys("-l", "/he")
        a.keys("Tab")
        a.wait("> /help")
        a.keys("C-u")
        a.type("/login alice " + PASSWORD)
        s = a.wait("logged in as alice")
        assert PASSWORD not in s, s
        a.keys("Up")
        s = a.wait("> /login alice")
        assert PASSWORD not in s
        a.keys("Up")
        a.wait("> hello")
        a.keys("Down")
        s = a.wait("> /login alice")
        assert PASSWORD not in s
        a.close()
    finally:
        srv.cleanup()


def test_sidebar_100_users(home):
    srv = Server(["alice"] + ["u%d" % i for i in range(100)])
    hold = None
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        hold = subprocess.Popen([HOLD, str(srv.port), "u", "100"],
                                stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        assert hold.stdout.readline().strip() == b"ready"
        s = a.wait("#lobby (101)")
        # Sorted by byte value: "alice" then u0, u1, u10, ...
        assert "alice" in s and "more" in s
        assert "\u2193" in s and "\u2191" not in s  # more below only
        top = s
        a.keys("F12")
        s = a.wait("\u2191")                          # names above now
        assert s != top
        for _ in range(5):
            a.keys("F12")
        s = a.wait("u99 ")                            # the end of the list
        assert "\u2193" not in s.split("\n")[-3]
        for _ in range(6):
            a.keys("F11")
        s = a.wait("\u2191", gone=True)               # back at the top
        assert "alice" in s
        a.close()
    finally:
        if hold is not None:
            hold.stdin.close()
            hold.wait(10)
        srv.cleanup()


def test_scroll_pgup_end(home):
    srv = Server(["alice", "bob"])
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        # Said by another client: this one would pace 80 lines at a
        # default server's rate (a burst of 10, then 5 a second), 14 s.
        say_batch(srv.port, home, "bob", "lobby",
                  ["message number %03d" % i for i in range(80)])
        a.wait("message number 079")
        a.keys("PPage")
        s = a.wait("SCROLLED")
        assert "message number 079" not in s
        a.keys("PPage")
        # The first page may hold "message number 00x" already: wait
        # for the top, which only the second shows.
        a.wait("message number 000")
        # New lines while scrolled up do not yank the view.
        before = a.screen().split("\n")[:30]
        b.type("a brand new line")
        s = a.wait("MORE (1 new)")
        assert "a brand new line" not in s
        assert s.split("\n")[:30] == before
        a.keys("End")
        s = a.wait("a brand new line")
        assert "MORE" not in s and "SCROLLED" not in s
        a.keys("PPage")
        a.wait("SCROLLED")
        a.keys("NPage")
        a.keys("NPage")
        a.keys("NPage")
        a.wait("SCROLLED", gone=True)
        a.close()
        b.close()
    finally:
        srv.cleanup()


def test_fast_lines_paced(home):
    """30 lines typed at once against the default rate (a burst of 10,
    5 a second): the client queues and paces them, all 30 arrive, none
    is refused as too fast, and the status line shows the queue."""
    srv = Server(["alice", "bob"], {"rate_burst": 10, "rate_per_sec": 5})
    try:
        a = Pane(srv.port, home, y=50)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        keys = []
        for i in range(30):
            keys += ["fast line %02d" % i, "Enter"]
        b.keys(*keys)
        b.wait("queued")
        s = a.wait("fast line 29", timeout=20)
        for i in range(30):
            assert "fast line %02d" % i in s, "line %d lost" % i
        s = b.wait("queued", gone=True)
        assert "slow down" not in s and "rate" not in s
        a.close()
        b.close()
    finally:
        srv.cleanup()


def test_search(home):
    """Ctrl-R finds a line scrolled out of view, newest match first;
    Ctrl-R again goes to the older one; Esc returns to the bottom."""
    srv = Server(["alice", "bob"])
    try:
        a = Pane(srv.port, home, y=15)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        b.type("findme alpha")
        for i in range(12):
            b.type("filler %02d" % i)
        b.type("FindMe beta")
        for i in range(12, 24):
            b.type("filler %02d" % i)
        s = a.wait("filler 23", timeout=20)
        assert "findme alpha" not in s and "FindMe beta" not in s
        a.keys("C-r")
        a.wait("search (type the words)")
        a.keys("-l", "findme")
        s = a.wait("(1 of 2)")
        assert "FindMe beta" in s and "findme alpha" not in s
        a.keys("C-r")
        s = a.wait("(2 of 2)")
        assert "findme alpha" in s
        a.keys("Down")
        s = a.wait("(1 of 2)")
        assert "FindMe beta" in s
        a.keys("C-r")
        a.wait("(2 of 2)")
        a.keys("C-s")
        a.wait("(1 of 2)")
        # Enter ends the search where it is; Alt+End goes to the bottom.
        a.keys("Enter")
        s = a.wait("search:", gone=True)
        assert "SCROLLED" in s and "FindMe beta" in s
        a.keys("M-End")
        s = a.wait("SCROLLED", gone=True)
        assert "filler 23" in s
        a.keys("C-r")
        a.keys("-l", "alpha")
        a.wait("(1 of 1)")
        a.keys("Escape")
        s = a.wait("search:", gone=True)
        assert "filler 23" in s and "SCROLLED" not in s
        a.type("/list")
        a.wait("2 users online: alice bob")
        a.type("/search zebra")
        a.wait("search: zebra: no match")
        a.keys("Escape")
        a.wait("search:", gone=True)
        a.close()
        b.close()
    finally:
        srv.cleanup()


def paste(pane, text):
    """Pastes text into pane as a terminal does (bracketed when the
    client asked for it)."""
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(text)
    try:
        tmux("load-buffer", "-b", "scpaste", f.name)
        tmux("paste-buffer", "-p", "-d", "-b", "scpaste", "-t", pane.name)
    finally:
        os.unlink(f.name)


def test_paste_lines(home):
    """A pasted block is one message with its lines; more than 5 lines
    asks first."""
    srv = Server(["alice", "bob"])
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        paste(b, "first pasted\nsecond pasted\nthird pasted\n")
        b.wait("first pasted\u240asecond pasted")
        b.keys("Enter")
        s = a.wait("third pasted")
        assert "<bob> first pasted" in s
        assert "<bob> second pasted" not in s and "second pasted" in s
        assert "<bob> third pasted" not in s
        paste(b, "".join("seven %d\n" % i for i in range(7)))
        b.keys("Enter")
        b.wait("send 7 lines? (y/n)")
        b.keys("n")
        b.wait("not sent: the lines stay")
        b.keys("Enter")
        b.wait("send 7 lines? (y/n)")
        b.keys("y")
        s = a.wait("seven 6")
        assert "<bob> seven 0" in s and "<bob> seven 6" not in s
        a.close()
        b.close()
    finally:
        srv.cleanup()


def test_mouse_off_by_default(home):
    """The mouse is the terminal's unless --mouse."""
    srv = Server(["alice"])
    try:
        a = Pane(srv.port, home)
        a.wait("log in with /login")
        flag = tmux("display-message", "-t", a.name, "-p",
                    "#{mouse_any_flag}").stdout.strip()
        assert flag == "0", flag
        m = Pane(srv.port, home, args=("--mouse",))
        m.wait("log in with /login")
        flag = tmux("display-message", "-t", m.name, "-p",
                    "#{mouse_any_flag}").stdout.strip()
        assert flag == "1", flag
        a.close()
        m.close()
    finally:
        srv.cleanup()


def test_resize(home):
    srv = Server(["alice", "bob"])
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        long = "the quick brown fox jumps over the lazy dog " * 4
        b.type(long.strip())
        a.wait("lazy dog the quick")
        a.resize(60, 20)
        time.sleep(0.3)
        s = a.wait("#lobby (2)")
        lines = s.split("\n")
        assert len(lines) <= 21 and max(len(l) for l in lines) <= 60
        # Wrapped with an indent under the prefix, nothing lost.
        joined = " ".join(l.split("\u2502")[0].strip() for l in lines)
        assert "jumps over the lazy dog the quick brown fox jumps" in joined
        a.resize(40, 10)
        time.sleep(0.3)
        s = a.screen()
        assert "#lobby (" not in s  # the sidebar hides when narrow
        assert "logged in" in s
        a.resize(120, 40)
        time.sleep(0.3)
        s = a.wait("#lobby (2)")
        assert long.strip()[:60] in s
        a.keys("C-l")
        a.wait("#lobby (2)")
        a.close()
        b.close()
    finally:
        srv.cleanup()


def test_hostile_server(home):
    folder = tempfile.mkdtemp(prefix="schostile-")
    port = free_port()
    proc = subprocess.Popen([HOSTILE, str(port),
                             os.path.join(folder, "key")],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        a = Pane(port, home)
        a.wait("log in with /login")
        a.type("/login victim nopassword")
        a.wait("CLEARED?")
        # Every attack has arrived once the last one shows.
        s = a.wait("HACKED")
        # The clear-screen was neutralised: earlier lines are still there.
        assert "logged in as victim" in s
        assert "\u241b[2J" in s                 # ESC shown as a picture
        assert "\u241b]0;pwned-title\u2407" in s
        assert a.title() != "pwned-title"
        assert "\u241b]52;c;" in s              # no clipboard write
        assert "evil\u241b[31mRED" in s         # in the sidebar
        assert "\ufffdevil-rlo" in s            # bidi override replaced
        assert "c1:\ufffd31m" in s
        assert "notice \u241b[?1049h alt screen" in s
        assert "server says \u241b[41m HACKED" in s
        # The private message is in its own buffer (2: @mallory), the
        # first remarks in the server buffer (0).
        a.keys("M-2")
        s = a.wait("back\u2408space\u240dcarriage")
        assert "\x1b" not in s
        a.keys("M-0")
        s = a.wait("new server 127.0.0.1:%d" % port)
        assert "notice \u241b[?1049h alt screen" in s
        a.close()
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_restart_reconnect(home):
    srv = Server(["alice"])
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        srv.stop()
        a.wait("the server is shutting down")
        a.wait("reconnecting in")
        srv.start()
        # Logged in again with the password typed earlier.
        deadline = time.time() + 15
        while time.time() < deadline:
            if srv.log().count("login 127.0.0.1") >= 2:
                break
            time.sleep(0.1)
        s = a.wait("logged in as alice")
        assert srv.log().count("user alice (1 session)") >= 2
        assert "logged in" in status_line(a.screen())
        a.close()
    finally:
        srv.cleanup()


def test_changed_key_refused(home):
    srv = Server(["alice"])
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        a.close()
        srv.stop()
        os.unlink(os.path.join(srv.dir, "server.key"))
        old_log = len(srv.log())
        srv.start()                             # a new key, same address
        b = Pane(srv.port, home)
        b.wait("HAS CHANGED")
        assert "KEY REFUSED" in status_line(b.wait("KEY REFUSED"))
        # The warning's lines may be drawn after its first: wait for them.
        s = b.wait("known_servers")
        assert "sed -i" in s and "known_servers" in s
        time.sleep(1.5)
        s = b.screen()
        assert "log in with" not in s and "reconnecting" not in s
        new_log = srv.log()[old_log:]
        assert "created a new server key" in new_log
        assert "handshake 127.0.0.1" not in new_log  # no msg3 sent
        assert "user alice" not in new_log
        # The old entry removed as the warning says, /connect trusts
        # the new key without a restart of the client.
        known = os.path.join(home, "data", "securechat", "known_servers")
        with open(known) as f:
            kept = [l for l in f if ":%d " % srv.port not in l]
        with open(known, "w") as f:
            f.writelines(kept)
        b.type("/connect")
        b.wait("pinned its key")
        login(b, "alice")
        b.close()
    finally:
        srv.cleanup()


def run_batch(port, home, lines, args=(), timeout=15, accept=True):
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"),
               XDG_CONFIG_HOME=os.path.join(home, "config"))
    p = subprocess.run([CLIENT, "--port", str(port)] +
                       (["--accept-new-key"] if accept else []) + list(args),
                       input="".join(l + "\n" for l in lines).encode(),
                       capture_output=True, env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_batch(home):
    srv = Server(["alice", "bob"])
    try:
        rc, out, err = run_batch(srv.port, home, [
            "/login alice " + PASSWORD, "hello batch", "/me waves", "/list"])
        assert rc == 0, (rc, out, err)
        assert "-- logged in as alice" in out
        assert "<alice> hello batch" in out
        assert "* alice waves" in out
        assert "-- online: alice" in out
        assert "-- bye: quit" in out
        # --user: the password is the first line.
        rc, out, err = run_batch(srv.port, home, [PASSWORD, "/msg bob x"],
                                 args=["--user", "alice", "--json"])
        assert rc == 0, (rc, out, err)
        events = [json.loads(l) for l in out.splitlines()]
        assert events[0]["type"] == "login_ok"
        assert {"type": "error", "code": "not_online"}.items() <= \
            events[1].items(), events
        # Wrong password: exit 1.
        rc, out, err = run_batch(srv.port, home, ["/login alice wrong",
                                                  "never sent"])
        assert rc == 1, (rc, out, err)
        assert "<alice> never sent" not in out
        # Nobody listening: exit 1.
        rc, out, err = run_batch(free_port(), home, ["hi"])
        assert rc == 1 and "cannot reach" in err, (rc, out, err)
        # Bad flags: exit 2 with one line.
        p = subprocess.run([CLIENT, "--port", "70000"], capture_output=True)
        assert p.returncode == 2 and len(p.stderr.splitlines()) == 1
        p = subprocess.run([CLIENT, "--version"], capture_output=True)
        assert p.returncode == 0 and p.stdout.startswith(b"securechat ")
    finally:
        srv.cleanup()


def test_batch_hostile(home):
    folder = tempfile.mkdtemp(prefix="schostile-")
    port = free_port()
    proc = subprocess.Popen([HOSTILE, str(port),
                             os.path.join(folder, "key")],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"))
        p = subprocess.Popen([CLIENT, "--batch", "--accept-new-key",
                              "--port", str(port)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        p.stdin.write(b"/login victim x\n")
        p.stdin.flush()
        time.sleep(1.0)
        p.kill()
        out, err = p.communicate()
        for b in (b"\x1b", b"\x07", b"\x08", b"\r", b"\xc2\x9b",
                  b"\xe2\x80\xae"):
            assert b not in out, (b, out)
        assert "\u241b[2J".encode() in out
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def require_rooms(port, home, user="alice"):
    """Skips the test only when the server answers join with
    bad_request (a server without PROTOCOL.md section 7); any other
    answer but joined is a failure."""
    rc, out, err = run_batch(port, home, ["/login %s %s" % (user, PASSWORD),
                                          "/join probe"], args=["--json"])
    events = [json.loads(l) for l in out.splitlines()]
    for e in events:
        if e.get("type") == "joined" and e.get("room") == "probe":
            return
        if e.get("type") == "error" and e.get("ref") == "join":
            if e.get("code") == "bad_request":
                raise Skip("the server answers join with bad_request "
                           "(no rooms yet)")
            raise AssertionError("join refused: %r" % e)
    raise AssertionError("no answer to join: %r %r" % (events, err))


def test_rooms_batch(home):
    """Batch mode: the room commands and their events as one line
    each; lobby lines as before, other rooms' with the room first."""
    srv = Server(["alice", "bob"])
    try:
        require_rooms(srv.port, home)
        rc, out, err = run_batch(srv.port, home, [
            "/login alice " + PASSWORD, "in the lobby", "/join #x",
            "hello x", "/me waves in x", "/topic the x room", "/topic",
            "/names", "/names lobby", "/rooms", "/whois alice",
            "/away lunch", "/away", "/whois nobody_here",
            "/part x bye", "/names x", "/join bad!name"])
        assert rc == 0, (rc, out, err)
        assert "<alice> in the lobby\n" in out, out
        assert "-- joined #x; users: alice\n" in out, out
        assert "[#x] <alice> hello x\n" in out, out
        assert "[#x] * alice waves in x\n" in out, out
        assert "-- alice set the topic of #x: the x room\n" in out, out
        assert "-- topic of #x: the x room\n" in out, out
        assert "-- #x (1 user): alice\n" in out, out
        assert "-- #lobby (1 user): alice\n" in out, out
        assert "#x (1): the x room" in out, out
        assert "-- alice: online, 1 session, idle " in out, out
        assert "rooms: #lobby #x" in out, out
        assert "-- alice is away: lunch\n" in out, out
        assert "-- alice is back\n" in out, out
        assert "!!! there is no such user\n" in out, out
        # parted is {room}: the reason goes to the others (room_part).
        assert "-- you left #x\n" in out, out
        assert "!!! you are not in that room\n" in out, out
        assert "bad room name" in err, err
        # After the part, plain text has nowhere to go but the lobby
        # (Alt+1); in batch mode the current buffer stays #x: refused.
        rc, out, err = run_batch(srv.port, home, [
            "/login bob " + PASSWORD, "/join x", "/part", "hi"])
        assert "-- you left #x\n" in out, out
        assert "you left #x: /join x to go back" in err, err
        assert "<bob> hi" not in out, out
    finally:
        srv.cleanup()


def test_rooms_buffers(home):
    """Rooms as buffers in the terminal: the bar, the members in the
    sidebar, switching with Alt+N, Alt+Left/Right, Ctrl-N/P, unread
    counts, highlights, /query, /part, /topic, /whois."""
    srv = Server(["alice", "bob"])
    try:
        require_rooms(srv.port, home)
        a = Pane(srv.port, home)
        login(a, "alice")
        b = Pane(srv.port, home)
        login(b, "bob")
        a.type("/join rust")
        s = a.wait("you joined #rust")
        assert "0:server 1:#lobby 2:#rust" in s.split("\n")[0], s
        a.wait("#rust (1)")
        assert "#rust" in status_line(s), s
        b.type("/join #rust")
        b.wait("you joined #rust")
        a.wait("bob joined #rust")
        a.wait("#rust (2)")
        # A line naming us is a highlight; the buffer is the current one.
        b.type("hello alice, welcome to rust")
        a.wait("<bob> hello alice, welcome to rust")
        # Elsewhere it counts as unread and marks the buffer.
        a.keys("M-1")
        s = a.wait("#lobby (2)")
        assert "welcome to rust" not in s
        b.type("are you there alice")
        a.wait("2:#rust(1)*")
        b.type("just chatting")
        a.wait("2:#rust(2)*")
        a.keys("M-Right")
        s = a.wait("just chatting")
        assert "2:#rust(" not in s.split("\n")[0], s
        a.keys("C-p")
        a.wait("#lobby (2)")
        a.keys("C-n")
        a.wait("#rust (2)")
        a.keys("M-Left")
        a.wait("#lobby (2)")
        # Lobby text stays in the lobby.
        b.keys("M-1")
        b.type("lobby line")
        a.wait("<bob> lobby line")
        # /query: a private buffer where plain text is a msg.
        a.type("/query bob")
        s = a.wait("#lobby (2)", gone=True)
        assert "3:@bob" in s.split("\n")[0], s
        a.type("only for you")
        a.wait("*alice -> bob* only for you")
        s = b.wait("@alice(1)")
        assert "only for you" not in s
        # Topic, names, whois in words.
        a.keys("M-2")
        a.wait("#rust (2)")
        a.type("/topic all about rust")
        a.wait("alice set the topic of #rust: all about rust")
        b.keys("M-2")
        s = b.wait("alice set the topic of #rust")
        assert "all about rust" in status_line(s), s
        a.type("/whois bob")
        a.wait("bob: online, 1 session")
        a.wait("rooms: #lobby #rust")
        a.type("/rooms")
        a.wait("#rust (2): all about rust")
        # Away: shown to those who share a room.
        b.type("/away lunch")
        b.wait("bob is away: lunch")
        b.type("/away")
        b.wait("bob is back")
        # Part: the others see it, the buffer stays marked.
        b.type("/part rust see you")
        b.wait("you left #rust")
        b.wait("(#rust)")
        a.wait("bob left #rust: see you")
        a.wait("#rust (1)")
        b.type("still here?")
        b.wait("you left #rust: /join rust to go back")
        # Help names the buffer keys.
        a.type("/help")
        a.wait("Alt+Left/Right")
        a.close()
        b.close()
    finally:
        srv.cleanup()


def select_buffer(pane, n, label):
    """Alt+N, then waits until the bar's current label is in the status
    line."""
    pane.keys("M-%d" % n)
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        if label in status_line(pane.screen()):
            return pane.screen()
        time.sleep(0.05)
    raise AssertionError("buffer %s not selected:\n%s" % (label,
                                                        pane.screen()))


def say_batch(port, home, user, room, lines):
    """user says lines in room, at the server's rate (say_lines: the
    client would pace them to a default server's 5 a second)."""
    p = subprocess.run([SAY, str(port), user, room],
                       input="".join(l + "\n" for l in lines).encode(),
                       capture_output=True, timeout=TIMEOUT)
    assert p.returncode == 0, (p.returncode, p.stderr)


def test_history_join(home):
    """Joining a room shows what was said there before, in order, once,
    above the live lines."""
    srv = Server(["alice", "bob"])
    try:
        require_rooms(srv.port, home)
        say_batch(srv.port, home, "bob", "hist",
                  ["stored one", "stored two", "stored three"])
        a = Pane(srv.port, home)
        login(a, "alice")
        a.type("/join hist")
        s = a.wait("<bob> stored three")
        for t in ("stored one", "stored two", "stored three"):
            assert s.count(t) == 1, s
        assert s.index("stored one") < s.index("stored two") < \
            s.index("stored three"), s
        say_batch(srv.port, home, "bob", "hist", ["live four"])
        s = a.wait("<bob> live four")
        assert s.index("stored three") < s.index("live four"), s
        assert s.count("stored one") == 1, s
        # In batch mode /history prints them with their own time.
        rc, out, err = run_batch(srv.port, home, [
            "/login alice " + PASSWORD, "/join hist", "/history"])
        assert rc == 0, (rc, out, err)
        assert "[#hist] <bob> stored one\n" in out, out
        assert out.index("stored one") < out.index("live four"), out
        # Batch mode learns /connect: logged in again, the script goes on.
        rc, out, err = run_batch(srv.port, home, [
            "/login alice " + PASSWORD, "/connect", "after connect"])
        assert rc == 0, (rc, out, err)
        assert out.count("-- logged in as alice") == 2, out
        assert "<alice> after connect\n" in out, out
        a.close()
    finally:
        srv.cleanup()


def test_history_reconnect(home):
    """A server restart: after the reconnect the room's history fills
    the gap (a line said while the client was away) with nothing shown
    twice."""
    srv = Server(["alice", "bob"])
    try:
        require_rooms(srv.port, home)
        a = Pane(srv.port, home)
        login(a, "alice")
        a.type("/join gap")
        a.wait("you joined #gap")
        say_batch(srv.port, home, "bob", "gap", ["before the restart"])
        a.wait("<bob> before the restart")
        srv.stop()
        a.wait("reconnecting in")
        time.sleep(2.5)  # a few failed attempts: the backoff grows
        srv.start()
        # More than a page (50) while away: asked page by page.
        say_batch(srv.port, home, "bob", "gap",
                  ["gap %02d" % i for i in range(1, 61)] +
                  ["said in the gap"])
        a.wait("logged in as alice", timeout=40)
        s = select_buffer(a, 2, "#gap")
        s = a.wait("<bob> said in the gap", timeout=15)
        seen = s
        for _ in range(6):
            a.keys("PPage")
            time.sleep(0.2)
            page = a.screen()
            for t in ["<bob> gap %02d " % i for i in range(1, 61)] + \
                    ["before the restart"]:
                assert page.count(t) <= 1, (t, page)  # never twice
            seen += page
        for i in range(1, 61):
            assert "<bob> gap %02d" % i in seen, (i, seen)
        assert "before the restart" in seen, seen
        a.keys("End")
        say_batch(srv.port, home, "bob", "gap", ["after the reconnect"])
        s = a.wait("<bob> after the reconnect")
        assert s.count("said in the gap") == 1, s
        assert s.index("said in the gap") < s.index("after the reconnect"), s
        # /connect by hand: logged in again, still nothing twice.
        a.type("/connect")
        deadline = time.time() + TIMEOUT
        while a.screen().count("logged in as alice") < 3:
            assert time.time() < deadline, a.screen()
            time.sleep(0.05)
        s = select_buffer(a, 2, "#gap")
        time.sleep(1.0)
        s = a.screen()
        assert "connecting to 127.0.0.1" in s, s  # said where it was typed
        assert s.count("said in the gap") == 1, s
        assert s.count("after the reconnect") == 1, s
        a.close()
    finally:
        srv.cleanup()


def test_history_pgup(home):
    """PgUp at the top of a room's log loads the page before it, until
    the beginning of the history."""
    srv = Server(["alice", "bob"])
    try:
        require_rooms(srv.port, home)
        say_batch(srv.port, home, "bob", "deep",
                  ["line %02d" % i for i in range(1, 81)])
        a = Pane(srv.port, home)
        login(a, "alice")
        a.type("/join deep")
        s = a.wait("<bob> line 80")
        assert "line 30" not in s
        seen = s
        for _ in range(12):
            a.keys("PPage")
            time.sleep(0.3)
            seen += a.screen()
            if "beginning of history" in seen and "line 01" in seen:
                break
        assert "line 01" in seen and "line 30" in seen, seen
        assert "beginning of history" in seen, seen
        a.keys("End")
        a.wait("<bob> line 80")
        a.close()
    finally:
        srv.cleanup()


def test_wrong_password_asks_again(home):
    """A wrong password asks again (the masked prompt) instead of
    leaving the user stuck."""
    srv = Server(["alice"])
    try:
        a = Pane(srv.port, home)
        a.wait("log in with /login")
        a.type("/login alice")
        a.wait("password for alice:")
        a.type("not the password")
        a.wait("wrong user name or password")
        s = a.wait("password for alice:")
        a.type(PASSWORD)
        a.wait("logged in as alice")
        a.close()
    finally:
        srv.cleanup()


def write_client_config(home, text):
    folder = os.path.join(home, "config", "securechat")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "config")
    with open(path, "w") as f:
        f.write(text)
    return path


def test_config_file(home):
    """$XDG_CONFIG_HOME/securechat/config: server, port and user from the
    file (batch), the timestamp format and key bindings in the terminal,
    and a bad line named by file and line."""
    srv = Server(["alice"])
    try:
        require_rooms(srv.port, home)
        path = write_client_config(home, (
            "# test settings\n"
            "server = 127.0.0.1\n"
            "port = %d\n"
            "user = alice\n"
            "timestamp = \"%%H:%%M:%%S| \"\n"
            "bell = no\n"
            "bind F2 prev-buffer\n"
            "bind M-j next-buffer\n") % srv.port)
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"),
                   XDG_CONFIG_HOME=os.path.join(home, "config"))
        p = subprocess.run([CLIENT, "--batch", "--accept-new-key"], env=env, timeout=15,
                           input=(PASSWORD + "\nhello from the config\n")
                           .encode(), capture_output=True)
        out = p.stdout.decode()
        assert p.returncode == 0, (p.returncode, out, p.stderr)
        assert "-- logged in as alice" in out, out
        assert "<alice> hello from the config" in out, out
        a = Pane(srv.port, home)
        s = a.wait("password for alice:")
        a.type(PASSWORD)
        s = a.wait("logged in as alice")
        assert re.search(r"^\d\d:\d\d:\d\d\| -- logged in as alice", s,
                         re.M), s
        a.type("/join cfg")
        s = a.wait("you joined #cfg")
        assert "#cfg" in status_line(s), s
        a.keys("F2")
        deadline = time.time() + TIMEOUT
        while "#lobby" not in status_line(a.screen()):
            assert time.time() < deadline, a.screen()
            time.sleep(0.05)
        a.keys("M-j")
        while "#cfg" not in status_line(a.screen()):
            assert time.time() < deadline, a.screen()
            time.sleep(0.05)
        a.close()
        # A bad line: one message naming the file and the line, status 2.
        write_client_config(home, "port = 1\nbell = maybe\n")
        p = subprocess.run([CLIENT, "--batch", "--accept-new-key"], env=env, timeout=15,
                           input=b"", capture_output=True)
        assert p.returncode == 2, p
        assert p.stderr.decode() == \
            "securechat: %s:2: bell: \"maybe\" is not yes or no\n" % path, \
            p.stderr
    finally:
        srv.cleanup()


def test_first_contact(home):
    """Like ssh: a new server's fingerprint is shown and the client asks
    before the first login; no, then /connect and yes; batch mode refuses
    without --accept-new-key. --fingerprint prints the device key's."""
    srv = Server(["alice"])
    try:
        fp = subprocess.run([CTL, "fingerprint", "--key",
                             os.path.join(srv.dir, "server.key")],
                            capture_output=True, text=True).stdout.strip()
        assert len(fp) == 64
        a = Pane(srv.port, home, accept=False)
        s = a.wait("trust this server key and connect? (y/n)")
        assert fp in s and "not known yet" in s
        assert "handshake 127.0.0.1" not in srv.log()  # no msg3 sent
        a.keys("n")
        a.wait("the server key was not trusted")
        a.type("/connect")
        a.wait("trust this server key and connect? (y/n)")
        a.keys("y")
        a.wait("pinned its key")
        login(a, "alice")
        a.close()
        # A second client of the same home knows the key now.
        b = Pane(srv.port, home, accept=False)
        login(b, "alice")
        b.close()
        # Batch mode in a new home: refused, exit 1, no login sent.
        other = tempfile.mkdtemp(prefix="schome-")
        try:
            rc, out, err = run_batch(srv.port, other,
                                     ["/login alice " + PASSWORD, "hi"],
                                     accept=False)
            assert rc == 1 and "--accept-new-key" in out + err, (rc, out,
                                                                 err)
            assert fp in out + err
            rc, out, err = run_batch(srv.port, other,
                                     ["/login alice " + PASSWORD, "hi"])
            assert rc == 0 and "<alice> hi" in out, (rc, out, err)
            # The device fingerprint: 64 hex digits, stable, the key the
            # server saw (its log shows the first 16 digits in groups).
            env = dict(os.environ, XDG_DATA_HOME=os.path.join(other, "data"))
            p1 = subprocess.run([CLIENT, "--fingerprint"], env=env,
                                capture_output=True, text=True)
            p2 = subprocess.run([CLIENT, "--fingerprint"], env=env,
                                capture_output=True, text=True)
            dev = p1.stdout.strip()
            assert p1.returncode == 0 and len(dev) == 64, p1
            assert all(ch in "0123456789abcdef" for ch in dev)
            assert p2.stdout.strip() == dev
            short = ":".join(dev[i:i + 4] for i in range(0, 16, 4))
            assert "device " + short in srv.log()
        finally:
            shutil.rmtree(other, ignore_errors=True)
    finally:
        srv.cleanup()


def test_slow_password_kept(home):
    """The server closes a connection not logged in within login_timeout;
    a password typed slowly at the prompt survives the reconnect and
    logs in."""
    srv = Server(["alice"], {"login_timeout": 2})
    try:
        a = Pane(srv.port, home, ("-u", "alice"))
        a.wait("password for alice:")
        a.keys("-l", PASSWORD[:4])
        a.wait("login timeout", timeout=5)
        deadline = time.time() + TIMEOUT
        while a.screen().count("connected to") < 2:
            assert time.time() < deadline, a.screen()
            time.sleep(0.02)
        a.keys("-l", PASSWORD[4:])
        a.keys("Enter")
        a.wait("logged in as alice")
        a.close()
    finally:
        srv.cleanup()


def test_moderation_client(home):
    """An operator's /help lists /kick /mute /unmute /ban /unban, another
    user's does not; the MOTD shows at login; muted, banned and forbidden
    read clearly."""
    folder = tempfile.mkdtemp(prefix="sctmux-")
    with open(os.path.join(folder, "users.json"), "w") as f:
        json.dump({u: werkzeug_hash(PASSWORD) for u in ("alice", "bob")}, f)
    motd = os.path.join(folder, "motd.txt")
    with open(motd, "w") as f:
        f.write("Welcome, be nice.\nRules: no spam.\n")
    r = subprocess.run([CTL, "--database",
                        os.path.join(folder, "securechat.db"), "--users",
                        os.path.join(folder, "users.json"), "op", "add",
                        "alice"], capture_output=True)
    assert r.returncode == 0, r
    srv = Server(["alice", "bob"], extra={"motd": motd}, folder=folder)
    try:
        a = Pane(srv.port, home)
        login(a, "alice")
        s = a.wait("Rules: no spam.")
        assert "message of the day" in s and "Welcome, be nice." in s
        assert "(operator" in s
        a.type("/help")
        s = a.wait("/unban")
        assert "/kick <user> [#room] [reason]" in s and "/mute" in s
        b = Pane(srv.port, home)
        login(b, "bob")
        b.wait("Rules: no spam.")
        b.type("/help")
        s = b.wait("/whois")
        assert "/kick" not in s and "/unban" not in s
        b.type("/kick alice")
        b.wait("not allowed: only operators")
        a.type("/mute bob 10m being loud")
        # Operator commands have no reply: a whois after it comes back
        # once the mute is in place (the server answers in order).
        a.type("/whois bob")
        a.wait("bob: online, 1 session")
        b.type("hello there")
        s = b.wait("you are muted here until")
        assert "<bob> hello there" not in s
        a.type("/unmute bob")
        a.type("/whois alice")
        a.wait("alice: online, 1 session")
        b.type("hello again")
        b.wait("<bob> hello again")
        a.type("/ban bob 1h spam links")
        s = b.wait("banned by alice: spam links")
        # It connects again and logs in with the kept password: banned.
        b.wait("you are banned from this server until", timeout=15)
        a.type("/kick bob")
        a.wait("that user is not online")
        log = srv.log()
        assert "moderation: alice muted bob everywhere for 600 s" in log
        assert 'reason "being loud"' in log
        assert "moderation: alice banned bob for 3600 s" in log
        assert "login refused" in log
        a.close()
        b.close()
    finally:
        srv.cleanup()


TESTS = [test_login_chat_private, test_commands_and_history,
         test_sidebar_100_users,
         test_scroll_pgup_end, test_fast_lines_paced, test_search,
         test_paste_lines, test_mouse_off_by_default, test_resize, test_hostile_server,
         test_restart_reconnect, test_changed_key_refused, test_batch,
         test_batch_hostile, test_rooms_batch, test_rooms_buffers,
         test_history_join, test_history_reconnect, test_history_pgup,
         test_wrong_password_asks_again, test_config_file,
         test_slow_password_kept, test_first_contact,
         test_moderation_client]


def main():
    global passed, failed, skipped
    only = os.environ.get("SC_TEST_ONLY")
    for t in TESTS:
        if only and only not in t.__name__:
            continue
        home = tempfile.mkdtemp(prefix="schome-")
        start = time.time()
        try:
            t(home)
            passed += 1
            print("ok   %s (%.1fs)" % (t.__name__, time.time() - start))
        except Skip as e:
            skipped += 1
            print("skip %s: %s" % (t.__name__, e))
        except Exception:
            failed += 1
            print("FAIL %s" % t.__name__)
            traceback.print_exc()
        finally:
            tmux("kill-server", check=False)
            shutil.rmtree(home, ignore_errors=True)
        sys.stdout.flush()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
