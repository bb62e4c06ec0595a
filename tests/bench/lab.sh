# tests/bench/lab.sh: sourced by the benchmarks that run against the lab
# (TOP set): a work directory, and the lab named by LAB_ENV or one of
# their own in it.

# bench_work NAME: W, a new directory named after NAME; on exit the lab
# bench_lab started is stopped and W removed.
bench_work() {
	W=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-$1.XXXXXX")
	own_lab=
	trap bench_cleanup EXIT
}

bench_cleanup() {
	[ -n "$own_lab" ] && sh "$TOP/tests/lab/stop.sh" "$own_lab" >/dev/null 2>&1
	rm -rf "$W"
}

# bench_lab: reads the lab's env file: LAB_ENV's, else that of a lab
# started in W/lab. 1 when that lab did not start (its output in W/lab.log).
bench_lab() {
	if [ -z "${LAB_ENV:-}" ]; then
		own_lab=$W/lab
		sh "$TOP/tests/lab/start.sh" "$own_lab" >"$W/lab.log" 2>&1 ||
		    return 1
		LAB_ENV=$own_lab/lab.env
	fi
	. "$LAB_ENV"
}
