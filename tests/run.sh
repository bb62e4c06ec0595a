#!/bin/sh
# tests/run.sh BUILD_DIR: runs every unit test, starts the lab, runs every
# integration and CLI script against it, stops the lab, and ends with the
# line "N passed, M failed". Exit status 1 on any failure.
set -u
B=${1:-build/san}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
B=$(cd "$B" && pwd) || exit 1
export TOP SEALMAIL="$B/sealmail" TOOLS="$B/tests/tools"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$TOP/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-test.XXXXXX")
passed=0 failed=0 lab_pid_dir=

cleanup() {
	if [ -n "$lab_pid_dir" ]; then
		sh "$TOP/tests/lab/stop.sh" "$lab_pid_dir" >/dev/null 2>&1
	fi
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# count NAME LOGFILE RC: adds a script's TAP lines to the totals.
count() {
	_p=$(grep -c '^ok' "$2")
	_f=$(grep -c '^not ok' "$2")
	if [ "$3" -ne 0 ] && [ "$_f" -eq 0 ]; then
		_f=1
		echo "not ok - $1 exited with status $3" | tee -a "$2"
	fi
	passed=$((passed + _p)) failed=$((failed + _f))
	printf '%-44s %4d passed %4d failed\n' "$1" "$_p" "$_f"
	[ "$_f" -gt 0 ] && grep -A6 '^not ok' "$2" | sed 's/^/    /' | head -40
}

echo "== unit"
for t in "$B"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$RUN/$n.log" 2>&1
	count "$n" "$RUN/$n.log" $?
done

if [ -x "$TOP/tests/lab/start.sh" ] || [ -f "$TOP/tests/lab/start.sh" ]; then
	echo "== lab"
	lab_pid_dir="$RUN/lab"
	s=$(date +%s%N)
	if sh "$TOP/tests/lab/start.sh" "$lab_pid_dir" >"$RUN/lab.log" 2>&1; then
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
		T="$RUN/t/$n" && mkdir -p "$T" && export T
		timeout 600 sh "$s" >"$RUN/$(echo "$n" | tr / _).log" 2>&1
		count "$n" "$RUN/$(echo "$n" | tr / _).log" $?
	done
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
