#!/bin/sh
# Several sealmail processes on one store at once. Two syncs of one
# folder: both end well, every message is there once, the store intact.
# "flag" and "copy" run again and again while a sync stores another
# folder: each waits its turn (none fails with "database is locked"),
# every copy is made, and the next sync pushes every flag to the server.
# A key import while a sync stores opens every message stored before
# that waited for the key. Moves and copies queued offline and pushed by
# two syncs at once: each is done once, every copy made once, every moved
# message kept. A message deleted (moved to Trash) while a sync of its
# folder runs stays in Trash when that sync then hears of it leaving.
# While a sync waits on the revocation check of a message it stores (an
# OCSP responder that never answers), a draft saved meanwhile is not
# held up by the store's lock: it ends well, and so does the sync.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
N=1500
alice_store_home "together$$"
G="together2$$" K="together3$$" W="together4$$"
Q="together5$$" R="together6$$" S="together7$$" Z="together8$$"
GD="$MD/.$G" KD="$MD/.$K" WD="$MD/.$W"
QD="$MD/.$Q" RD="$MD/.$R" SD="$MD/.$S" ZD="$MD/.$Z"
# The messages here are all ".$$@example.test": the copies left in
# alice's Trash go with the test too.
revoke_pids=
trap 'hostile_down; kill $revoke_pids 2>/dev/null; rm -rf "$FD" "$GD" "$KD" "$WD" "$QD" "$RD" "$SD" "$ZD"; lab_forget ".$$@example.test"' EXIT
for d in "$GD" "$KD" "$WD" "$QD" "$RD" "$SD" "$ZD"; do
	mkdir -p "$d/cur" "$d/new" "$d/tmp"
done
cp "$H/config" "$T/config.on"	# put back after each change
maildir_fill "$FD" "$N" seen
maildir_fill "$GD" "$N"
maildir_fill "$KD" 3000

# sync_until FOLDER N FILE: a sync of FOLDER in the background (p, with
# its output in $T/sN and $T/eN); returns once FILE is there, or the sync
# ended, or 30 s passed.
sync_until() {
	sm sync --folder "$1" >"$T/s$2" 2>"$T/e$2" & p=$!
	_i=0
	while [ ! -e "$3" ] && [ $_i -lt 600 ] && kill -0 $p 2>/dev/null; do
		sleep 0.05
		_i=$((_i + 1))
	done
}

# --- two syncs at once -------------------------------------------------------
# two_syncs FOLDER WHAT: two syncs of FOLDER at once, which both end well.
two_syncs() {
	sm sync --folder "$1" >"$T/s1" 2>"$T/e1" & p1=$!
	sm sync --folder "$1" >"$T/s2" 2>"$T/e2" & p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	check_eq "$2" "0 0" "$r1 $r2"
	[ "$r1 $r2" = "0 0" ] || cat "$T/e1" "$T/e2" | sed 's/^/#   /'
}
two_syncs "$F" "two syncs at once both end well"
sm list --json --folder "$F" >"$T/list.json"
check_eq "every message is there once" "$N" "$(json "$T/list.json" 'len(d)')"
check_eq "no UID twice" "$N" \
    "$(json "$T/list.json" 'len(set(x["uid"] for x in d))')"
check_eq "the flags are the server's" $(((N + 1) / 2)) \
    "$(json "$T/list.json" 'len([x for x in d if x["flags"] == ["\\Seen"]])')"
out=$(sm store check 2>&1); rc=$?
check_eq "PRAGMA integrity_check says ok" "0 ok" "$rc $out"

# --- flag and copy while a sync stores ----------------------------------------
# try CMD...: runs CMD; a failure is counted in failed and shown.
failed=0
try() {
	"$@" >/dev/null 2>"$T/fe" && return 0
	failed=$((failed + 1))
	sed 's/^/# /' "$T/fe" | tail -1
}
ids=$(json "$T/list.json" '" ".join(str(x["id"]) for x in d[:400])')
sm sync --folder "$G" >"$T/s3" 2>"$T/e3" & p=$!
runs=0
for id in $ids; do
	kill -0 $p 2>/dev/null || break
	try sm flag "$id" +Flagged
	try sm copy "$id" Trash
	runs=$((runs + 1))
	flagged="${flagged:-} $id"
done
wait $p; rc=$?
echo "# $runs flag and copy commands ran while the sync stored"
check_eq "the sync of the other folder ends well" 0 "$rc"
check_match "they ran while the sync stored ($runs times)" '^[1-9][0-9]*$' \
    "$runs"
check_eq "no flag or copy command failed" 0 "$failed"
check_eq "every copy is in Trash" "$runs" "$(sm list --json --folder Trash |
    json /dev/stdin "len([x for x in d if '.$$@' in (x['message_id'] or '')])")"
sm list --json --folder "$F" >"$T/list.json"
check_eq "every flag is kept" "$runs" "$(json "$T/list.json" \
    "len([x for x in d if '\\\\Flagged' in x['flags'] and x['id'] in ($(echo $flagged | tr ' ' ','),)])")"
check "the next sync pushes them" sm sync --folder "$F"
check_eq "the server has them" "$runs" \
    "$(ls "$FD/cur" | grep -c ':2,F')"

# --- a key import while a sync stores -------------------------------------------
printf 'Content-Type: text/plain\n\nwaiting for the key\n' >"$T/gen/b"
openssl smime -encrypt -aes256 -in "$T/gen/b" -from bob@example.test \
    -to alice@example.test -subject "for later" -out "$T/gen/enc.eml" \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
python3 - "$WD/cur" "$T/gen/enc.eml" "$$" <<'EOP'
import sys
d, enc, pid = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
for i in range(1, 401):
    open('%s/1700000000.M%dP%s.lab:2,' % (d, i, pid), 'wb').write(
        b'Message-ID: <w%d.%s@example.test>\n' % (i, pid.encode()) +
        enc.replace(b'\r', b''))
EOP
chown -R --reference="$MD" "$WD"
check "400 messages for alice stored before her key" sm sync --folder "$W"
sm sync --folder "$K" >"$T/s4" 2>"$T/e4" & p=$!
sleep 0.1
sm keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass" >"$T/ki" 2>"$T/ke"; rc=$?
wait $p; r2=$?
check_eq "the import and the sync both end well" "0 0" "$rc $r2"
check_match "the import opens every one of them" \
    '^400 stored message\(s\) decrypted' "$(tail -1 "$T/ki")"
check_eq "all 400 are decrypted" 400 "$(sm list --json --folder "$W" |
    json /dev/stdin 'len([x for x in d if x["encryption"] == "decrypted"])')"

# --- two syncs push one queue of moves and copies ---------------------------
# on_server DIR: how many messages the Maildir folder DIR holds, and how
# many Message-IDs.
on_server() {
	echo "$(find "$1/cur" "$1/new" -type f | wc -l)" \
	    "$(cat "$1"/cur/* "$1"/new/* 2>/dev/null | grep -i '^Message-ID:' |
	    sort -u | wc -l)"
}
maildir_fill "$QD" 40
chown -R --reference="$MD" "$RD"
check "the folder to move from" sm sync --folder "$Q"
check "and the one to move to" sm sync --folder "$R"
sed "s/:$LAB_IMAP_PORT\$/:1/" "$T/config.on" >"$H/config"
failed=0 moved=
for id in $(sm list --json --folder "$Q" |
    json /dev/stdin '" ".join(str(x["id"]) for x in d)'); do
	if [ $((id % 2)) = 0 ]; then
		try sm move "$id" "$R"
		moved="$moved $id"
	else
		try sm copy "$id" "$R"
	fi
done
cp "$T/config.on" "$H/config"
check_eq "40 moves and copies queued offline" "0 40" \
    "$failed $(sm list --json --folder "$R" | json /dev/stdin 'len(d)')"
two_syncs "$Q" "two syncs pushing the queue at once both end well"
check_eq "the server has each moved or copied message once" "40 40" \
    "$(on_server "$RD")"
check_eq "and the copies' originals where they were" "20 20" \
    "$(on_server "$QD")"
check "a sync of where they went" sm sync --folder "$R"
sm list --json --folder "$R" >"$T/list.json"
check_eq "the store has each once there, bound" "40 40" \
    "$(json "$T/list.json" \
    '"%d %d" % (len(d), len([x for x in d if x["uid"]]))')"
check_eq "every moved message is kept as it was" "$(echo $moved | wc -w)" \
    "$(json "$T/list.json" \
    "len([x for x in d if x['id'] in ($(echo $moved | tr ' ' ','),)])")"

# --- a delete while a sync of its folder runs -------------------------------
# The sync has read its list of the folder when the user deletes one of
# its messages (moved to Trash, keeping its row) and the server moves it;
# only then does the sync ask what left the folder. Dovecot is reached
# through tests/hostile/cutappend.py, which holds that question back until
# the delete is done.
# put_s N SUBJECT: a message of that Subject into S, on the server.
put_s() {
	printf 'From: bob@example.test\nSubject: %s\nMessage-ID: %s\n\nbody\n' \
	    "$2" "<s$1.$$@example.test>" >"$SD/cur/1600000000.M$1P$$.lab:2,S"
	chown -R --reference="$MD" "$SD"
}
put_s 1 "kept in Trash $$"
check "a message to delete" sm sync --folder "$S"
x=$(sm list --json --folder "$S" | json /dev/stdin 'd[0]["id"]')
put_s 2 "another"
hostile_up cutappend.py --cert "$LAB_DIR/ca/server-chain.pem" \
    --key "$LAB_DIR/ca/server.key" --ca "$LAB_CA" \
    --relay-port "$LAB_IMAPS_PORT" --record "$T/rec" --cut 0 \
    --hold '^\S+ UID FETCH 1[: ]' --go "$T/go" --held "$T/held" \
    --lifetime 100
sed "s|^imap .*|imap = imaps://mail.example.test:$port|" "$T/config.on" \
    >"$H/config"
sync_until "$S" 7 "$T/held"
check "the sync asks what left the folder" test -e "$T/held"
sm delete "$x" >"$T/d7" 2>"$T/de7"; rc=$?
touch "$T/go"
wait $p; r2=$?
hostile_down
cp "$T/config.on" "$H/config"
check_eq "the delete and the sync both end well" "0 0" "$rc $r2"
[ "$rc $r2" = "0 0" ] || cat "$T/de7" "$T/e7" | sed 's/^/#   /'
check_eq "the message deleted is in Trash" "$x Trash" \
    "$(sm show --json "$x" |
    json /dev/stdin '"%d %s" % (d["id"], d["folder"])')"
check "Trash synced" sm sync --folder Trash
check_eq "once" 1 "$(sm list --json --folder Trash | json /dev/stdin \
    "len([x for x in d if x['subject'] == 'kept in Trash $$'])")"
check_eq "the folder holds the other" another \
    "$(sm list --json --folder "$S" |
    json /dev/stdin '" ".join(x["subject"] for x in d)')"

# --- a draft saved while a sync waits on a revocation check ---------------------
# A message first, then one signed with a certificate whose OCSP
# responder takes the request and never answers: the sync stores the
# first and waits on the check of the second for up to [security]
# timeout, 30 s, past the store's own wait of 10 s for its lock.
P=$((LAB_PORT_BASE + 890))
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/slow" \
    slow@example.test "http://127.0.0.1:$P/ocsp" - >/dev/null
revoke_serve "$P" --silent
printf 'From: bob@example.test\nSubject: before\nMessage-ID: %s\n\nfirst\n' \
    "<z1.$$@example.test>" >"$ZD/cur/1600000000.M1P$$.lab:2,S"
printf 'Content-Type: text/plain\n\nchecked slowly\n' |
    openssl cms -sign -signer "$T/slow.pem" -inkey "$T/slow.key" -md sha256 \
    -from slow@example.test -to alice@example.test -subject "slow $$" |
    sed "1i Message-ID: <z2.$$@example.test>" \
    >"$ZD/cur/1600000001.M2P$$.lab:2,S"
chown -R --reference="$MD" "$ZD"
check "the lab CA is trusted" sm keys trust "$LAB_CA"
printf '\n[security]\ntimeout = 30\n' >>"$H/config"
sync_until "$Z" 8 "$T/srv-$P.log"
check "the sync asks the responder" test -s "$T/srv-$P.log"
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: meanwhile %s\n\nx\n' \
    "$$" >"$T/d8.txt"
sm draft save "$T/d8.txt" >"$T/d8" 2>"$T/de8"; rc=$?
check_eq "a draft saved meanwhile ends well" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/de8"
wait $p; r2=$?
kill $revoke_pids; revoke_pids=
cp "$T/config.on" "$H/config"
check_eq "the sync ends well" 0 "$r2"
[ "$r2" = 0 ] || sed 's/^/#   /' "$T/e8"
check_eq "both messages are stored" "before slow $$" \
    "$(sm list --json --folder "$Z" |
    json /dev/stdin '" ".join(sorted(x["subject"] for x in d))')"
t_done
