#!/bin/sh
# A send killed with SIGKILL at each stage loses nothing and sends
# nothing twice. Killed before the message data began (the submission
# server has not even greeted): the entry is queued again, not in doubt,
# and "outbox send" delivers it once.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
ID=$(date +%s)-$$
lab_home "$T/alice" "killed send passphrase"
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
trap 'hostile_down' EXIT

# config SMTP_PORT [IMAP_PORT]
config() {
	{
		lab_account lab alice@example.test \
		    "imap://mail.example.test:${2:-$LAB_IMAP_PORT}" \
		    "submission://mail.example.test:$1" "$T/alicepw" \
		    'timeout  = 60'
		lab_dns 3
	} >"$H/config"
}
config "$LAB_SUBMISSION_PORT"
alice_identity

# state_is STATE: waits (10 s at most) for the one outbox entry's state.
state_is() {
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(S outbox --json 2>/dev/null |
		    json /dev/stdin 'd[0]["state"] if d else ""')" = "$1" ] &&
		    return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# --- killed before the server greets ----------------------------------------
hostile_up server.py --proto smtp --mode silent --record "$T/rec" \
    --lifetime 120
config "$port"
printf "To: bob@example.test\nSubject: killed early\nMessage-ID: <killed-early-$ID@example.test>\n\nkilled early\n" >early.txt
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" send early.txt >out 2>err &
snd=$!
if state_is sending; then ok "the send claims the entry"; else
	notok "the send claims the entry"; fi
kill -9 $snd
wait $snd 2>/dev/null
hostile_down
S outbox --json >ob.json
check_eq "the entry is queued again, not in doubt" queued \
    "$(json ob.json 'd[0]["state"]')"
check_match "outbox says so" 'queued  killed early' "$(S outbox)"
config "$LAB_SUBMISSION_PORT"
S outbox send >out 2>err; rc=$?
check_eq "outbox send sends it: exit 0" 0 "$rc"
check_match "and says so" 'sent 1 message' "$(cat out)"
check_eq "bob has it once" 1 "$(bob_got "killed-early-$ID@example.test")"
check_eq "the outbox is empty" "[]" "$(S outbox --json)"
t_done
