# Malformed input: truncated base64, a signature cut short, no closing
# boundary, a 200 KB header line, 500 nested multiparts, an empty file,
# random bytes. Each ends with exit 0 (a verdict) or 1 (one clear line on
# stderr), never with a crash, a sanitizer report, a hang or "valid".
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
check "keys trust ca.pem" sm keys trust "$D/ca.pem"

# More random input than the committed file: a few fresh ones each run.
for i in 1 2 3; do
	head -c $((i * 3000)) /dev/urandom >"$T/random-$i.eml"
done
for f in "$D"/malformed/*.eml "$T"/random-*.eml; do
	n=$(basename "$f")
	timeout 30 "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" \
	    inspect --json "$f" >"$T/out" 2>"$T/err"; rc=$?
	case $rc in
	0|1) ok "$n: exit $rc" ;;
	*) notok "$n: exit $rc (crash or hang)"; tail -3 "$T/err" ;;
	esac
	check_nomatch "$n: no sanitizer report" \
	    "AddressSanitizer|LeakSanitizer|runtime error" "$(cat "$T/err")"
	if [ "$rc" -eq 1 ]; then
		check_match "$n: one clear line" "^sealmail: [^ ].{4,}" \
		    "$(grep -v 'no Secret Service' "$T/err" | tail -1)"
		check_eq "$n: nothing on stdout" "" "$(cat "$T/out")"
	else
		check_nomatch "$n: never valid" '"signature":"valid"' \
		    "$(cat "$T/out")"
	fi
done
t_done
