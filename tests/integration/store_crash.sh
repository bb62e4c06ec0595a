# sync killed with SIGKILL at many points, then run again: it completes,
# with no message lost or doubled and the database intact.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home" S="$LAB_SMIME_DIR" N=1000
F="crashtest$$"
alice_folder "$F"
mkdir -p "$T/gen"
trap 'rm -rf "$FD"' EXIT
alice_config "$H" password
sm() { "$SEALMAIL" --home "$H" "$@"; }

printf 'Content-Type: text/plain\n\nan encrypted crashword letter\n' > "$T/gen/b"
openssl smime -encrypt -aes256 -in "$T/gen/b" -from bob@example.test \
    -to alice@example.test -subject "enc" -out "$T/gen/enc.eml" "$S/alice.pem" 2>/dev/null
printf 'signed crashword text\n' > "$T/gen/b"
openssl smime -sign -in "$T/gen/b" -signer "$S/bob.pem" -inkey "$S/bob.key" \
    -from bob@example.test -to alice@example.test -subject "sig" -text \
    -out "$T/gen/sig.eml" 2>/dev/null
# N messages of 2 to 20 KB; every tenth encrypted, every tenth signed.
python3 - "$FD/cur" "$N" "$$" "$T/gen/enc.eml" "$T/gen/sig.eml" <<'EOP'
import sys
d, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
enc = open(sys.argv[4], 'rb').read().replace(b'\r', b'')
sig = open(sys.argv[5], 'rb').read().replace(b'\r', b'')
for i in range(1, n + 1):
    if i % 10 == 0:
        body = enc
    elif i % 10 == 5:
        body = sig
    else:
        lines = b''.join(b'line %d of message %d: crashword filler text\n' % (j, i)
                         for j in range((i % 19 + 2) * 24))
        body = (b'From: bob@example.test\nTo: alice@example.test\n'
                b'Subject: message %d\nMessage-ID: <%d.%s@example.test>\n\n'
                % (i, i, pid.encode())) + lines
    open('%s/1700000000.M%dP%s.lab:2,' % (d, i, pid), 'wb').write(body)
EOP
chown --reference="$MD" "$FD/cur/"*

check "import alice's identity" sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
check "trust the lab CA" sm keys trust "$LAB_CA"

# Kill points from the very start (opening, logging in) to deep into the
# fetch: 10 ms later each time a run stored nothing more, the same while
# runs make progress (so that a loaded machine still kills several of
# them mid-fetch), until a run gets to finish.
kills=0 partial=0 d=10 prev=0
while [ $kills -lt 200 ]; do
	sm sync --folder "$F" --json >/dev/null 2>&1 &
	p=$!
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	kill -KILL "$p" 2>/dev/null || { wait "$p"; break; }
	wait "$p" 2>/dev/null
	kills=$((kills + 1))
	now=$(sm list --json --folder "$F" | json /dev/stdin 'len(d)')
	[ "$now" -gt 0 ] && [ "$now" -lt "$N" ] && partial=$((partial + 1))
	[ "$now" -lt "$prev" ] && notok "messages were lost after a kill ($prev, then $now)"
	[ "$now" -le "$prev" ] && d=$((d + 10))
	prev=$now
	[ $((kills % 15)) -eq 0 ] && check "store intact after kill $kills" sm store check
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
