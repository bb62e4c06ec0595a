#!/bin/sh
# sync against a scripted IMAP server (tests/hostile/mailbox.py, implicit
# TLS with the lab's server certificate) that misbehaves in the middle of
# fetching: it drops the connection half-way through a message's literal,
# ends a literal a byte short, announces one of 4 GiB, closes a FETCH
# with a tag never sent,
# drops the connection at each command in turn,
# answers QRESYNC with 900,000 VANISHED ranges one by one,
# floods untagged EXISTS, sends a message never asked for and every
# message twice. Each broken sync keeps only whole messages, and the next
# honest sync brings the rest: nothing lost, nothing doubled, nothing
# never asked for. When UIDVALIDITY changes and every UID is new, the
# messages already stored are bound to their new UIDs, not stored again;
# renumbered once more, with a message changed and three gone, and the
# first sync of it cut off, the next keeps what the server holds, once.
# Messages sent in descending UID order and cut off leave no gap that
# the next sync does not fill, and one that never gives a message its
# body is asked for that one alone; a SELECT without UIDVALIDITY syncs
# nothing; an answer to the flags that lists none of the messages the
# server holds expunges nothing; a UIDNEXT going backwards hides no new
# message, nor stops a sync when a message has UID 4294967295; the same
# UID sent twice, an RFC822.SIZE unlike the message, a flood of EXPUNGE,
# a literal of 4 GiB change nothing that is kept, and a UIDNEXT of
# 4294967295 costs one UID FETCH, not 200,000. A sync asks for no
# RFC822.SIZE, and dates a message without Date by its INTERNALDATE.
# A signed or encrypted message with header protection under a forged
# outside keeps the protected Reply-To, To, Cc and Message-ID. A message
# deleted here while a sync of its folder runs is not fetched back, its
# move claimed by another process, queued, or done since the SELECT.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
secret pw "store pass phrase"
mkdir -p box
for i in 1 2 3 4 5 6 7 8; do
	{
		printf 'From: bob@example.test\r\nTo: alice@example.test\r\n'
		printf 'Subject: note %s\r\nMessage-ID: <n%s.%s@example.test>\r\n' \
		    $i $i $$
		printf 'Date: Thu, 01 Jan 2026 00:00:0%s +0000\r\n\r\n' $i
		printf 'body %s\r\n' $i
	} >box/m$i.eml
done
# mailbox UIDVALIDITY UID:N...: INBOX holds message mN at UID.
mailbox() {
	_v=$1 _m=
	shift
	for _p in "$@"; do
		_m="$_m${_m:+, }[${_p%%:*}, \"m${_p#*:}.eml\"]"
	done
	printf '{"uidvalidity": %s, "messages": [%s]}\n' "$_v" "$_m" \
	    >box/box.json
}
# serve MODE [AFTER]: the server in MODE ($port the same each time).
serve() {
	hostile_up mailbox.py --box "$T/box/box.json" \
	    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
	    --record "$T/rec" --mode "$1" --after "${2:-2}" --lifetime 120 \
	    --hold "$T/hold"
}
trap hostile_down EXIT
# home: a new home whose account is on the scripted server.
home() {
	rm -rf "$T/h"
	mkdir -p "$T/h"
	{
		printf '[account hostile]\naddress = alice@example.test\n'
		printf 'imap = imaps://mail.example.test:%s\n' "$port"
		printf 'password-command = printf secret\nca-file = %s\n' "$LAB_CA"
		printf 'timeout = 5\n\n'
		lab_dns
	} >"$T/h/config"
}
S() { "$SEALMAIL" --home "$T/h" --passphrase-file "$T/pw" "$@"; }
# subjects: the stored subjects, in UID order, one line.
subjects() {
	S list --json >list.json 2>/dev/null
	json list.json '" ".join(m["subject"] for m in
	    sorted(d, key=lambda m: m["uid"] or 0))'
}
ALL="note 1 note 2 note 3 note 4 note 5"
# fresh MODE [AFTER]: the five notes (UIDVALIDITY 7) from the server in
# MODE, its record emptied, synced into a new home (the exit status in $rc).
fresh() {
	mailbox 7 1:1 2:2 3:3 4:4 5:5
	serve "$@"
	home
	: >rec
	S sync >out 2>err; rc=$?
}

# A sync broken off in the middle, then an honest one.
for c in cut:"closed the connection" short:"closed the connection" \
    othertag:"BAD or out of turn" \
    hugelit:"announced a literal of 4294967295 bytes \(limit 100 MiB\)$"; do
	mode=${c%%:*}
	fresh "$mode"
	check_eq "$mode: sync exits 1" 1 "$rc"
	check_match "$mode: says why" "${c#*:}" "$(tail -1 err)"
	if [ "$mode" = othertag ]; then
		check_eq "$mode: every message arrived whole before" "$ALL" \
		    "$(subjects)"
	else
		check_eq "$mode: the whole messages before it are kept" \
		    "note 1 note 2" "$(subjects)"
	fi
	serve honest
	S sync >out 2>err; rc=$?
	check_eq "$mode: the next sync exits 0" 0 "$rc"
	check_eq "$mode: nothing lost, nothing doubled" "$ALL" "$(subjects)"
done

# The new messages sent in descending UID order, the connection dropped
# after two: the two kept are the highest, and the next honest sync still
# brings the three below them, once.
fresh reverse
check_eq "reverse: sync exits 1" 1 "$rc"
check_eq "reverse: the two that arrived are kept" "note 4 note 5" \
    "$(subjects)"
serve honest
S sync >out 2>err; rc=$?
check_eq "reverse: the next sync exits 0" 0 "$rc"
check_match "reverse: it fetches the three below" ': 3 new,' "$(cat out)"
check_eq "reverse: nothing lost, nothing doubled" "$ALL" "$(subjects)"
S sync >out 2>err; rc=$?
check_match "reverse: then nothing more" ': 0 new,' "$(cat out)"

# A server that never gives the messages of UID 2 and 6 their body: the
# six it gives are kept, and each later sync asks for those two alone,
# not for all that lies between.
mailbox 7 1:1 2:2 3:3 4:4 5:5 6:6 7:7 8:8
serve nobody
home
S sync >out 2>err; rc=$?
check_eq "nobody: sync exits 0" 0 "$rc"
: >rec
S sync >out 2>err; rc=$?
check_eq "nobody: again: exit 0" 0 "$rc"
check_eq "nobody: the six it gives" "note 1 note 3 note 4 note 5 note 7 note 8" \
    "$(subjects)"
check_eq "nobody: asks for UID 2 and 6 alone" "2 6" "$(sed -n \
    's/^[^ ]* UID FETCH \([0-9:]*\) (UID FLAGS INTERNALDATE.*/\1/p' rec |
    xargs)"
# BODY[] NIL is no message at all: nothing empty is stored in its place,
# and the next sync asks for it again.
serve nilbody
home
S sync >out 2>err; rc=$?
check_eq "nilbody: sync exits 0" 0 "$rc"
: >rec
S sync >out 2>err
check_eq "nilbody: the six it gives, no empty one" \
    "note 1 note 3 note 4 note 5 note 7 note 8" "$(subjects)"
check_eq "nilbody: asks for UID 2 and 6 again" "2 6" "$(sed -n \
    's/^[^ ]* UID FETCH \([0-9:]*\) (UID FLAGS INTERNALDATE.*/\1/p' rec |
    xargs)"

# UIDNEXT going backwards (3, whatever the mailbox holds): the message
# that came after the first sync arrives all the same.
fresh honest
mailbox 7 1:1 2:2 3:3 4:4 5:5 6:6
serve backwards
S sync >out 2>err; rc=$?
check_eq "backwards: sync exits 0" 0 "$rc"
check_eq "backwards: the new message arrived" "$ALL note 6" "$(subjects)"
S sync >out 2>err; rc=$?
check_match "backwards: then nothing more" ': 0 new,' "$(cat out)"
# A message at the highest UID there is, 4294967295, and UIDNEXT 3.
mailbox 7 1:1 4294967295:2
serve honest
home
S sync >out 2>err
serve backwards
S sync >out 2>err; rc=$?
check_eq "top UID: sync exits 0" 0 "$rc"
check_eq "top UID: says nothing" "" "$(cat err)"
check_eq "top UID: both kept" "note 1 note 2" "$(subjects)"

# A server that answers the flags of what is stored with nothing, as if
# the mailbox were empty, while its SELECT says it holds five: nothing is
# expunged on its word, and it says so; an honest answer expunges what
# is gone.
# again MODE: five notes synced from an honest server into a new home,
# then a sync from the server in MODE (its exit status in $rc).
again() {
	fresh honest
	serve "$1"
	S sync >out 2>err; rc=$?
}
again noflags
check_eq "noflags: sync exits 0" 0 "$rc"
check_eq "noflags: says why nothing is expunged" \
    "sealmail: warning: INBOX: the server listed 0 of the 5 messages it holds; nothing expunged on its word" \
    "$(grep warning err)"
check_eq "noflags: the five are kept" "$ALL" "$(subjects)"
mailbox 7 1:1 3:3 5:5
serve honest
S sync >out 2>err; rc=$?
check_eq "noflags: then an honest answer: exit 0" 0 "$rc"
check_match "noflags: expunges the two gone" ' 2 expunged' "$(cat out)"
check_eq "noflags: the three there" "note 1 note 3 note 5" "$(subjects)"

# A SELECT without UIDVALIDITY: the folder is not synced, and a server
# that then renumbers (in reverse) has each message bound to its new UID.
again novalidity
check_eq "novalidity: sync exits 1" 1 "$rc"
check_eq "novalidity: says why" \
    "sealmail: INBOX: the server gave no UIDVALIDITY for the folder; not synced" \
    "$(tail -1 err)"
check_eq "novalidity: the five are kept" "$ALL" "$(subjects)"
mailbox 9 1:5 2:4 3:3 4:2 5:1
serve honest
S sync >out 2>err; rc=$?
check_eq "novalidity: then renumbered: exit 0" 0 "$rc"
check_match "novalidity: five re-bound" ': 0 new, 5 re-bound,' "$(cat out)"
check_eq "novalidity: each at its new UID" "note 5 note 4 note 3 note 2 note 1" \
    "$(subjects)"

# Each message's UID sent twice, the second time with another body; an
# RFC822.SIZE of 4 GB; a flood of EXPUNGE during the FETCH; a UIDNEXT of
# 4294967295: five messages each time, as sent first, with the size of
# what is kept, in one UID FETCH.
for mode in twice size expunge hugenext; do
	fresh "$mode"
	check_eq "$mode: sync exits 0" 0 "$rc"
	check_eq "$mode: one UID FETCH of the messages" 1 \
	    "$(grep -c 'UID FETCH .*BODY' rec)"
	check_eq "$mode: five messages, once each" "$ALL" "$(subjects)"
	check_eq "$mode: each the size of what is kept" \
	    "$(for i in 1 2 3 4 5; do wc -c <box/m$i.eml; done | xargs)" \
	    "$(json list.json '" ".join(str(m["size"]) for m in
	    sorted(d, key=lambda m: m["uid"]))')"
	S show "$(json list.json "[m['id'] for m in d if m['uid'] == 2][0]")" \
	    >show.out 2>&1
	check_match "$mode: UID 2 keeps its own text" '^body 2' \
	    "$(cat show.out)"
done

# What a sync asks of each new message: its UID, flags, INTERNALDATE (the
# date of one without a Date field) and body; not RFC822.SIZE, which
# nothing reads (the size kept is that of what is kept).
{
	printf 'From: bob@example.test\r\nTo: alice@example.test\r\n'
	printf 'Subject: undated\r\nMessage-ID: <n9.%s@example.test>\r\n' $$
	printf '\r\nbody 9\r\n'
} >box/m9.eml
mailbox 7 1:1 2:9
serve honest
home
: >rec
S sync >out 2>err; rc=$?
check_eq "items: sync exits 0" 0 "$rc"
check_eq "items: the messages are asked for their UID, flags, date and body" \
    "(UID FLAGS INTERNALDATE BODY.PEEK[])" \
    "$(tr -d '\r' <rec | sed -n 's/^[^ ]* UID FETCH [0-9:*]* \(.*BODY.*\)$/\1/p')"
check_nomatch "items: nothing asks for RFC822.SIZE" 'RFC822' "$(cat rec)"
S list --json >list.json 2>/dev/null
check_eq "items: the message without Date is dated by its INTERNALDATE" \
    2026-01-01T00:00:00Z "$(json list.json \
    '[m["date"] for m in d if m["subject"] == "undated"][0]')"

# The connection dropped at each command in turn: LOGIN, SELECT, the
# FETCH of what is new, the FETCH of the flags of what is stored.
mailbox 7 1:1 2:2 3:3
serve honest
home
S sync >out 2>err
mailbox 7 1:1 2:2 3:3 4:4 5:5
for k in 2 4 5 6 7; do
	serve drop "$k"
	S sync >out 2>err; rc=$?
	check_eq "drop at command $k: sync exits 1" 1 "$rc"
done
serve honest
S sync >out 2>err; rc=$?
check_eq "drop: the next sync exits 0" 0 "$rc"
check_eq "drop: nothing lost, nothing doubled" "$ALL" "$(subjects)"

# QRESYNC: a sync told that every even UID vanished, one by one, expunges
# just those, whether the ranges end at the last message or go on to UID
# 1,800,000 (900,000 ranges against 20,000 messages stored). What that
# costs is a matter for the bench, not for a test.
python3 - "$T/box" <<'PY'
import json, os, sys
for i in range(1, 20001):
    with open(os.path.join(sys.argv[1], "v%d.eml" % i), "wb") as f:
        f.write(b"From: bob@example.test\r\nSubject: v %d\r\n\r\nv\r\n" % i)
with open(os.path.join(sys.argv[1], "box.json"), "w") as f:
    json.dump({"uidvalidity": 3,
               "messages": [[i, "v%d.eml" % i] for i in range(1, 20001)]}, f)
PY
for top in 20000 1800000; do
	serve vanish "$top"
	home
	S sync >out 2>err
	S sync >out 2>err; rc=$?
	check_eq "vanished to $top: sync exits 0" 0 "$rc"
	check_match "vanished to $top: half expunged" ' 10000 expunged' \
	    "$(cat out)"
	check_eq "vanished to $top: the 10,000 odd UIDs stay, no other" \
	    "[10000, 10000]" "$(S list --json | json /dev/stdin \
	    "[len(d), sum(int(x['subject'][2:]) % 2 for x in d)]")"
done

# A flood of EXISTS naming messages that are not there.
fresh exists
check_eq "exists: sync exits 0" 0 "$rc"
check_eq "exists: the five messages, once each" "$ALL" "$(subjects)"

# A message never asked for, and every message twice.
mailbox 7 1:1 2:2 3:3
serve honest
home
S sync >out 2>err
mailbox 7 1:1 2:2 3:3 4:4 5:5
serve foreign
S sync >out 2>err; rc=$?
check_eq "foreign: sync exits 0" 0 "$rc"
check_match "foreign: UID 3 was offered again, not asked for" \
    'UID FETCH 4:\*' "$(cat rec)"
check_eq "foreign: five messages, none doubled, none never asked for" \
    "$ALL" "$(subjects)"
S show 3 >show.out 2>&1
check_match "foreign: UID 3 keeps its own text" '^body 3' "$(cat show.out)"
check_nomatch "foreign: not the text never asked for" 'not yours' \
    "$(cat show.out)"

# UIDVALIDITY changes: every UID is new, one message is new too.
S list --json >before.json
serve honest
mailbox 8 101:1 102:2 103:3 104:4 105:5 106:6
S sync >out 2>err; rc=$?
check_eq "uidvalidity: sync exits 0" 0 "$rc"
check_eq "uidvalidity: six messages, none doubled" "$ALL note 6" \
    "$(subjects)"
check_eq "uidvalidity: the five stored keep their ids, at their new UIDs" \
    "$(json before.json '[(m["id"], m["uid"] + 100) for m in d]')" \
    "$(json list.json '[(m["id"], m["uid"]) for m in d if m["uid"] < 106]')"
check_match "uidvalidity: one new, five re-bound, not six new" \
    ': 1 new, 5 re-bound, ' "$(cat out)"
S sync >out 2>err; rc=$?
check_eq "uidvalidity: again: exit 0" 0 "$rc"
check_match "uidvalidity: again: nothing new" ' 0 new' "$(cat out)"
check_nomatch "uidvalidity: again: nothing re-bound" 're-bound' "$(cat out)"
# Renumbered again, note 2 changed on the way (a header added) and three
# gone; the first sync of it is cut off in the middle, the next is not.
{ printf 'X-Migrated: yes\r\n'; cat box/m2.eml; } >box/m2x.eml
mailbox 9 201:1 202:2x 203:4
serve cut 1
S sync >out 2>err; rc=$?
check_eq "renumbered, cut off: exit 1" 1 "$rc"
serve honest
S sync >out 2>err; rc=$?
check_eq "renumbered: the next sync exits 0" 0 "$rc"
check_eq "renumbered: what the server holds, once each" \
    "note 1 note 2 note 4" "$(subjects)"
check_eq "renumbered: note 2 as the server holds it now" "yes" \
    "$(S export "$(json list.json \
    "[m['id'] for m in d if m['uid'] == 202][0]")" 2>/dev/null |
    sed -n 's/^X-Migrated: \([a-z]*\).*/\1/p')"

# A message deleted here (moved to Trash) while a sync of its folder runs
# is not fetched back as new while the server still holds it there:
# not while another process that claimed its move is telling the server
# (the terminal program's sync after d, beside its watcher's), nor while
# it waits in the queue for the next sync, nor when another process has
# moved it on the server since the sync's SELECT (the sync's session not
# yet told). Each time the last message, above every UID stored.
# id_of N: the id of note N in INBOX.
id_of() {
	S list --json | json /dev/stdin \
	    "[m['id'] for m in d if m['subject'] == 'note $1'][0]"
}
# held: the server holds a SELECT, until $T/hold.held is removed.
held() {
	_i=0
	while [ ! -e "$T/hold.held" ] && [ $_i -lt 200 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ -e "$T/hold.held" ]
}
# on_server: the UIDs the server holds.
on_server() { json box/box.json '[m[0] for m in d["messages"]]'; }
fresh honest
touch "$T/hold"
S delete "$(id_of 5)" >del.out 2>&1 &
dpid=$!
check "claimed: a delete is telling the server" held
S sync >out 2>err; rc=$?
check_eq "claimed: a sync meanwhile exits 0" 0 "$rc"
check_match "claimed: it fetches nothing" ': 0 new,' "$(cat out)"
check_eq "claimed: the message deleted is not back" \
    "note 1 note 2 note 3 note 4" "$(subjects)"
rm -f "$T/hold.held"
wait "$dpid"; rc=$?
check_eq "claimed: the delete exits 0" 0 "$rc"
check_eq "claimed: the server moved it" "[1, 2, 3, 4]" "$(on_server)"
check_eq "claimed: it is in Trash" "note 5" "$(S list --json --folder Trash |
    json /dev/stdin '" ".join(m["subject"] for m in d)')"
fresh honest
touch "$T/hold"
S sync >out 2>err &
sync_pid=$!
check "queued: a sync is at its SELECT" held
sed -i "s/:$port\$/:1/" "$T/h/config"
S delete "$(id_of 5)" >del.out 2>&1; rc=$?
sed -i "s/:1\$/:$port/" "$T/h/config"
check_eq "queued: a delete meanwhile, the server out of reach, exits 0" 0 \
    "$rc"
rm -f "$T/hold.held"
wait "$sync_pid"; rc=$?
check_eq "queued: the sync exits 0" 0 "$rc"
check_match "queued: it fetches nothing" ': 0 new,' "$(cat out)"
check_eq "queued: the message deleted is not back" \
    "note 1 note 2 note 3 note 4" "$(subjects)"
S sync >out 2>err; rc=$?
check_eq "queued: the next sync exits 0" 0 "$rc"
check_eq "queued: and moves it on the server" "[1, 2, 3, 4]" "$(on_server)"
check_eq "queued: nothing comes back" "note 1 note 2 note 3 note 4" \
    "$(subjects)"
fresh honest
touch "$T/hold"
S sync >out 2>err &
sync_pid=$!
check "done: a sync is at its SELECT" held
S delete "$(id_of 5)" >del.out 2>&1; rc=$?
check_eq "done: a delete meanwhile exits 0" 0 "$rc"
check_eq "done: the server moved it" "[1, 2, 3, 4]" "$(on_server)"
rm -f "$T/hold.held"
wait "$sync_pid"; rc=$?
check_eq "done: the sync exits 0" 0 "$rc"
check_match "done: it fetches nothing" ': 0 new,' "$(cat out)"
check_eq "done: and says nothing" "" "$(cat err)"
check_eq "done: the message deleted is not back" \
    "note 1 note 2 note 3 note 4" "$(subjects)"

# Header protection (RFC 9788) with outer fields changed in transit: a
# Reply-To, To, Cc and Message-ID added or changed outside the protected
# section, and the From's display name. What the index keeps and a reply
# is addressed to come from the protected section, signed or encrypted.
# hpmsg NAME HP: box/mNAME.eml, alice's protected section (hp=HP) signed
# by her, with hp=cipher then encrypted to bob, under a forged outside.
hpmsg() {
	{
		printf 'Content-Type: text/plain; charset=utf-8; '
		printf 'hp="%s"\r\n' "$2"
		printf 'From: Alice Example <alice@example.test>\r\n'
		printf 'To: bob@example.test\r\nSubject: the real one\r\n'
		printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
		printf 'Message-ID: <%s.%s@example.test>\r\n' "$1" $$
		printf '\r\nhello\r\n'
	} >"$1.in"
	openssl cms -sign -in "$1.in" -signer "$LAB_SMIME_DIR/alice.pem" \
	    -inkey "$LAB_SMIME_DIR/alice.key" -outform SMIME -out "$1.p7"
	if [ "$2" = cipher ]; then
		mv "$1.p7" "$1.in"
		openssl cms -encrypt -in "$1.in" -aes-256-gcm -outform SMIME \
		    -out "$1.p7" "$LAB_SMIME_DIR/bob.pem"
	fi
	{
		printf 'From: "Your Boss" <alice@example.test>\r\n'
		printf 'Reply-To: mallory@example.test\r\n'
		printf 'To: eve@example.test\r\nCc: mallory@example.test\r\n'
		printf 'Subject: the real one\r\n'
		printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
		printf 'Message-ID: <forged.%s@example.test>\r\n' $$
		cat "$1.p7"
	} >"box/m$1.eml"
}
hpmsg hpsigned clear
hpmsg hpsealed cipher
mailbox 9 1:1 2:hpsigned 3:hpsealed
serve honest
home
check "hp: bob's identity" S keys import "$LAB_SMIME_DIR/bob.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "hp: the lab CA is trusted" S keys trust "$LAB_CA"
S sync >out 2>err; rc=$?
check_eq "hp: sync exits 0" 0 "$rc"
S list --json >list.json 2>/dev/null
for c in 2:hpsigned:signed 3:hpsealed:encrypted; do
	id=$(json list.json "[m['id'] for m in d if m['uid'] == ${c%%:*}][0]")
	w=${c#*:} w=${w%%:*} hp=${c##*:}
	S show --json "$id" >show.json 2>/dev/null
	check_eq "$w: protected, $hp, valid" "$hp valid" \
	    "$(json show.json 'd["header_protection"] + " " + d["signature"]')"
	check_eq "$w: the index keeps the protected To, Cc and Message-ID" \
	    "['bob@example.test'] [] <$w.$$@example.test>" \
	    "$(json list.json "' '.join(str(m[k]) for m in d if m['id'] == $id \
	    for k in ('to', 'cc', 'message_id'))")"
	S reply "$id" >reply.txt 2>/dev/null
	check_eq "$w: a reply goes to the protected From, not Reply-To" \
	    "To: alice@example.test" "$(grep '^To:' reply.txt)"
	check_eq "$w: and answers the protected Message-ID" \
	    "In-Reply-To: <$w.$$@example.test>" \
	    "$(grep '^In-Reply-To:' reply.txt)"
done
hostile_down
t_done
