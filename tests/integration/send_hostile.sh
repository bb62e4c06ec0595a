#!/bin/sh
# send against a scripted submission server (tests/hostile/server.py,
# implicit TLS with the lab's server certificate) that answers the end of
# the message data badly: 451 (try later), 554 (refused), or a multiline
# reply that never ends. A refusal keeps the message queued with the
# server's words, not in doubt, and the next outbox send delivers it once;
# a reply that never ends leaves it in doubt, and outbox send passes over
# it rather than deliver it twice.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
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
hostile_down
t_done
