# Sourced by tests/bench/run.sh: verify and decrypt, one inspect process,
# against the ceiling of the same CPUs: openssl speed's RSA-2048 private
# key operations per second (each message costs one, the decryption; the
# signature checks are public key operations). The set is distinct
# messages from $NSIGNERS signers, interleaved, so that a signer's chain
# is checked again only when a memo of a few hundred remembers it.
#
# Both sides of that ratio are wall-clock times taken one after the other
# (openssl speed divides by its CPU user time unless told -elapsed, which
# on a shared machine would set a ceiling no wall clock can reach), so
# they move with the load between them. Beside it, with perf,
# the CPU time of inspect (every thread, and its key agents) per message
# against openssl speed's CPU time per signature on one of the CPUs (its
# default, without -multi): the cost of a message apart from the load.
SEC="Verify and decrypt ($NCRYPTO distinct signed+encrypted messages of 20 KB, $NSIGNERS signers)"
say ""
say "== $SEC"
how "inspect judges the whole set in one process (its key agent \
included) on the CPUs named (taskset, inherited by the agent); the \
ceiling is openssl speed -elapsed -multi N rsa2048 on the same CPUs, \
signatures per second by the wall clock, what the CPUs would give if \
each message cost only its one RSA decryption. The two are taken one \
after the other in each round, so the load moves them both, not always \
alike. With perf: the CPU time of inspect (task-clock of every thread \
and child) per message, against openssl speed's CPU user time per \
signature, one process on the first CPU."
python3 "$TOP/tests/bench/gen.py" signers "$W/signers" "$NSIGNERS" \
    "$TOP/tests/lab/conf/openssl.cnf" "$LAB_CA" "$LAB_CA_KEY"
python3 "$TOP/tests/bench/gen.py" crypto "$W/crypto" "$NCRYPTO" \
    "$LAB_SMIME_DIR" "$W/signers"
# speed VAR CPUS: RSA-2048 signatures per second on CPUS (taskset list),
# by the wall clock.
speed() {
	local n
	n=$(taskset -c "$2" python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
	printf -v "$1" '%s' "$(taskset -c "$2" openssl speed -seconds 2 \
	    -elapsed -multi "$n" rsa2048 2>/dev/null | awk '/^rsa 2048/ {v = $6} END {print v}')"
}
# signus VAR CPU: openssl speed's CPU microseconds per RSA-2048 signature
# on CPU (user time, one process).
signus() {
	printf -v "$1" '%s' "$(taskset -c "$2" openssl speed -seconds 2 \
	    rsa2048 2>/dev/null | awk '/^rsa 2048/ {v = $6} END {if (v > 0)
	    printf "%.1f", 1000000 / v}')"
}
PERF=$(command -v perf)
# judge CPUS: inspect's messages per second on CPUS, and the ceiling.
judge() {
	local mps="" ops="" cpu="" one="" t o c pct="" ok
	for r in $(seq "$ROUNDS"); do
		if [ -n "$PERF" ]; then
			timeit t "$PERF" stat -x, -o "$W/perf.csv" \
			    -e task-clock taskset -c "$1" "$SM" --home "$H" \
			    inspect --json "$W"/crypto/*.eml
			c=$(awk -F, '/task-clock/ {printf "%.1f", 1000 * $1 / n}' \
			    n="$NCRYPTO" "$W/perf.csv")
			cpu="$cpu $c"
			signus o "${1%%,*}"
			one="$one $o"
		else
			timeit t taskset -c "$1" "$SM" --home "$H" inspect \
			    --json "$W"/crypto/*.eml
		fi
		mps="$mps $(python3 -c "print('%.1f' % ($NCRYPTO / $t))")"
		speed o "$1"
		ops="$ops $o"
	done
	ok=$(grep -c '"signature":"valid"' "$W/last.out")
	rec "$SEC" "inspect on CPUs $1, messages per second" "/s" "$mps" \
	    "openssl speed -elapsed -multi $(echo "$1" | tr ',' '\n' | wc -l) rsa2048, sign/s" \
	    "$ops" "ratio>=0.8" "$ok of $NCRYPTO judged valid; the target is 80% of the ceiling; both by the wall clock (openssl speed -elapsed)"
	[ -n "$PERF" ] && rec "$SEC" \
	    "inspect on CPUs $1, CPU time per message, its agents included" \
	    us "$cpu" "openssl speed rsa2048 on CPU ${1%%,*}, CPU time per signature" \
	    "$one" "ratio<=1.25" "perf stat task-clock over the whole batch; 80% of the ceiling is at most 1.25 signatures' time"
	return 0
}
ALL=$(python3 -c 'import os; print(",".join(map(str, sorted(os.sched_getaffinity(0)))))')
judge "$ALL"
[ "$NCPU" -gt 1 ] && judge "$(echo "$ALL" | cut -d, -f1)"
