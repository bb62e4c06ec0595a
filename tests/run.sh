#!/bin/sh
# tests/run.sh BUILD_DIR: runs every unit test, starts the lab, runs every
# integration and CLI script against it, stops the lab, and ends with the
# line "N passed, M failed". Exit status 1 on any failure. ONLY, shell
# patterns such as 'integration/store_* test_store*', runs only the tests
# whose name one of them matches. The interop corpora are read from
# ../shared/interop beside the repository (SEALMAIL_INTEROP names another
# folder); the summary names each one that was not found.
set -u
B=${1:-build/san}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
B=$(cd "$B" && pwd) || exit 1
export TOP SEALMAIL="$B/sealmail" TOOLS="$B/tests/tools"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# The lab's ports are LAB_PORT_BASE + 24 ... + 993 (tests/lab/start.sh);
# a run beside another one needs a base of its own.
LAB_PORT_BASE=${LAB_PORT_BASE:-10000}
export LAB_PORT_BASE

RUN=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-test.XXXXXX")
# Searchable by all: the lab's servers reach their files as nobody/postfix.
chmod 711 "$RUN"
passed=0 failed=0 lab_pid_dir= child=

# cleanup: on every exit, interrupted or not, stops the script still running,
# the shared lab, and any lab a script started under $RUN.
cleanup() {
	trap '' INT TERM HUP
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	if [ -n "$lab_pid_dir" ]; then
		sh "$TOP/tests/lab/stop.sh" "$lab_pid_dir" >/dev/null 2>&1
	fi
	find "$RUN" -path '*/run/pids' -type f 2>/dev/null |
	    while read -r f; do
		sh "$TOP/tests/lab/stop.sh" "${f%/run/pids}" >/dev/null 2>&1
	done
	# NSDs a script started with tests/lab/dnszone.sh.
	find "$RUN" -name nsd.pid -type f 2>/dev/null | while read -r f; do
		(. "$TOP/tests/lab/dnszone.sh" && dz_nsd_stop "${f%/nsd.pid}")
	done
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted, stopping the lab" >&2; exit 130' INT TERM HUP

# bg LOG CMD...: runs CMD in the background, its output to LOG, and waits
# for it, so that a signal to this script is handled at once, not when CMD
# ends (and with this script's own stderr, not LOG's).
bg() {
	_log=$1
	shift
	"$@" >"$_log" 2>&1 &
	child=$!
	wait "$child"
	_rc=$?
	child=
	return $_rc
}

only() {
	[ -n "${ONLY:-}" ] || return 0
	set -f
	for _p in $ONLY; do
		# shellcheck disable=SC2254
		case "$1" in $_p) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

# count NAME LOGFILE RC: adds a script's TAP lines to the totals, and
# keeps its "absent -" lines (an interop corpus it did not find) for the
# summary.
count() {
	_p=$(grep -c '^ok' "$2")
	_f=$(grep -c '^not ok' "$2")
	if [ "$3" -ne 0 ] && [ "$_f" -eq 0 ]; then
		_f=1
		echo "not ok - $1 exited with status $3" | tee -a "$2"
	fi
	passed=$((passed + _p)) failed=$((failed + _f))
	printf '%-44s %4d passed %4d failed\n' "$1" "$_p" "$_f"
	grep '^absent - ' "$2" | tee -a "$RUN/absent" | sed 's/^/    /'
	[ "$_f" -gt 0 ] && grep -A10 '^not ok' "$2" | sed 's/^/    /' | head -60
}

echo "== unit"
for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	only "$n" || continue
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$RUN/$n.log" 2>&1
	count "$n" "$RUN/$n.log" $?
done

if [ -x "$TOP/tests/lab/start.sh" ] || [ -f "$TOP/tests/lab/start.sh" ]; then
	echo "== lab"
	lab_pid_dir="$RUN/lab"
	s=$(date +%s%N)
	if bg "$RUN/lab.log" sh "$TOP/tests/lab/start.sh" "$lab_pid_dir"; then
		export LAB_ENV="$lab_pid_dir/lab.env"
		echo "lab up in $(( ($(date +%s%N) - s) / 1000000 )) ms"
	else
		echo "not ok - the lab did not start" | tee "$RUN/labfail.log"
		tail -20 "$RUN/lab.log"
		count lab "$RUN/labfail.log" 1
	fi
fi

for dir in integration cli; do
	echo "== $dir"
	for s in "$TOP"/tests/$dir/*.sh; do
		[ -f "$s" ] || continue
		n=$dir/$(basename "$s" .sh)
		only "$n" || continue
		T="$RUN/t/$n" && mkdir -p "$T" && export T
		bg "$RUN/$(echo "$n" | tr / _).log" timeout 600 sh "$s"
		count "$n" "$RUN/$(echo "$n" | tr / _).log" $?
	done
done

if [ -s "$RUN/absent" ]; then
	echo "== not found (their tests did not run)"
	sed 's/^absent - //' "$RUN/absent"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
