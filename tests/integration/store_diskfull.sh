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
sm send --no-sign --no-encrypt "$T/full.txt" >"$T/out" 2>"$T/err" &
snd=$!
_i=0
while [ ! -e "$T/hold.dot" ] && [ $_i -lt 600 ]; do
	sleep 0.1; _i=$((_i + 1))
done
dd if=/dev/zero of="$MNT/fill" bs=64k 2>/dev/null
touch "$T/hold"
wait $snd; rc=$?
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
hostile_down
t_done
