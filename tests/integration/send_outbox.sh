#!/bin/sh
# Nothing written is lost, nothing is sent twice. Every way a send can
# fail to queue a message (no certificate with encrypt = yes, no identity
# to sign with, a forged DNSSEC answer) leaves its text in "draft list";
# "send --draft" sends a draft and removes it. Two "outbox send" at once,
# and two "send" of one Message-ID at once, deliver the message once. A
# sender killed after the server took the message (a relay in front of
# Postfix that holds back its 250) leaves the entry in-doubt: bob has it
# once, "outbox send" does not send it again, "outbox send ID" does.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
lab_home "$T/alice" "outbox passphrase"
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir

# config SMTP_PORT [ENCRYPT]
config() {
	{
		lab_account lab alice@example.test \
		    "imap://mail.example.test:$LAB_IMAP_PORT" \
		    "submission://mail.example.test:$1" "$T/alicepw" \
		    'timeout  = 10' 'sign     = yes' "encrypt  = ${2:-auto}"
		lab_dns 3
	} >"$H/config"
}
# settle MSGID: waits until bob holds MSGID (up to 10 s), then 2 s more
# for any second copy.
settle() {
	_i=0
	while [ $_i -lt 100 ] && [ "$(count_in "$BOB_DIR" "$1")" -eq 0 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	sleep 2
}
config "$LAB_SUBMISSION_PORT"

# --- every failure to queue keeps the text as a draft -------------------
printf 'To: bob@example.test\nSubject: no identity yet\n\nfirst words, kept-1\n' >d1.txt
S send d1.txt >out 2>err; rc=$?
check_eq "no identity to sign with: exit 1" 1 "$rc"
check_match "it says why" 'no identity for alice@example.test' "$(tail -1 err)"
check_match "and that the text is kept" 'kept as draft [0-9]+' "$(cat err)"
check "alice's identity imported" S keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$T/p12pw"
check "the lab CA trusted" S keys trust "$LAB_CA"
config "$LAB_SUBMISSION_PORT" yes
printf 'To: nobody@example.test\nSubject: nobody has a key\n\nsecond words, kept-2\n' >d2.txt
S send d2.txt >out 2>err; rc=$?
check_eq "encrypt = yes, no certificate: exit 1" 1 "$rc"
check_match "the recipient is named" 'cannot encrypt to nobody@example.test' "$(tail -1 err)"
config "$LAB_SUBMISSION_PORT"
printf 'To: alice@broken.example.test\nSubject: forged key\n\nthird words, kept-3\n' >d3.txt
S send d3.txt >out 2>err; rc=$?
check_eq "a forged (bogus) DNSSEC answer for the key: exit 1" 1 "$rc"
check_match "DNSSEC is named" 'DNSSEC validation failed' "$(tail -1 err)"
S draft list --json >dl.json
check_eq "three drafts" 3 "$(json dl.json 'len(d)')"
check_eq "the first failure's reason is kept" \
    "true" "$(json dl.json '"no identity" in d[0]["reason"]')"
check_eq "each draft's subject" "no identity yet|nobody has a key|forged key" \
    "$(json dl.json '"|".join(x["subject"] for x in d)')"
check_eq "drafts are in the folder drafts" drafts "$(json dl.json 'd[1]["folder"]')"
check_eq "the recipient of a draft" '["nobody@example.test"]' "$(json dl.json 'd[1]["to"]')"
check_eq "list --folder drafts lists the same" "$(cat dl.json)" "$(S list --folder drafts --json)"
D1=$(json dl.json 'd[0]["id"]')
check_eq "draft show prints the text as written" "$(cat d1.txt)" "$(S draft show "$D1")"
check_eq "no draft text lies in the home in clear" "" \
    "$(grep -rl 'kept-[123]' "$H" 2>/dev/null)"
# The outbox has none of them: they were never queued.
check_eq "nothing was queued" "[]" "$(S outbox --json)"
# The first one can go now.
sed -i "s/^Subject: .*/&\nMessage-ID: <outbox-d1-$ID@example.test>/" d1.txt
S draft delete "$D1"
D1=$(S draft save d1.txt)
check_match "draft save prints the new ID" '^[0-9]+$' "$D1"
S send --draft "$D1" >out 2>err; rc=$?
check_eq "send --draft: exit 0" 0 "$rc"
check_match "it went out signed and encrypted" 'signed, aes-256' "$(cat out)"
settle "outbox-d1-$ID@example.test"
check_eq "bob has it" 1 "$(count_in "$BOB_DIR" "outbox-d1-$ID@example.test")"
S draft list --json >dl.json
check_eq "the draft sent is gone, the others stay" 2 "$(json dl.json 'len(d)')"
check_fails "draft show of the sent draft fails" "no draft $D1\$" \
    S draft show "$D1"
S draft list >dl.txt
check_match "draft list without --json" 'nobody@example.test  nobody has a key  \[cannot encrypt' "$(cat dl.txt)"

# --- two "send" of one Message-ID at once --------------------------------
printf "To: bob@example.test\nSubject: twice at once\nMessage-ID: <outbox-twin-$ID@example.test>\n\ntwin\n" >twin.txt
S send twin.txt >t1.out 2>t1.err & p1=$!
S send twin.txt >t2.out 2>t2.err & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "one send succeeds, the other refuses" "0 1" "$(printf '%s\n' $r1 $r2 | sort | tr '\n' ' ' | sed 's/ $//')"
check_match "the refusal says it is queued or sent" 'already (in the outbox|sent)' "$(cat t1.err t2.err)"
settle "outbox-twin-$ID@example.test"
check_eq "bob received it exactly once" 1 "$(count_in "$BOB_DIR" "outbox-twin-$ID@example.test")"
check_eq "the refused one made no draft" 2 "$(S draft list --json | json /dev/stdin 'len(d)')"

# --- two "outbox send" at once ---------------------------------------------
echo wrong-password >alicepw
printf "To: bob@example.test\nSubject: queued for two\nMessage-ID: <outbox-pair-$ID@example.test>\n\npair\n" >pair.txt
S send pair.txt >out 2>err
check_match "with a wrong password it waits in the outbox" 'queued  queued for two' "$(S outbox)"
echo "$LAB_ALICE_PASS" >alicepw
S outbox send >o1.out 2>o1.err & p1=$!
S outbox send >o2.out 2>o2.err & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "both outbox send exit 0" "0 0" "$r1 $r2"
settle "outbox-pair-$ID@example.test"
check_eq "bob received it exactly once" 1 "$(count_in "$BOB_DIR" "outbox-pair-$ID@example.test")"
check_eq "the outbox is empty" "[]" "$(S outbox --json)"

# --- killed at the moment of the server's acceptance -----------------------
python3 "$TOP/tests/hostile/slowaccept.py" --cert "$LAB_DIR/ca/server-chain.pem" \
    --key "$LAB_DIR/ca/server.key" --ca "$LAB_CA" \
    --relay-port "$LAB_SUBMISSION_PORT" --user "$LAB_ALICE" \
    --password "$LAB_ALICE_PASS" --accepted "$T/accepted" --ready "$T/ready" \
    --hold 30 --hold-first --lifetime 100 2>slow.err &
slow=$!
i=0; while [ ! -s ready ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
config "$(cat ready)"
printf "To: bob@example.test\nSubject: cut off\nMessage-ID: <outbox-cut-$ID@example.test>\n\ncut off\n" >cut.txt
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" send cut.txt >out 2>err &
snd=$!
i=0; while [ ! -s accepted ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "the relay took the message and holds back its answer" 1 "$(cat accepted 2>/dev/null)"
kill -9 $snd
wait $snd 2>/dev/null
settle "outbox-cut-$ID@example.test"
check_eq "bob received it" 1 "$(count_in "$BOB_DIR" "outbox-cut-$ID@example.test")"
S outbox --json >ob.json
check_eq "the entry is in-doubt" in-doubt "$(json ob.json 'd[0]["state"]')"
check_match "outbox says so" 'in-doubt  cut off' "$(S outbox)"
CUT=$(json ob.json 'd[0]["id"]')
S outbox send >out 2>err; rc=$?
check_eq "outbox send passes over it: exit 0" 0 "$rc"
check_match "and says why" "message $CUT is in doubt" "$(cat err)"
sleep 2
check_eq "bob still has it once" 1 "$(count_in "$BOB_DIR" "outbox-cut-$ID@example.test")"
check_eq "the relay saw no second attempt" 1 "$(cat accepted)"
S send cut.txt >out 2>err; rc=$?
check_eq "send of the same Message-ID again: exit 1" 1 "$rc"
# Named, it goes: the user decided.
S outbox send "$CUT" >out 2>err; rc=$?
check_eq "outbox send ID sends an in-doubt entry" 0 "$rc"
settle "outbox-cut-$ID@example.test"
check_eq "now bob has it twice, as asked" 2 "$(count_in "$BOB_DIR" "outbox-cut-$ID@example.test")"
check_eq "and the outbox is empty" "[]" "$(S outbox --json)"
kill $slow 2>/dev/null

# --- outbox delete -----------------------------------------------------------
config 9
# outbox --json has list --json's members, read from the encrypted entry.
printf 'a note\n' >note.txt
printf "To: bob@example.test\nCc: Bob <bob@example.test>\nSubject: members\nMessage-ID: <outbox-mem-$ID@example.test>\nIn-Reply-To: <root-$ID@example.test>\nReferences: <root-$ID@example.test>\n\nmem\n" >mem.txt
S send --attach note.txt mem.txt >out 2>err
S outbox --json >ob.json
m() { json ob.json "[x for x in d if x['subject'] == 'members'][0]$1"; }
check_eq "outbox --json: the entry is encrypted" decrypted \
    "$(m '["encryption"]')"
check_eq "... its account" lab "$(m '["account"]')"
check_eq "... to and cc" '["bob@example.test"] ["bob@example.test"]' \
    "$(m '["to"]') $(m '["cc"]')"
check_eq "... message_id, in_reply_to, references" \
    "<outbox-mem-$ID@example.test> <root-$ID@example.test> [\"<root-$ID@example.test>\"]" \
    "$(m '["message_id"]') $(m '["in_reply_to"]') $(m '["references"]')"
check_eq "... one attachment, counted inside the envelope" 1 \
    "$(m '["attachments"]')"
check_eq "... size, the bytes it will send" int "$(m '["size"].__class__.__name__')"
check_eq "... and uid null" null "$(m '["uid"]')"
check_eq "list --folder outbox prints the same" "$(cat ob.json)" \
    "$(S list --folder outbox --json)"
check "it is deleted" S outbox delete "$(m '["id"]')"
rm -f note.txt mem.txt ob.json
printf "To: bob@example.test\nSubject: to delete\nMessage-ID: <outbox-del-$ID@example.test>\n\ndel\n" >del.txt
S send del.txt >out 2>err
DEL=$(S outbox --json | json /dev/stdin '[x["id"] for x in d if x["subject"] == "to delete"][0]')
check "outbox delete ID" S outbox delete "$DEL"
check_eq "it is gone" "[]" "$(S outbox --json)"
check_fails "deleting it again fails" "no outbox entry $DEL\$" \
    S outbox delete "$DEL"
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" outbox delete >/dev/null 2>&1
check_eq "outbox delete without an ID: usage, exit 2" 2 "$?"
t_done
