# A full disk in the middle of a sync: the sync stops with a clear line,
# and once there is room again the next run completes, with no message
# lost or doubled and the database intact. The home sits on a small
# tmpfs of the test's own. The same with a file size limit.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
S="$LAB_SMIME_DIR" N=200
F="fulltest$$"
MNT="$T/mnt"
mkdir -p "$MNT"
alice_folder "$F"
if ! mount -t tmpfs -o size=1200k,mode=0700 tmpfs "$MNT"; then
	notok "a tmpfs can be mounted for the test"; rm -rf "$FD"; t_done
fi
trap 'umount "$MNT" 2>/dev/null; rm -rf "$FD"' EXIT
H="$MNT/home"
alice_config "$H" password
sm() { "$SEALMAIL" --home "$H" "$@"; }
python3 - "$FD/cur" "$N" "$$" <<'EOP'
import sys
d, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(1, n + 1):
    lines = b''.join(b'line %d of message %d: fullword filler text, more text\n' % (j, i)
                     for j in range(200 + i % 50))
    open('%s/1700000000.M%dP%s.lab:2,' % (d, i, pid), 'wb').write(
        b'From: bob@example.test\nTo: alice@example.test\nSubject: message %d\n'
        b'Message-ID: <%d.%s@example.test>\n\n' % (i, i, pid.encode()) + lines)
EOP
chown --reference="$MD" "$FD/cur/"*
# all_there: every message of the folder is stored once, the store intact.
all_there() {
	sm list --json --folder "$F" > "$T/list.json"
	check_eq "every message once" "$N" "$(json "$T/list.json" 'len(d)')"
	check_eq "no UID twice" "$N" "$(json "$T/list.json" 'len(set(x["uid"] for x in d))')"
	out=$(sm store check 2>&1); rc=$?
	check_eq "PRAGMA integrity_check says ok" "0 ok" "$rc $out"
}

check "import alice's identity" sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
sm sync --folder "$F" >/dev/null 2>"$T/err"; rc=$?
check_eq "the sync stops when the disk is full (1)" 1 "$rc"
check_match "and says the disk is full" 'disk is full' "$(tail -1 "$T/err")"
got=$(sm list --json --folder "$F" 2>/dev/null | json /dev/stdin 'len(d)')
echo "# $got of $N stored before the disk filled"
check_match "some were stored, not all" '^[0-9]+$' "$got"
[ "$got" -lt "$N" ] && ok "the disk filled before the end" || notok "the disk filled before the end ($got)"

mount -o remount,size=64m "$MNT"
sm sync --folder "$F" --json > "$T/final.json" 2>"$T/err"; rc=$?
check_eq "with room again the sync completes" 0 "$rc"
all_there
check_eq "every message is searchable" "$N" "$(sm search --json fullword | json /dev/stdin 'len(d)')"

# A file size limit (ulimit -f; sh counts blocks of 512 bytes) rather
# than a full disk: a write past it fails, where SIGXFSZ would have
# killed the process in the middle of a transaction without a word.
H="$T/limited"
alice_config "$H" password
check "import alice's identity (limited home)" \
    sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
(ulimit -f 3000; exec "$SEALMAIL" --home "$H" sync --folder "$F") \
    >/dev/null 2>"$T/err"; rc=$?
check_eq "the sync stops at the file size limit (1, not a signal)" 1 "$rc"
check_match "and names the limit" 'file size limit \(ulimit -f\)' \
    "$(tail -1 "$T/err")"
got=$(sm list --json --folder "$F" 2>/dev/null | json /dev/stdin 'len(d)')
[ "$got" -lt "$N" ] && ok "the limit was reached before the end ($got)" ||
    notok "the limit was reached before the end ($got)"
printf 'To: bob@example.test\nSubject: limited\n\nlimited words\n' >"$T/d.txt"
(ulimit -f 1; exec "$SEALMAIL" --home "$H" draft save "$T/d.txt") \
    >/dev/null 2>"$T/err"; rc=$?
check_eq "a draft save past the limit: exit 1, not a signal" 1 "$rc"
check_match "and names the limit" 'file size limit \(ulimit -f\)' \
    "$(tail -1 "$T/err")"
sm sync --folder "$F" >/dev/null 2>"$T/err"; rc=$?
check_eq "without the limit the sync completes" 0 "$rc"
all_there

# The disk fills after the server took a message, before the store
# records it (tests/hostile/server.py holddot holds its 250 while the
# disk fills): the send says the message was delivered, never that it
# was not sent; nothing sends it again, its copy to Sent is made, and
# once there is room it is recorded as sent, the outbox empty.
H="$MNT/sender"
alice_config "$H" password
MID="full-$$-$(date +%s)@example.test"
SENT_DIR=$LAB_MAIL_DIR/example.test/alice/Maildir/.Sent
hostile_up server.py --proto smtp --mode holddot --implicit \
    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
    --record "$T/rec" --hold "$T/hold" --lifetime 120
# Its copy in alice's Sent on the lab goes with the test: other tests
# search her folders.
trap 'hostile_down; lab_forget "$MID"; umount "$MNT" 2>/dev/null; rm -rf "$FD"' EXIT
sed -i "s|^smtp = .*|smtp = submissions://mail.example.test:$port|" \
    "$H/config"
printf 'To: bob@example.test\nSubject: sent on a full disk\nMessage-ID: <%s>\n\ntaken, not recorded\n' \
    "$MID" >"$T/full.txt"
# send_filling OPTION... FILE: sm send, the disk filled while the server
# holds its 250; rc its exit status, $T/err what it said.
send_filling() {
	sm send "$@" >"$T/out" 2>"$T/err" &
	snd=$!
	_i=0
	while [ ! -e "$T/hold.dot" ] && [ $_i -lt 600 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
	touch "$T/hold"
	wait $snd; rc=$?
}
send_filling --no-sign --no-encrypt "$T/full.txt"
check_eq "the send exits 1: the store could not record it" 1 "$rc"
check_match "its last line says it was delivered" \
    'was delivered \(the server took it\), but the store could not record it: .*disk is full.*does not send it again' \
    "$(tail -1 "$T/err")"
check_nomatch "and nowhere that it was not sent" \
    'not sent|tries again|sends it again' "$(cat "$T/err")"
check_eq "its copy to Sent was made" 1 "$(count_in "$SENT_DIR" "$MID")"
# The first entry of a new store's outbox.
sm outbox send 1 >"$T/out" 2>&1; rc=$?
check_eq "outbox send ID on a full disk sends nothing (1)" 1 "$rc"
rm -f "$MNT/fill"
check_eq "with room again the outbox is empty: it was sent" "[]" \
    "$(sm outbox --json)"
sm outbox send >"$T/out" 2>&1
check_eq "the server got it once" 1 \
    "$(grep -c "^Message-ID: <$MID>" "$T/rec")"
sm sync --folder Sent >/dev/null 2>&1
check_eq "the next sync makes no second copy in Sent" 1 \
    "$(count_in "$SENT_DIR" "$MID")"

# The same for a message with a Bcc recipient, encrypted: it goes as two
# copies over one session (To alice, then Bcc bob), each recorded on its
# own once the session is over, and the store told before each copy's
# data goes. bcc_full SKIP: such a message sent from a fresh home while
# the disk fills, the server holding the 250 of the copy after the first
# SKIP; rc its exit status, $T/err what it said.
BID="fullbcc-$$-$(date +%s)"
trap 'hostile_down; lab_forget "$MID"; lab_forget "$BID"; umount "$MNT" 2>/dev/null; rm -rf "$FD"' EXIT
bcc_full() {
	H="$MNT/bcc$1"
	alice_config "$H" password
	check "import alice's identity (Bcc home $1)" \
	    sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
	: >"$T/rec"
	rm -f "$T/hold" "$T/hold.dot"
	hostile_up server.py --proto smtp --mode holddot --implicit \
	    --cert "$LAB_DIR/ca/server-chain.pem" \
	    --key "$LAB_DIR/ca/server.key" --record "$T/rec" \
	    --hold "$T/hold" --hold-skip "$1" --lifetime 120
	sed -i "s|^smtp = .*|smtp = submissions://mail.example.test:$port|" \
	    "$H/config"
	printf 'To: alice@example.test\nBcc: bob@example.test\nSubject: Bcc on a full disk\nMessage-ID: <%s>\n\ntaken, not recorded\n' \
	    "$BID-$1@example.test" >"$T/fullbcc.txt"
	send_filling --no-sign --encrypt "$T/fullbcc.txt"
	echo "# send, held at copy $(($1 + 1)): exit $rc; $(tr '\n' '|' <"$T/err")"
}
# copies WHO...: how many copies the server took for each WHO (the
# recipients of each transaction that reached DATA), on one line.
copies() {
	for _w in "$@"; do
		tr -d '\r' <"$T/rec" | awk -v who="<$_w@example.test>" '
		    /^MAIL FROM:/ { n = 0 }
		    /^RCPT TO:/ { if (index($0, who)) n++ }
		    /^DATA$/ { c += n; n = 0 }
		    END { print c + 0 }'
	done | paste -sd' '
}
# no_resend WHAT COUNTS: outbox send on the full disk sends no copy again.
no_resend() {
	sm outbox send >"$T/out" 2>&1
	echo "# outbox send on a full disk: $(tr '\n' '|' <"$T/out")"
	check_eq "$1: outbox send on a full disk sends no copy again" "$2" \
	    "$(copies alice bob)"
	check_match "$1: and says the copy the server took was delivered" \
	    'message [0-9]+ was delivered \(the server took it\), but the store could not record it yet' \
	    "$(cat "$T/out")"
	check_nomatch "$1: never that outbox send would send it" 'sends it' \
	    "$(cat "$T/out")"
	rm -f "$MNT/fill"
}

# The disk fills while the server holds the 250 of the Bcc copy: both
# copies went and neither can be recorded. The send says it was
# delivered, no later run sends either copy again, and once there is room
# both are recorded as sent.
bcc_full 1
check_eq "Bcc held: the send exits 1: the store could not record it" 1 "$rc"
check_eq "Bcc held: alice and bob each got their copy" "1 1" \
    "$(copies alice bob)"
check_match "Bcc held: its last line says it was delivered" \
    'was delivered \(the server took it\), but the store could not record it: .*disk is full.*does not send it again' \
    "$(tail -1 "$T/err")"
check_nomatch "Bcc held: and nowhere that it was not sent" \
    'not sent|tries again|sends it again|not to ' "$(cat "$T/err")"
no_resend "Bcc held" "1 1"
check_eq "Bcc held: with room again both copies are recorded as sent" "[]" \
    "$(sm outbox --json)"
sm outbox send >"$T/out" 2>&1; rc=$?
check_eq "Bcc held: outbox send then has nothing to send (0)" 0 "$rc"
check_eq "Bcc held: still one copy each" "1 1" "$(copies alice bob)"
sm sync --folder Sent >/dev/null 2>&1
check_eq "Bcc held: one copy in Sent" 1 \
    "$(count_in "$SENT_DIR" "$BID-1@example.test")"

# The disk fills while the server holds the 250 of the first copy: that
# one went, and the store cannot be told that the Bcc copy's data is
# about to go, so it does not. The send says the message was delivered
# and that bob's copy was not; bob's copy waits, and goes once, when
# there is room.
bcc_full 0
check_eq "first held: the send exits 1" 1 "$rc"
check_eq "first held: alice got her copy, bob not yet" "1 0" \
    "$(copies alice bob)"
check_match "first held: its last line says it was delivered" \
    'was delivered \(the server took it\), but the store could not record it: .*disk is full.*does not send it again' \
    "$(tail -1 "$T/err")"
check_match "first held: and that bob's copy was not sent" \
    'not to bob@example\.test; the message went to alice@example\.test' \
    "$(cat "$T/err")"
no_resend "first held" "1 0"
check_eq "first held: with room again one copy waits, queued" "queued" \
    "$(sm outbox --json | json /dev/stdin '" ".join(m["state"] for m in d)')"
sm outbox send >"$T/out" 2>&1; rc=$?
check_eq "first held: outbox send sends bob's copy (0)" 0 "$rc"
check_eq "first held: one copy each in all" "1 1" "$(copies alice bob)"
check_eq "first held: the outbox is then empty" "[]" "$(sm outbox --json)"
sm sync --folder Sent >/dev/null 2>&1
check_eq "first held: one copy in Sent" 1 \
    "$(count_in "$SENT_DIR" "$BID-0@example.test")"
hostile_down
t_done
