# Sourced by tests/bench/run.sh: verify and decrypt, one inspect process,
# against the ceiling of the same CPUs: openssl speed's RSA-2048 private
# key operations per second (each message costs one, the decryption; the
# signature checks are public key operations). The set is distinct
# messages from $NSIGNERS signers, so that no chain validation is the
# cache's.
SEC="Verify and decrypt ($NCRYPTO distinct signed+encrypted messages of 20 KB, $NSIGNERS signers)"
say ""
say "== $SEC"
python3 "$TOP/tests/bench/gen.py" signers "$W/signers" "$NSIGNERS" \
    "$TOP/tests/lab/conf/openssl.cnf" "$LAB_CA" "$LAB_CA_KEY"
python3 "$TOP/tests/bench/gen.py" crypto "$W/crypto" "$NCRYPTO" \
    "$LAB_SMIME_DIR" "$W/signers"
# speed VAR CPUS: RSA-2048 signatures per second on CPUS (taskset list).
speed() {
	local n
	n=$(taskset -c "$2" python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
	printf -v "$1" '%s' "$(taskset -c "$2" openssl speed -seconds 2 \
	    -multi "$n" rsa2048 2>/dev/null | awk '/^rsa 2048/ {v = $6} END {print v}')"
}
# judge CPUS: inspect's messages per second on CPUS, and the ceiling.
judge() {
	local mps="" ops="" t o pct="" ok
	for r in $(seq "$ROUNDS"); do
		timeit t taskset -c "$1" "$SM" --home "$H" inspect --json \
		    "$W"/crypto/*.eml
		mps="$mps $(python3 -c "print('%.1f' % ($NCRYPTO / $t))")"
		speed o "$1"
		ops="$ops $o"
	done
	ok=$(grep -c '"signature":"valid"' "$W/last.out")
	rec "$SEC" "inspect on CPUs $1, messages per second" "/s" "$mps" \
	    "openssl speed -multi $(echo "$1" | tr ',' '\n' | wc -l) rsa2048, sign/s" \
	    "$ops" "ratio>=0.8" "$ok of $NCRYPTO judged valid; the target is 80% of the ceiling"
}
ALL=$(python3 -c 'import os; print(",".join(map(str, sorted(os.sched_getaffinity(0)))))')
judge "$ALL"
[ "$NCPU" -gt 1 ] && judge "$(echo "$ALL" | cut -d, -f1)"
