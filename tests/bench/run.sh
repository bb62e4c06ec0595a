#!/usr/bin/env bash
# make bench: sealmail side by side with its peers on the same lab, in the
# same run, each figure over several rounds (min / median / max; one timed
# inside one process over its runs, rec_runs), reported as ratios
# (sealmail's median / the peer's; below 1.0 means sealmail is faster).
# The table goes to bench/results.md. Never part of make check.
#
# Like with like: both sides read the same mail from the same server or
# the same local copy, warm; the crypto ceiling is openssl speed on the
# same CPUs; each side's durability is said.
#
#   BENCH_QUICK   1: every size scaled down, so that a run takes a few
#                 minutes (default 0)
#   BENCH_SIZES   mailbox sizes the sync grows through (default
#                 "2500 5000 10000 20000"; quick "500 1000 2000")
#   BENCH_CRYPTO  messages in the verify-and-decrypt set (1000; quick 200)
#   BENCH_SIGNERS distinct signers of that set (50; never fewer)
#   BENCH_LIST    messages in the list/search store (100000; quick 20000)
#   BENCH_KEYOPS  private-key operations per figure (2000; quick 500)
#   BENCH_ROUNDS  rounds of each figure (5; quick 3)
#   BENCH_OUT     where the table goes (default bench/results.md)
#   LAB_PORT_BASE lab ports (default 30000)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
SM="$TOP/sealmail"
TOOLS="$TOP/build/rel/tests/tools"
QUICK=${BENCH_QUICK:-0}
# quick QUICK FULL: the default of a size, by BENCH_QUICK.
quick() { if [ "$QUICK" = 1 ]; then echo "$1"; else echo "$2"; fi; }
SIZES=${BENCH_SIZES:-$(quick "500 1000 2000" "2500 5000 10000 20000")}
NCRYPTO=${BENCH_CRYPTO:-$(quick 200 1000)}
NKEYOPS=${BENCH_KEYOPS:-$(quick 500 2000)}
NLIST=${BENCH_LIST:-$(quick 20000 100000)}
ROUNDS=${BENCH_ROUNDS:-$(quick 3 5)}
MODE=$(quick "quick (BENCH_QUICK=1: sizes scaled down)" full)
MODE="$MODE: mailbox $SIZES, crypto set $NCRYPTO, store $NLIST, $ROUNDS rounds"
NSIGNERS=${BENCH_SIGNERS:-50}
[ "$NSIGNERS" -ge 50 ] || NSIGNERS=50
NCPU=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
OUT=${BENCH_OUT:-$TOP/bench/results.md}
export LAB_PORT_BASE=${LAB_PORT_BASE:-30000}
W=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-bench.XXXXXX")
chmod 755 "$W"
REPORT="$TOP/build/bench-report.txt"
RES="$W/results.jsonl"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
# The code measured is the tree as the run starts.
# The table this run replaces is no change to the code measured.
BENCH_REV=$(git rev-parse --short HEAD 2>/dev/null)$(git status --porcelain \
    --untracked-files=no -- . ':!bench/results.md' 2>/dev/null | grep -q . &&
    echo ' with uncommitted changes')
export BENCH_REV
mkdir -p "$TOP/build" "$(dirname "$OUT")"
: > "$REPORT"
: > "$RES"

cleanup() { sh "$TOP/tests/lab/stop.sh" "$W/lab" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
now() { date +%s%N; }
# timeit VAR command...: runs it, stores seconds (3 decimals) in VAR.
timeit() {
	local _v=$1 _s _e; shift
	_s=$(now)
	"$@" >"$W/last.out" 2>"$W/last.err"
	local rc=$?
	_e=$(now)
	printf -v "$_v" '%d.%03d' $(( (_e - _s) / 1000000000 )) $(( (_e - _s) / 1000000 % 1000 ))
	if [ $rc -ne 0 ]; then
		say "  (command failed, rc $rc: $(tail -1 "$W/last.err"))"
	fi
	return $rc
}
# rec SECTION NAME UNIT OURS PEER_NAME PEER TARGET [NOTE]: one figure.
rec() {
	python3 "$TOP/tests/bench/report.py" add "$RES" "$1" "$2" "$3" "$4" \
	    "$5" "$6" "$7" "${8:-}"
	say "  $2 ($3): sealmail$(stats "$4")${5:+; $5$(stats "$6")}"
}
# rec_runs SECTION NAME UNIT RUNS TARGET OUT: one figure a tool timed in
# one process over RUNS runs, OUT its output ("...; ms min A median B max
# C"). A B C are those runs' min / median / max, not RUNS rounds' values:
# the note and the log say so.
rec_runs() {
	local _v _what
	_v=$(python3 -c 'import sys,re; print(" ".join(re.findall(r"[0-9.]+", sys.stdin.read().split("ms min")[-1])))' < "$6")
	_what="min / median / max of $4 runs in one process"
	_what="$(head -1 "$6" | sed 's/ms min.*//')$_what"
	python3 "$TOP/tests/bench/report.py" add "$RES" "$1" "$2" "$3" "$_v" \
	    "" "" "$5" "$_what"
	say "  $2 ($3): sealmail $(echo "$_v" | sed 's| | / |g') ($_what)"
}
# how TEXT: how the figures of section $SEC are measured, for the table.
how() { python3 "$TOP/tests/bench/report.py" how "$RES" "$SEC" "$1"; }
stats() {
	[ -n "$1" ] || return 0
	python3 -c 'import sys,statistics as s; v=[float(x) for x in sys.argv[1].split()]; print(" %g / %g / %g (min/median/max of %d)" % (min(v), s.median(v), max(v), len(v)))' "$1"
}
add() { python3 -c 'import sys; print("%.3f" % sum(map(float, sys.argv[1:])))' "$@"; }
jcount() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?"; }
peak_mb() { awk '/Maximum resident/ {printf "%.1f", $6 / 1024}' "$1"; }
# hyper VAR NAME COMMAND [RUNS]: RUNS (default ROUNDS*6) runs of a short
# command by hyperfine, their times in ms into VAR (empty, and said, when
# the command fails).
hyper() {
	local _v=$1
	printf -v "$_v" '%s' ""
	if ! hyperfine -N -w 1 -r "${4:-$((ROUNDS * 6))}" \
	    --export-json "$W/h.json" "$3" >/dev/null 2>"$W/h.err"; then
		say "  ($2 failed: $(grep -v '^ *$' "$W/h.err" | tail -1))"
		return 1
	fi
	printf -v "$_v" '%s' "$(python3 -c 'import json,sys; print(" ".join("%.2f" % (t * 1000) for t in json.load(open(sys.argv[1]))["results"][0]["times"]))' "$W/h.json")"
}

sh "$TOP/tests/lab/start.sh" "$W/lab" >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; exit 1; }
. "$W/lab/lab.env"
MD="$LAB_DIR/mail/example.test/bob/Maildir"

say "sealmail benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $NCPU CPUs usable, load $LOAD0, $MODE"

. "$TOP/tests/bench/sync.sh"
. "$TOP/tests/bench/local.sh"
. "$TOP/tests/bench/crypto.sh"
. "$TOP/tests/bench/keyops.sh"

SEC="DNS"
say ""
say "== DNS: SMIMEA lookup of alice, uncached then cached"
how "the lab's validating resolver on this host; the first lookup of \
alice, whose certificate the store does not hold (one process, timed \
once), then the same answered from the store's cache (hyperfine, warm). \
No peer."
cat >> "$H/config" <<EOM

[dns]
resolver = $LAB_DNS_RESOLVER
trust-anchor = $LAB_TA
timeout = 5
EOM
# alice: no certificate of hers in bob's store, so the first answer comes
# from DNS and the second from the store's cache.
timeit t_d1 SMH keys lookup --json "$LAB_ALICE"
hyper d2 cached "$SM --home $H keys lookup --json $LAB_ALICE"
rec "DNS" "first SMIMEA lookup, one round trip and validation, whole process" s "$t_d1" "" "" ""
rec "DNS" "second lookup from the store's cache, whole process" ms "$d2" "" "" ""
LAB_ENV="$W/lab/lab.env" sh "$TOP/tests/bench/dns.sh" build/rel 2>&1 | sed 's/^/  /' | tee -a "$REPORT"

python3 "$TOP/tests/bench/report.py" md "$RES" "$OUT" "$MODE" "$LOAD0"
say ""
say "table: $OUT; log: $REPORT"
