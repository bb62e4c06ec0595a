# sync killed with SIGKILL at many points, then run again: it completes,
# with no message lost or doubled and the database intact.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home" S="$LAB_SMIME_DIR" N=150
F="crashtest$$"
MD="$LAB_MAIL_DIR/example.test/alice/Maildir"
FD="$MD/.$F"
mkdir -p "$H" "$FD/cur" "$FD/new" "$FD/tmp" "$T/gen"
chown -R --reference="$MD" "$FD"
trap 'rm -rf "$FD"' EXIT
cat > "$H/config" <<EOC
[account alice]
address = alice@example.test
imap = imap://mail.example.test:$LAB_IMAP_PORT
password-command = printf %s '$LAB_ALICE_PASS'
ca-file = $LAB_CA

[dns]
resolver = $LAB_DNS_RESOLVER
trust-anchor = $LAB_TA
EOC
sm() { "$SEALMAIL" --home "$H" "$@"; }

printf 'Content-Type: text/plain\n\nan encrypted crashword letter\n' > "$T/gen/b"
openssl smime -encrypt -aes256 -in "$T/gen/b" -from bob@example.test \
    -to alice@example.test -subject "enc" -out "$T/gen/enc.eml" "$S/alice.pem" 2>/dev/null
printf 'signed crashword text\n' > "$T/gen/b"
openssl smime -sign -in "$T/gen/b" -signer "$S/bob.pem" -inkey "$S/bob.key" \
    -from bob@example.test -to alice@example.test -subject "sig" -text \
    -out "$T/gen/sig.eml" 2>/dev/null
i=1
while [ $i -le $N ]; do
	f="$FD/cur/$(date +%s).M${i}P$$.lab:2,"
	case $((i % 10)) in
	0) tr -d '\r' < "$T/gen/enc.eml" > "$f" ;;
	5) tr -d '\r' < "$T/gen/sig.eml" > "$f" ;;
	*) { printf 'From: bob@example.test\nTo: alice@example.test\n'
	     printf 'Subject: message %d\nMessage-ID: <%d.%d@example.test>\n\n' $i $i $$
	     # 2 to 20 KB of text
	     j=0; while [ $j -lt $(( (i % 19 + 2) * 16 )) ]; do
		printf 'line %d of message %d: crashword filler text to make it longer\n' $j $i
		j=$((j + 1)); done; } > "$f" ;;
	esac
	i=$((i + 1))
done
chown --reference="$MD" "$FD/cur/"*

check "import alice's identity" sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
check "trust the lab CA" sm keys trust "$LAB_CA"

# Kill points from the very start (opening, logging in) to deep into the
# fetch, a little later each time, until a run gets to finish.
kills=0 partial=0 d=0 prev=0
while [ $kills -lt 60 ]; do
	d=$((d + 15))
	sm sync --folder "$F" --json >/dev/null 2>&1 &
	p=$!
	sleep "$(printf '0.%03d' $((d % 1000)))"
	kill -KILL "$p" 2>/dev/null || { wait "$p"; break; }
	wait "$p" 2>/dev/null
	kills=$((kills + 1))
	now=$(sm list --json --folder "$F" | json /dev/stdin 'len(d)')
	[ "$now" -gt 0 ] && [ "$now" -lt "$N" ] && partial=$((partial + 1))
	[ "$now" -lt "$prev" ] && notok "messages were lost after a kill ($prev, then $now)"
	prev=$now
	[ $((kills % 8)) -eq 0 ] && check "store intact after kill $kills" sm store check
done
echo "# $kills kills, $partial of them in the middle of the fetch; $prev of $N stored"
check_match "killed in the middle of the fetch several times ($partial)" '^([3-9]|[1-9][0-9])$' "$partial"

sm sync --folder "$F" --json > "$T/final.json"; rc=$?
check_eq "a run after the kills completes" 0 "$rc"
sm list --json --folder "$F" > "$T/list.json"
check_eq "every message is there once" "$N" "$(json "$T/list.json" 'len(d)')"
check_eq "no UID twice" "$N" "$(json "$T/list.json" 'len(set(x["uid"] for x in d))')"
check_eq "the UIDs are the server's" "$(seq 1 $N | tr '\n' ' ' | sed 's/ $//')" \
    "$(json "$T/list.json" '" ".join(str(x["uid"]) for x in sorted(d, key=lambda x: x["uid"]))')"
check_eq "the encrypted ones are decrypted" $((N / 10)) \
    "$(json "$T/list.json" 'len([x for x in d if x["encryption"]=="decrypted"])')"
check_eq "the signed ones are valid" $((N / 10)) \
    "$(json "$T/list.json" 'len([x for x in d if x["signature"]=="valid"])')"
check_eq "every message is searchable" "$N" "$(sm search --json crashword | json /dev/stdin 'len(d)')"
out=$(sm store check 2>&1); rc=$?
check_eq "PRAGMA integrity_check says ok" "0 ok" "$rc $out"
sm sync --folder "$F" --json > "$T/again.json"
check_eq "one more run fetches nothing" 0 "$(json "$T/again.json" 'd["fetched"]')"
t_done
