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
# serve MODE [OPTION...]: the server in MODE ($port the same each time).
serve() {
	_mode=$1
	shift
	hostile_up server.py --proto smtp --mode "$_mode" --implicit \
	    --cert "$LAB_DIR/ca/server-chain.pem" \
	    --key "$LAB_DIR/ca/server.key" --record "$T/rec" --lifetime 120 "$@"
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

# An encrypted message with a Bcc recipient goes as two copies (To alice,
# Bcc bob). A server that refuses a recipient of either copy gets neither:
# every recipient is asked for before the first copy goes.
mkdir -p b
sed 's/^encrypt = no$/encrypt = yes/' h/config >b/config
B() { "$SEALMAIL" --home "$T/b" --passphrase-file "$T/pw" "$@"; }
secret p12pw "$LAB_P12_PASS"
check "bcc: alice's identity imported" B keys import \
    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
check "bcc: the lab CA trusted" B keys trust "$LAB_CA"
# bstate: each copy not sent: its state and reason, one line each.
bstate() {
	B outbox --json >bcc.json 2>/dev/null
	json bcc.json '"\n".join("%s %s" % (m["state"], m["error"]) for m in d if m["state"] != "sent")'
}
# bcc NAME: NAME.txt to alice, Bcc bob.
bcc() {
	printf 'To: alice@example.test\nBcc: bob@example.test\n' >"$1.txt"
	printf 'Subject: %s %s\nMessage-ID: <%s.%s@example.test>\n\nhi\n' \
	    "$1" "$ID" "$1" "$ID" >>"$1.txt"
}
# refused WHO: the reason a refusal of WHO gives.
refused() {
	echo "mail.example.test:$port: recipient $1 refused: 550 5.1.1 <$1> not taken here"
}
for who in bob alice; do
	bcc "bcc$who"
	: >rec
	serve sink --refuse "$who@example.test"
	B send "bcc$who.txt" >out 2>err; rc=$?
	why=$(refused "$who@example.test")
	check_eq "bcc, $who refused: send exits 1" 1 "$rc"
	check_eq "bcc, $who refused: names the refused one" "sealmail: $why" \
	    "$(tail -1 err)"
	check_eq "bcc, $who refused: no copy went to anyone" 0 \
	    "$(grep -c '^DATA' rec)"
	check_eq "bcc, $who refused: every recipient was asked for" 2 \
	    "$(grep -c '^RCPT TO' rec)"
	check_eq "bcc, $who refused: both copies queued with the reason" \
	    "$(printf 'queued %s\nqueued %s' "$why" "$why")" "$(bstate)"
	# outbox send tries them again, together: still neither goes.
	: >rec
	B outbox send >out 2>err; rc=$?
	check_eq "bcc, $who refused: outbox send exits 1" 1 "$rc"
	check_eq "bcc, $who refused: outbox send names the refused one" \
	    "sealmail: $why" "$(tail -1 err)"
	check_eq "bcc, $who refused: outbox send sends no copy either" 0 \
	    "$(grep -c '^DATA' rec)"
	check_eq "bcc, $who refused: each copy tried twice" "2 2" \
	    "$(B outbox --json | json /dev/stdin '" ".join(str(m["attempts"]) for m in d if m["state"] != "sent")')"
	# A server that takes both: both go, each once.
	: >rec
	serve sink
	B outbox send >out 2>err; rc=$?
	check_eq "bcc, $who refused: then a server that takes them: exit 0" \
	    0 "$rc"
	check_eq "bcc, $who refused: both copies went" 2 \
	    "$(grep -c "^Message-ID: <bcc$who.$ID@" rec)"
	check_eq "bcc, $who refused: none waits" "" "$(bstate)"
done

# The session cut off after the first copy's data: that copy is in doubt,
# the other is not tried on the broken session and waits, queued.
bcc bcccut
: >rec
serve dropdot
B send bcccut.txt >out 2>err; rc=$?
check_eq "bcc, cut off: send exits 1" 1 "$rc"
check_eq "bcc, cut off: only the first copy's data went out" 1 \
    "$(grep -c '^DATA' rec)"
check_eq "bcc, cut off: the first in doubt, the other queued" \
    "in-doubt queued" "$(bstate | cut -d' ' -f1 | paste -sd' ')"
check_match "bcc, cut off: the queued one keeps why" \
    'the server closed the connection' "$(bstate | tail -1)"
for i in $(json bcc.json '" ".join(str(m["id"]) for m in d)'); do
	B outbox delete "$i" >/dev/null 2>&1
done

# Taken when asked, refused when its copy goes: alice's copy went, bob's
# waits, and both the error and the outbox say who got it.
bcc bcclate
: >rec
serve sink --refuse-late bob@example.test
B send bcclate.txt >out 2>err; rc=$?
check_eq "bcc, refused late: one copy went" 1 "$(grep -c '^DATA' rec)"
why="$(refused bob@example.test); not to bob@example.test; the message went to alice@example.test"
check_eq "bcc, refused late: send exits 1 saying who got it and who not" \
    "1 sealmail: $why" "$rc $(tail -1 err)"
check_eq "bcc, refused late: bob's copy waits with the reason" \
    "queued $why" "$(bstate)"
: >rec
serve sink
B outbox send >out 2>err; rc=$?
check_eq "bcc, refused late: outbox send sends bob's copy: exit 0" 0 "$rc"
check_eq "bcc, refused late: that copy alone" 1 "$(grep -c '^DATA' rec)"
check_eq "bcc, refused late: to bob" "RCPT TO:<bob@example.test>" \
    "$(grep '^RCPT TO' rec | tr -d '\r')"

# Before the copies of a message go, their recipients are asked about a
# hundred at a time: a server may answer 452 past the hundredth of one
# transaction (RFC 5321, 4.5.3.1.8), and that is no refusal.
printf 'Subject: x\r\n\r\nx\r\n' >many.txt
# ask_many: net_client asks the server about r0 ... r109@example.test.
ask_many() {
	set --
	_i=0
	while [ $_i -lt 110 ]; do
		set -- "$@" --to "r$_i@example.test"
		_i=$((_i + 1))
	done
	"$TOOLS/net_client" smtp --host mail.example.test --addr 127.0.0.1 \
	    --port "$port" --tls implicit --ca "$LAB_CA" --timeout 5 \
	    --user alice --pass secret --from alice@example.test \
	    --msg many.txt --check "$@"
}
: >rec
serve sink --max-rcpt 100
ask_many >out 2>err; rc=$?
check_eq "110 recipients, a server of 100 a transaction: all taken" \
    "0 check: every recipient taken" "$rc $(tail -1 out)"
check_eq "... asked in two transactions, each undone" "2 2" \
    "$(grep -c '^MAIL FROM' rec) $(grep -c '^RSET' rec)"
check_eq "... none sent" 0 "$(grep -c '^DATA' rec)"
: >rec
serve sink --max-rcpt 100 --refuse r7@example.test --refuse r105@example.test
ask_many >out 2>err; rc=$?
check_eq "one refused in each transaction: both named, nothing else" \
    "1 2" "$rc $(grep -o 'r[0-9]*@example.test' err | sort -u | wc -l)"
check_match "... by address" 'r7@example\.test.*r105@example\.test' \
    "$(cat err)"
hostile_down
t_done
