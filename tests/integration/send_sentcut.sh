#!/bin/sh
# A copy to Sent cut off after the server stored it: alice's IMAP server
# is the lab's Dovecot behind tests/hostile/cutappend.py, which lets the
# first APPEND through and closes the connection instead of passing on
# the server's OK. send warns that it did not copy the message to Sent;
# the next sync finds the copy that is there and makes no second one. A
# message whose copy never reached Sent (the server was down) is copied
# by that sync once.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
H=$T/alice
sender_home "$H"
S() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
SENT_DIR=$LAB_MAIL_DIR/example.test/alice/Maildir/.Sent
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir

# relay CUTS: the relay in front of Dovecot, cutting off the first CUTS
# APPENDs; alice's account reaches IMAP through it.
relay() {
	hostile_up cutappend.py --cert "$LAB_DIR/ca/server-chain.pem" \
	    --key "$LAB_DIR/ca/server.key" --ca "$LAB_CA" \
	    --relay-port "$LAB_IMAPS_PORT" --record "$T/rec" --cut "$1" \
	    --lifetime 100
	sender_config "$H" 0 mail.example.test "$LAB_DNS_RESOLVER" auto
	sed -i "s|^imap .*|imap = imaps://mail.example.test:$port|" "$H/config"
}
trap hostile_down EXIT
relay 1
check "alice's identity imported" S keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$T/p12pw"
check "the lab CA trusted" S keys trust "$LAB_CA"

# msg NAME: NAME.txt, to bob, with a Message-ID of its own.
msg() {
	printf 'To: bob@example.test\nSubject: %s\n' "$1" >"$1.txt"
	printf 'Message-ID: <%s-%s@example.test>\n\nhi\n' "$1" "$ID" >>"$1.txt"
}

msg cut
S send cut.txt >out 2>err; rc=$?
check_eq "cut: send exits 0" 0 "$rc"
check_match "cut: with a warning that Sent has no copy" \
    'sent, but not copied to Sent' "$(cat err)"
check "cut: bob got it" maildir_find "$BOB_DIR" "cut-$ID@example.test"
check_eq "cut: the server stored the copy all the same" 1 \
    "$(count_in "$SENT_DIR" "cut-$ID@example.test")"

# The next copy never reaches Sent: the server is down.
hostile_down
msg down
S send down.txt >out 2>err; rc=$?
check_eq "down: send exits 0" 0 "$rc"
check_match "down: with a warning that Sent has no copy" \
    'sent, but not copied to Sent' "$(cat err)"
check_eq "down: Sent has no copy" 0 \
    "$(count_in "$SENT_DIR" "down-$ID@example.test")"

relay 0
S sync --folder Sent >out 2>err; rc=$?
check_eq "sync exits 0" 0 "$rc"
check_eq "cut: Sent still holds one copy" 1 \
    "$(count_in "$SENT_DIR" "cut-$ID@example.test")"
check_eq "down: the sync copied it to Sent once" 1 \
    "$(count_in "$SENT_DIR" "down-$ID@example.test")"
check_eq "the outbox is empty" 0 \
    "$(S outbox --json 2>/dev/null | json /dev/stdin 'len(d)')"
S sync --folder Sent >out 2>err
check_eq "another sync copies nothing more" "1 1" \
    "$(count_in "$SENT_DIR" "cut-$ID@example.test") $(count_in "$SENT_DIR" "down-$ID@example.test")"
hostile_down
t_done
