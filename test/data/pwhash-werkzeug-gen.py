#!/usr/bin/env python3
"""Writes pwhash-werkzeug.json: password hash strings made by werkzeug.

Kept for reference; test/test_pwhash.c reads the JSON and never runs this.
Each entry has the password as text and as UTF-8 hex ("password_hex" is
authoritative), the werkzeug method asked for, the werkzeug version that
made it, and the hash string. Salts are random, so every run writes
different (equally valid) hashes.

Debian 12's python3-werkzeug (2.2.2) has no scrypt (added in werkzeug 2.3),
so the file is made in two runs that each fill in their own kind of entry
and keep the other's:

    /usr/bin/python3 pwhash-werkzeug-gen.py --only pbkdf2 pwhash-werkzeug.json
    python3 pwhash-werkzeug-gen.py --only scrypt pwhash-werkzeug.json

the second with any werkzeug >= 2.3 (3.1.8 was used).
"""
import argparse
import json
import os
import sys
from importlib.metadata import version

import werkzeug.security as ws

# (password, method, salt_length, note). scrypt N must be at least 96 for
# p = 1: werkzeug passes hashlib.scrypt maxmem=132*N*r*p, which is less
# than OpenSSL needs for smaller N.
CASES = [
    ("pw", "pbkdf2:sha256:1000", 16, "short ASCII password"),
    ("hunter2", "pbkdf2:sha256:1", 16, "a single iteration"),
    ("letmein", "pbkdf2:sha256:4096", 16, None),
    ("correct horse battery staple", "pbkdf2:sha256:600000", 16,
     "PROTOCOL.md default iteration count"),
    ("pässwörd", "pbkdf2:sha256:2000", 16, "Latin-1 range, UTF-8 encoded"),
    ("пароль", "pbkdf2:sha256:1000", 16, "Cyrillic"),
    ("密码🔑", "pbkdf2:sha256:1500", 16, "CJK and a 4-byte UTF-8 emoji"),
    ("", "pbkdf2:sha256:1000", 16, "empty password"),
    ("a\x00b", "pbkdf2:sha256:1000", 16, "NUL byte inside the password"),
    ("K" * 65, "pbkdf2:sha256:100", 16,
     "65 bytes: longer than a SHA-256 block, so HMAC hashes the key"),
    ("0123456789abcdef" * 64, "pbkdf2:sha256:1000", 16,
     "1024-byte password (PROTOCOL.md maximum)"),
    ("one-char salt", "pbkdf2:sha256:1000", 1, "salt of 1 character"),
    ("long salt", "pbkdf2:sha256:1000", 128,
     "salt of 128 characters (SC_SALT_MAX_LEN)"),
    ("pw", "scrypt:1024:8:1", 16, "small scrypt"),
    ("pässwörd €", "scrypt:1024:8:1", 16, "non-ASCII scrypt"),
    ("", "scrypt:128:1:1", 16, "empty password, tiny scrypt"),
    ("parallel", "scrypt:256:2:3", 16, "p > 1"),
    ("long salt", "scrypt:1024:8:1", 128, "scrypt with a 128-character salt"),
    ("default scrypt", "scrypt", 16,
     "werkzeug's default method (scrypt:32768:8:1)"),
]


def kind(method):
    return method.split(":")[0]


def key(entry):
    return (entry["password_hex"], entry["method"], entry["salt_length"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["pbkdf2", "scrypt"])
    ap.add_argument("file")
    args = ap.parse_args()

    old = {}
    if os.path.exists(args.file):
        with open(args.file, encoding="utf-8") as f:
            for e in json.load(f)["hashes"]:
                old[key(e)] = e

    wz = version("werkzeug")
    hashes = []
    for password, method, salt_length, note in CASES:
        entry = {
            "password": password,
            "password_hex": password.encode().hex(),
            "method": method,
            "salt_length": salt_length,
        }
        if args.only is not None and kind(method) != args.only:
            if key(entry) in old:
                hashes.append(old[key(entry)])
            continue
        h = ws.generate_password_hash(password, method=method,
                                      salt_length=salt_length)
        assert ws.check_password_hash(h, password)
        entry["werkzeug"] = wz
        entry["hash"] = h
        if note:
            entry["note"] = note
        hashes.append(entry)

    out = {
        "source": "werkzeug generate_password_hash output, written by "
                  "test/data/pwhash-werkzeug-gen.py (see its docstring); "
                  "'werkzeug' in each entry is the version that made it",
        "hashes": hashes,
    }
    with open(args.file, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
