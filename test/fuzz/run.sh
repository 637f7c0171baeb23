#!/usr/bin/env bash
# run.sh: runs every libFuzzer target of an SC_FUZZ build for a while.
#
#   bash test/fuzz/run.sh BUILD_DIR SECONDS
#
# Each target runs for SECONDS on a copy of its seed corpus (the repo's
# corpus is never modified) with its dictionary. One summary line per
# target gives executions, exec/s, libFuzzer's final cov: and ft:, and the
# corpus size. Exits non-zero if any target crashed, leaked, timed out or
# ran out of memory; its log and reproducer are kept under
# BUILD_DIR/fuzz-out/ (FUZZ_OUT overrides), with the failing input in hex.
#
# FUZZ_TARGETS="fuzz_msg fuzz_users" runs a subset; FUZZ_KEEP_CORPUS=DIR
# keeps each target's final corpus in DIR/<target>/.
set -u

here=$(cd "$(dirname "$0")" && pwd)
targets_all="fuzz_frame fuzz_msg fuzz_users fuzz_noise_responder
    fuzz_noise_initiator"

if [ $# -ne 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$1
seconds=$2
case $seconds in
''|*[!0-9]*) echo "$0: SECONDS must be a number" >&2; exit 2 ;;
esac
targets=${FUZZ_TARGETS:-$targets_all}
out=${FUZZ_OUT:-$build/fuzz-out}
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/scfuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# The dictionary each target uses (none for the frame reader); json.dict
# is built from the message table.
dict_for() {
	case $1 in
	fuzz_msg|fuzz_noise_*) echo "$build/test/fuzz/json.dict" ;;
	fuzz_users) echo "$here/users.dict" ;;
	*) echo "" ;;
	esac
}

# The value of libFuzzer's "stat::NAME: value" line in a log.
stat_of() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -n 1
}

# The value after "NAME: " on the last status line ("#N ... cov: X ...").
last_field() {
	grep -E '^#[0-9]+' "$1" | tail -n 1 |
	    sed -n "s/.* $2: \([0-9a-zA-Z/]*\).*/\1/p"
}

failed=0
for t in $targets; do
	bin=$build/test/fuzz/$t
	if [ ! -x "$bin" ]; then
		echo "$t: FAIL: $bin not built (configure with -DSC_FUZZ=ON)"
		failed=1
		continue
	fi
	corpus=$work/$t
	mkdir -p "$corpus"
	cp "$here/corpus/$t/"* "$corpus/" 2>/dev/null
	log=$out/$t.log
	rm -f "$out/$t-"crash-* "$out/$t-"leak-* "$out/$t-"timeout-* \
	    "$out/$t-"oom-*
	dict=$(dict_for "$t")
	set -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
	    -print_final_stats=1 -artifact_prefix="$out/$t-"
	[ -n "$dict" ] && set -- "$@" -dict="$dict"

	"$bin" "$@" "$corpus" >"$log" 2>&1
	rc=$?

	execs=$(stat_of "$log" number_of_executed_units)
	rate=$(stat_of "$log" average_exec_per_sec)
	cov=$(last_field "$log" cov)
	ft=$(last_field "$log" ft)
	files=$(find "$corpus" -type f | wc -l)
	status=OK
	if [ $rc -ne 0 ] ||
	    grep -qE '^==[0-9]+==ERROR|^SUMMARY: |ERROR: libFuzzer' "$log"; then
		status="FAIL (exit $rc)"
		failed=1
	fi
	printf '%s: %s %ss execs=%s exec/s=%s cov=%s ft=%s corpus=%s\n' \
	    "$t" "$status" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
	    "${ft:-?}" "$files"
	if [ "$status" != OK ]; then
		grep -E 'ERROR|SUMMARY|^ *#[0-9]+ 0x|Test unit written' \
		    "$log" | head -n 40 | sed 's/^/    /'
		for a in "$out/$t-"*; do
			[ -f "$a" ] || continue
			case $a in *.log) continue ;; esac
			echo "    reproducer: $a"
			od -An -tx1 -v "$a" | head -n 16 | sed 's/^/    hex:/'
		done
		echo "    full log: $log"
	fi
	if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
		mkdir -p "$FUZZ_KEEP_CORPUS/$t"
		cp "$corpus/"* "$FUZZ_KEEP_CORPUS/$t/" 2>/dev/null
	fi
done
exit $failed
