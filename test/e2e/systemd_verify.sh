#!/bin/sh
# Checks the generated systemd unit and the socket with systemd-analyze
# verify, with ExecStart pointed at the freshly built daemon (verify wants
# it to exist) and the man pages given put on MANPATH (verify runs man for
# each Documentation= link), and prints the unit's offline security
# exposure.
# usage: systemd_verify.sh UNIT SOCKET SECURECHATD MANPAGE...
set -eu
unit=$1
socket=$2
daemon=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for page in "$@"; do
    section=${page##*.}
    mkdir -p "$tmp/man/man$section"
    cp "$page" "$tmp/man/man$section/"
done
export MANPATH="$tmp/man"
sed "s|^ExecStart=[^ ]*securechatd|ExecStart=$daemon|" "$unit" \
    > "$tmp/securechatd.service"
cp "$socket" "$tmp/securechatd.socket"
grep -q "^ExecStart=$daemon --config /" "$tmp/securechatd.service"
grep -q '^Type=notify$' "$tmp/securechatd.service"
grep -q '^WatchdogSec=' "$tmp/securechatd.service"
grep -q '^ListenStream=' "$tmp/securechatd.socket"
out=$(systemd-analyze verify "$tmp/securechatd.service" \
      "$tmp/securechatd.socket" 2>&1) || {
    echo "$out"; echo "systemd-analyze verify failed"; exit 1; }
if [ -n "$out" ]; then
    echo "$out"; echo "systemd-analyze verify printed warnings"; exit 1
fi
# A Documentation= page that is missing fails verify: check that it does.
sed 's|^Documentation=.*|Documentation=man:securechat-nonesuch(8)|' \
    "$tmp/securechatd.service" > "$tmp/bad.service"
mkdir "$tmp/bad" && mv "$tmp/bad.service" "$tmp/bad/securechatd.service"
if systemd-analyze verify "$tmp/bad/securechatd.service" >/dev/null 2>&1
then
    echo "verify accepted a missing man page"; exit 1
fi
systemd-analyze security --offline=true "$tmp/securechatd.service" | tail -1
echo "1 passed, 0 failed"
