#!/bin/sh
# A send killed with SIGKILL at each stage loses nothing and sends
# nothing twice. Killed before the message data began (the submission
# server has not even greeted): the entry is queued again, not in doubt,
# and "outbox send" delivers it once. A claim whose number another
# process has now (the machine restarted) does not keep the entry
# sending. Killed after the submission, while the IMAP server keeps the
# copy to Sent waiting: the next sync makes that copy, once.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
lab_home "$T/alice" "killed send passphrase"
SENT_DIR=$LAB_MAIL_DIR/example.test/alice/Maildir/.Sent
other=
trap 'hostile_down; [ -z "$other" ] || kill $other; lab_forget "$ID"' EXIT

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

# --- a claim whose number another process has now -------------------------
# After a crash and a restart another process, another user's as well,
# may have the number of the one that was sending: for as long as it
# runs, the entry is in doubt, not sending, and outbox send ID sends it.
config "$port"			# nothing listens there now
printf "To: bob@example.test\nSubject: number taken\nMessage-ID: <taken-$ID@example.test>\n\nnumber taken\n" >taken.txt
S send taken.txt >out 2>err
check_eq "with no server it is kept queued" queued \
    "$(S outbox --json | json /dev/stdin 'd[0]["state"]')"
sleep 600 </dev/null >/dev/null 2>&1 &
other=$!
check_eq "the claim is given that number and another start" 1 \
    "$(store_sql "$H" "$T/pw" "UPDATE outbox SET state = 'sending',
    claim_pid = $other, claim_start = 'x/1' WHERE
    message_id = '<taken-$ID@example.test>'; SELECT changes();")"
check "a process of that number runs" kill -0 $other
S outbox --json >ob.json
check_eq "it started after the claim: the entry is in doubt, not sending" \
    in-doubt "$(json ob.json 'd[0]["state"]')"
id=$(json ob.json 'd[0]["id"]')
config "$LAB_SUBMISSION_PORT"
S outbox send "$id" >out 2>err; rc=$?
check_eq "outbox send $id sends it: exit 0" 0 "$rc"
[ "$rc" = 0 ] || sed 's/^/#   /' err
check_eq "bob has it once" 1 "$(bob_got "taken-$ID@example.test")"
check_eq "the outbox is empty" "[]" "$(S outbox --json)"
kill $other
other=

# --- killed after the submission, during the copy to Sent -----------------
hostile_up server.py --proto imap --mode silent --record "$T/rec" \
    --lifetime 120
config "$LAB_SUBMISSION_PORT" "$port"
printf "To: bob@example.test\nSubject: killed at Sent $ID\nMessage-ID: <killed-sent-$ID@example.test>\n\nkilled at Sent\n" >sent.txt
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" send sent.txt >out 2>err &
snd=$!
check_eq "bob has it once" 1 "$(bob_got "killed-sent-$ID@example.test")"
sleep 1
kill -9 $snd
wait $snd 2>/dev/null
hostile_down
check_eq "the outbox is empty: it was sent" "[]" "$(S outbox --json)"
config "$LAB_SUBMISSION_PORT"
S sync >out 2>err; rc=$?
check_eq "the next sync: exit 0" 0 "$rc"
check_eq "it put the copy in Sent" 1 \
    "$(count_in "$SENT_DIR" "killed-sent-$ID@example.test")"
check_eq "the store lists it in Sent, once" 1 \
    "$(S list --json --folder Sent | json /dev/stdin \
    "len([x for x in d if x['subject'] == 'killed at Sent $ID'])")"
S sync >out 2>err
S outbox send >out 2>err
check_eq "another sync and outbox send copy it no more" 1 \
    "$(count_in "$SENT_DIR" "killed-sent-$ID@example.test")"
check_eq "and send it no more" 1 \
    "$(bob_got "killed-sent-$ID@example.test")"
t_done
