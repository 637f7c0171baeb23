#!/bin/sh
# Checks the generated systemd unit with systemd-analyze verify, with
# ExecStart pointed at the freshly built daemon (verify wants it to exist),
# and prints its offline security exposure.
# usage: systemd_verify.sh UNIT SECURECHATD
set -eu
unit=$1
daemon=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=[^ ]*securechatd|ExecStart=$daemon|" "$unit" \
    > "$tmp/securechatd.service"
grep -q "^ExecStart=$daemon" "$tmp/securechatd.service"
grep -q '^Type=notify$' "$tmp/securechatd.service"
out=$(systemd-analyze verify "$tmp/securechatd.service" 2>&1) || {
    echo "$out"; echo "systemd-analyze verify failed"; exit 1; }
if [ -n "$out" ]; then
    echo "$out"; echo "systemd-analyze verify printed warnings"; exit 1
fi
systemd-analyze security --offline=true "$tmp/securechatd.service" | tail -1
echo "1 passed, 0 failed"
