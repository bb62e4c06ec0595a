#!/bin/sh
# A message queued as several copies (encrypted, with a Bcc recipient: a
# copy of its own for each) is taken back whole. e on any copy in the
# outbox screen makes one draft with the To, the Bcc, the subject, the
# text and every file, and every copy leaves the outbox; sent again after
# an edit, bob (To) and alice (Bcc) each get exactly one copy, the edited
# one. When a copy was already sent (a relay in front of Postfix takes
# alice when asked before the first copy, then refuses her copy, so bob's
# goes and hers stays), e says who has it and asks;
# yes takes back the rest, the copy sent stays sent, and nothing is lost;
# the draft sent again as it is (its Message-ID sent) is refused.
# d on any copy deletes the message, every copy of it.
. "$TOP/tests/lib.sh"
ui_outbox_env uigr
trap '$TM kill-server 2>/dev/null; [ -n "${relay:-}" ] && kill $relay 2>/dev/null' EXIT
ID=$(date +%s)-$$
lab_home "$T/alice" 'ui outbox group passphrase'
outbox_config 9
alice_identity
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
ALICE_DIR=$LAB_MAIL_DIR/example.test/alice/Maildir
mkdir -p "$ALICE_DIR/cur" "$ALICE_DIR/new" "$ALICE_DIR/tmp"
chown -R nobody:nogroup "$ALICE_DIR" 2>/dev/null

ui_editor
screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
# pick REGEX: the cursor onto the first outbox line matching REGEX.
pick() {
	$TM send-keys -t ui g
	sleep 0.3
	_row=$(screen | grep -n -E -- "$1" | head -1 | cut -d: -f1)
	_i=2
	while [ "$_i" -lt "${_row:-2}" ]; do $TM send-keys -t ui j; _i=$((_i + 1)); done
	sleep 0.2
}
# drafts: draft list --json into $T/dl.json.
drafts() { S draft list --json > "$T/dl.json" 2>/dev/null; }
# decrypt FILE KEY: the plaintext of the lab message FILE for key KEY
# (alice or bob), in $T/KEY.eml.
decrypt() {
	openssl cms -decrypt -in "$1" -inkey "$LAB_SMIME_DIR/$2.key" \
	    -recip "$LAB_SMIME_DIR/$2.pem" -out "$T/$2.eml" 2>/dev/null
}
outbox_n() { S outbox --json > "$T/ob.json" 2>/dev/null; json "$T/ob.json" 'len(d)'; }

head -c 50000 /dev/urandom > "$T/one-$ID.bin"
printf 'second file %s\n' "$ID" > "$T/two-$ID.txt"
MID="uigr-$ID@example.test"
cat > "$T/msg.txt" <<EOM
To: bob@example.test
Bcc: alice@example.test
Subject: group $ID
Message-ID: <$MID>

the text as first written
EOM
S send --attach "$T/one-$ID.bin" --attach "$T/two-$ID.txt" "$T/msg.txt" \
    > /dev/null 2>&1
check_eq "the server is down: queued as two copies" 2 "$(outbox_n)"

# take_back RECIPIENT: e on the copy for RECIPIENT; the draft has it all.
take_back() {
	pick "queued +$1"
	ui_press "e on the copy for $1: the compose screen" \
	    'Send to bob@example.test\?' e
	check "it shows the first file" wait_for "> 1 one-$ID.bin"
	check "and the second" wait_for "^  2 two-$ID.txt"
	check_eq "$1's copy: no copy is left in the outbox" 0 "$(outbox_n)"
	drafts
	check_eq "$1's copy: one draft" 1 "$(json "$T/dl.json" 'len(d)')"
	D=$(json "$T/dl.json" 'd[0]["id"]')
	S draft show "$D" > "$T/draft.txt" 2>/dev/null
	check_match "$1's copy: the draft's To" '^To: bob@example.test$' \
	    "$(grep '^To:' "$T/draft.txt")"
	check_match "$1's copy: the draft says who the Bcc recipient was" \
	    '^Bcc: alice@example.test$' "$(grep '^Bcc:' "$T/draft.txt")"
	check_match "$1's copy: its subject" "^Subject: group $ID\$" \
	    "$(grep '^Subject:' "$T/draft.txt")"
	check_match "$1's copy: its text" 'the text as first written' \
	    "$(cat "$T/draft.txt")"
	check_match "$1's copy: both files go with the draft" \
	    "group $ID.*\\(2 files attached\\)" "$(S draft list 2>/dev/null)"
}

# Queued encrypted, taken back under an account that does not encrypt:
# the draft is still to be encrypted.
sed -i 's/^encrypt  = auto$/encrypt  = no/' "$H/config"
check_match "the account no longer encrypts" '^encrypt  = no$' "$(cat "$H/config")"
ui_outbox_start
check "the index opens" wait_for 'sealmail: INBOX'
ui_outbox_open
check "one copy for the Bcc recipient" wait_for "queued +alice@example.test .*group $ID"
check_match "one for the To" "queued +bob@example.test .*group $ID" "$(screen)"
take_back alice@example.test
check_match "queued encrypted: the draft is to be encrypted, the account's no aside" \
    'x:encrypt \[yes\]' "$(screen)"
# Sent again with the server still down: two copies again.
ui_press "y: the send fails again" 'Connection refused' y
check_eq "queued again as two copies" 2 "$(outbox_n)"
check_eq "and no draft" 0 "$(drafts; json "$T/dl.json" 'len(d)')"
$TM send-keys -t ui q
sleep 0.3
ui_outbox_open
check "both copies are listed again" wait_for "queued +bob@example.test .*group $ID"
take_back bob@example.test

# Edited, then sent with the server up: one copy each, the edited one.
act <<'EOM'
sed -i 's/the text as first written/the text as edited/' "$1"
EOM
ui_press "e edits the text" 'Send to bob@example.test\?' e
outbox_config "$LAB_SUBMISSION_PORT"
ui_press "y sends it" "sent <$MID> to 2 recipients" y
maildir_find "$BOB_DIR" "$MID" > /dev/null
maildir_find "$ALICE_DIR" "$MID" > /dev/null
sleep 2
check_eq "bob got exactly one copy" 1 "$(count_in "$BOB_DIR" "$MID")"
check_eq "alice (Bcc) got exactly one copy" 1 "$(count_in "$ALICE_DIR" "$MID")"
check_eq "the outbox is empty" 0 "$(outbox_n)"
check_eq "no draft is left" 0 "$(drafts; json "$T/dl.json" 'len(d)')"
for who in bob alice; do
	eval dir=\$$(echo "$who" | tr a-z A-Z)_DIR
	f=$(grep -rlF -- "$MID" "$dir"/new "$dir"/cur | head -1)
	decrypt "$f" "$who"
	check_match "$who's copy holds the edited text" 'the text as edited' \
	    "$(cat "$T/$who.eml")"
	check_eq "$who's copy has both files, byte for byte" \
	    "one-$ID.bin $(sha256sum "$T/one-$ID.bin" | cut -d' ' -f1)
two-$ID.txt $(sha256sum "$T/two-$ID.txt" | cut -d' ' -f1)" \
	    "$(file_parts "$T/$who.eml" | cut -d' ' -f1,3)"
done
check_nomatch "bob's copy does not name the Bcc recipient" \
    'alice@example.test' "$(grep -i '^bcc' "$T/bob.eml")"

# --- one copy sent, the other refused -----------------------------------------
# A relay in front of Postfix that takes RCPT TO alice when asked before
# the first copy and refuses it when her copy goes: bob's copy goes,
# alice's stays queued.
python3 "$TOP/tests/hostile/slowaccept.py" --cert "$LAB_DIR/ca/server-chain.pem" \
    --key "$LAB_DIR/ca/server.key" --ca "$LAB_CA" \
    --relay-port "$LAB_SUBMISSION_PORT" --user "$LAB_ALICE" \
    --password "$LAB_ALICE_PASS" --accepted "$T/accepted" --hold 0 \
    --refuse-late alice@example.test --ready "$T/ready" --lifetime 200 \
    2>"$T/relay.err" &
relay=$!
i=0; while [ ! -s "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
outbox_config "$(cat "$T/ready")"
MID2="uigr2-$ID@example.test"
sed "s/^Message-ID: .*/Message-ID: <$MID2>/; s/^Subject: .*/Subject: half $ID/" \
    "$T/msg.txt" > "$T/msg2.txt"
S send --attach "$T/two-$ID.txt" "$T/msg2.txt" > /dev/null 2>"$T/send2.err"
check_match "alice's copy is refused" '550' "$(cat "$T/send2.err")"
maildir_find "$BOB_DIR" "$MID2" > /dev/null
check_eq "bob's copy went" 1 "$(count_in "$BOB_DIR" "$MID2")"
check_eq "one copy waits in the outbox" 1 "$(outbox_n)"
$TM send-keys -t ui q
sleep 0.3
ui_outbox_open
check "the refused copy is listed" wait_for "queued +alice@example.test .*half $ID"
pick "queued +alice@example.test .*half $ID"
ui_press "e says who already has it and asks" \
    'already sent to bob@example.test.*\(y/N\)' e
ui_press "n: nothing changes" 'sealmail: outbox' n
check_eq "n: the copy is still queued" 1 "$(outbox_n)"
check_eq "n: no draft" 0 "$(drafts; json "$T/dl.json" 'len(d)')"
pick "queued +alice@example.test .*half $ID"
ui_press "e again" 'already sent to bob@example.test.*\(y/N\)' e
ui_press "y: the rest is a draft, on the compose screen" \
    'Send to bob@example.test\?' y
check "with the file" wait_for "> 1 two-$ID.txt"
check_match "it says again who has it" \
    'already sent to bob@example.test: the draft keeps every recipient' \
    "$(screen)"
check_eq "the refused copy left the outbox" 0 "$(outbox_n)"
drafts
check_match "the draft says who already has it" 'already sent to bob@example.test' \
    "$(json "$T/dl.json" 'd[0]["reason"]')"
D=$(json "$T/dl.json" 'd[0]["id"]')
check_match "the draft keeps the Bcc" '^Bcc: alice@example.test$' \
    "$(S draft show "$D" 2>/dev/null | grep '^Bcc:')"
check_match "and the file" "half $ID.*\\(1 file attached\\)" "$(S draft list 2>/dev/null)"
# Sent again as it is, its Message-ID is that of the copy bob has.
ui_press "y: refused, bob already has this message" \
    "message <$MID2> was already sent" y
sleep 1
check_eq "bob still has it once" 1 "$(count_in "$BOB_DIR" "$MID2")"
check_match "and the text is still a draft" "half $ID.*\\(1 file attached\\)" \
    "$(S draft list 2>/dev/null)"
check_eq "nothing was queued" 0 "$(outbox_n)"
kill "$relay" 2>/dev/null
relay=

# --- d deletes the message: every copy ----------------------------------------
outbox_config 9
MID3="uigr3-$ID@example.test"
sed "s/^Message-ID: .*/Message-ID: <$MID3>/; s/^Subject: .*/Subject: gone $ID/" \
    "$T/msg.txt" > "$T/msg3.txt"
S send --attach "$T/two-$ID.txt" "$T/msg3.txt" > /dev/null 2>&1
check_eq "queued as two copies" 2 "$(outbox_n)"
ui_outbox_start
check "the program starts again" wait_for 'sealmail: INBOX'
ui_outbox_open
check "the Bcc copy is listed" wait_for "queued +alice@example.test .*gone $ID"
pick "queued +alice@example.test .*gone $ID"
ui_press "d on the Bcc copy asks for the whole message" \
    'Delete this message from the outbox, all 2 copies of it .*\(y/N\)' d
ui_press "y deletes both" 'The outbox is empty' y
check_eq "no copy is left to be sent" 0 "$(outbox_n)"
$TM send-keys -t ui Q
sed "s/^/#   ui: /" "$T/ui.err" | tail -20
lab_forget "$MID"
lab_forget "$MID2"
t_done
