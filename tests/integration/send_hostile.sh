#!/bin/sh
# send against a scripted submission server (tests/hostile/server.py,
# implicit TLS with the lab's server certificate) that answers the end of
# the message data badly: 451 (try later), 554 (refused), a multiline
# reply that never ends, no reply at all (the connection closed, or kept
# open in silence), or 354.
# A refusal keeps the message queued with the server's words, not in
# doubt, and the next outbox send delivers it once; the others leave it in
# doubt, say so, and outbox send passes over it rather than deliver it
# twice. A server that refuses one recipient of two gets the message for
# neither; one that sends a reply nothing asked for gets no message data;
# one whose every reply is multiline and comes a byte at a time is
# understood.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
secret pw "store pass phrase"
# serve MODE: the server in MODE ($port the same each time).
serve() {
	hostile_up server.py --proto smtp --mode "$1" --implicit \
	    --cert "$LAB_DIR/ca/server-chain.pem" \
	    --key "$LAB_DIR/ca/server.key" --record "$T/rec" --lifetime 120
}
trap hostile_down EXIT
serve tempfail
mkdir -p h
{
	printf '[account hostile]\naddress = alice@example.test\n'
	printf 'imap = imaps://mail.example.test:%s\n' "$LAB_IMAPS_PORT"
	printf 'smtp = submissions://mail.example.test:%s\n' "$port"
	printf 'password-command = printf secret\nca-file = %s\n' "$LAB_CA"
	printf 'timeout = 5\nsign = no\nencrypt = no\n\n'
	lab_dns
} >h/config
S() { "$SEALMAIL" --home "$T/h" --passphrase-file "$T/pw" "$@"; }
# state: the one outbox entry's state and attempts.
state() {
	S outbox --json >ob.json 2>/dev/null
	json ob.json '" ".join("%s %d" % (m["state"], m["attempts"]) for m in d)'
}
ID=$$
# msg NAME: NAME.txt, a message with a Message-ID of its own.
msg() {
	printf 'To: bob@example.test\nSubject: %s %s\n' "$1" "$ID" >"$1.txt"
	printf 'Message-ID: <%s.%s@example.test>\n\nhi\n' "$1" "$ID" >>"$1.txt"
}
msg later

S send later.txt >out 2>err; rc=$?
check_eq "451 after the data: send exits 1" 1 "$rc"
check_match "and quotes the server" '451 4\.3\.0 queue full' "$(tail -1 err)"
check_eq "451: queued, not in doubt" "queued 1" "$(state)"
serve permfail
S outbox send >out 2>err; rc=$?
check_eq "554 after the data: outbox send exits 1" 1 "$rc"
check_eq "554: queued, not in doubt" "queued 2" "$(state)"
check_match "554: the reason is kept" '554 5\.7\.1 content refused' \
    "$(json ob.json 'd[0]["error"]')"
: >rec
serve sink
S outbox send >out 2>err; rc=$?
check_eq "then a server that takes it: exit 0" 0 "$rc"
check_eq "the outbox is empty" "" "$(state)"
check_eq "it arrived once" 1 "$(grep -c "^Message-ID: <later.$ID@" rec)"

msg endless
serve endless
S send endless.txt >out 2>err; rc=$?
check_eq "a final reply that never ends: send exits 1" 1 "$rc"
check_match "says so" 'reply is longer than' "$(tail -1 err)"
check_eq "it is in doubt" "in-doubt 1" "$(state)"
: >rec
serve sink
S outbox send >out 2>err; rc=$?
check_eq "outbox send passes over it: exit 0" 0 "$rc"
check_eq "nothing was sent again" 0 "$(grep -c 'DATA' rec)"
check_eq "still in doubt" "in-doubt 1" "$(state)"
S outbox delete "$(json ob.json 'd[0]["id"]')" >/dev/null 2>&1

# doubt NAME MODE: NAME sent to a server in MODE that leaves it in doubt;
# the next outbox send passes over it, outbox send ID sends it once.
doubt() {
	msg "$1"
	: >rec
	serve "$2"
	S send "$1.txt" >out 2>err; rc=$?
	id=$(S outbox --json 2>/dev/null | json /dev/stdin 'd[0]["id"]')
	check_eq "$1: send exits 1" 1 "$rc"
	check_eq "$1: the message data reached the server" 1 \
	    "$(grep -c "^Message-ID: <$1.$ID@" rec)"
	check_eq "$1: it is in doubt" "in-doubt 1" "$(state)"
	check_eq "$1: send says it is kept in doubt, not to be tried again" \
	    "sealmail: kept in the outbox in doubt; outbox send passes over it (sealmail outbox send $id sends it again)" \
	    "$(tail -2 err | head -1)"
	check_match "$1: and that it may have been delivered" \
	    "$3.*; the message data went out, so it may have been delivered\$" \
	    "$(tail -1 err)"
	: >rec
	serve sink
	S outbox send >out 2>err; rc=$?
	check_eq "$1: outbox send passes over it: exit 0" 0 "$rc"
	check_eq "$1: nothing was sent again" 0 "$(grep -c 'DATA' rec)"
	S outbox send "$id" >out 2>err; rc=$?
	check_eq "$1: outbox send $id sends it: exit 0" 0 "$rc"
	check_eq "$1: once" 1 "$(grep -c "^Message-ID: <$1.$ID@" rec)"
	check_eq "$1: the outbox is empty" "" "$(state)"
}
doubt cut dropdot 'the server closed the connection'
doubt hang hangdot 'no answer from the server within 5 s'
doubt nonsense nonsense \
    'the message neither takes nor refuses it: 354 go ahead'

msg endless2
serve endless
S send endless2.txt >out 2>err
check_match "endless: send says it is kept in doubt" \
    'kept in the outbox in doubt; outbox send passes over it' \
    "$(tail -2 err | head -1)"
S outbox delete "$(S outbox --json 2>/dev/null | json /dev/stdin \
    'd[0]["id"]')" >/dev/null 2>&1

# One recipient of two refused: sent to neither, the refusal kept.
msg partial
sed 's/^To: .*/To: bob@example.test, nobody@example.test/' partial.txt \
    >p.txt && mv p.txt partial.txt
: >rec
serve partial
S send partial.txt >out 2>err; rc=$?
check_eq "partial: send exits 1" 1 "$rc"
check_eq "partial: names the refused one with the server's words" \
    "sealmail: mail.example.test:$port: recipient nobody@example.test refused: 550 5.1.1 no such user here" \
    "$(tail -1 err)"
check_eq "partial: no message data went out" 0 "$(grep -c '^DATA' rec)"
check_eq "partial: queued, not in doubt" "queued 1" "$(state)"
S outbox delete "$(json ob.json 'd[0]["id"]')" >/dev/null 2>&1

# Three of four refused, two with one reply and one with another: every
# one is named, in the last line and in the reason the outbox keeps, and
# nobody gets the message.
msg refused3
to='nobody@example.test, bob@example.test,\n full@example.test, noone@example.test'
sed "s/^To: .*/To: $to/" refused3.txt >p.txt && mv p.txt refused3.txt
: >rec
serve partial
S send refused3.txt >out 2>err; rc=$?
why="mail.example.test:$port: recipients nobody@example.test, noone@example.test refused: 550 5.1.1 no such user here; recipient full@example.test refused: 452 4.2.2 mailbox full"
check_eq "refused3: send exits 1" 1 "$rc"
check_eq "refused3: names every refused one with the server's words" \
    "sealmail: $why" "$(tail -1 err)"
check_eq "refused3: no message data went out" 0 "$(grep -c '^DATA' rec)"
check_eq "refused3: queued, not in doubt" "queued 1" "$(state)"
check_eq "refused3: the outbox keeps every refusal" "$why" \
    "$(json ob.json 'd[0]["error"]')"
S outbox delete "$(json ob.json 'd[0]["id"]')" >/dev/null 2>&1

# A reply nothing asked for ("354" after the answer to RCPT), which would
# be taken for the answer to DATA: the session ends before the data.
msg garbage
: >rec
serve garbage
S send garbage.txt >out 2>err; rc=$?
check_eq "garbage: send exits 1" 1 "$rc"
check_match "garbage: says the server is out of step" \
    'sent a reply nothing asked for \(out of step\)' "$(tail -1 err)"
check_eq "garbage: no message data went out" 0 \
    "$(grep -c "^Message-ID: <garbage.$ID@" rec)"
check_eq "garbage: queued, not in doubt" "queued 1" "$(state)"
serve sink
S outbox send >out 2>err; rc=$?
check_eq "garbage: then a server in step takes it: exit 0" 0 "$rc"
check_eq "garbage: once" 1 "$(grep -c "^Message-ID: <garbage.$ID@" rec)"

# Every reply multiline, a byte a packet.
msg split
: >rec
serve split
S send split.txt >out 2>err; rc=$?
check_eq "split: send exits 0" 0 "$rc"
check_eq "split: says so" "sent <split.$ID@example.test> to 1 recipient, not signed, not encrypted" "$(cat out)"
check_eq "split: it arrived once" 1 "$(grep -c "^Message-ID: <split.$ID@" rec)"
check_eq "split: the outbox is empty" "" "$(state)"
hostile_down
t_done
