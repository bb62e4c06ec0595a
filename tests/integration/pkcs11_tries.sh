#!/bin/sh
# A card's PIN tries are never spent blindly. alice's key is on a SoftHSM2
# token seen through tests/tools/p11/card.c, which counts wrong PINs as a
# card does (three in a row lock it) and writes down every login. sync
# run again and again (as from cron) with a wrong PIN file offers it to
# the token once: the line names the file and says it is not tried again,
# and the runs after it do not try it; the file corrected, sync works and
# the refusal is forgotten. A refusal is kept for its token alone: another
# token's costs this one no PBKDF2. A token whose next wrong PIN would
# lock it is offered no PIN kept in a file: only one typed on the
# terminal, which then lets the file's work again; a wrong one typed then
# locks it, which the terminal program ends saying. A command on a
# terminal whose kept PIN is refused or held back asks for the PIN once,
# as the terminal program does; a PIN typed that the token takes drops
# the mark of that PIN only. What is kept of a refused PIN is not the PIN.
# And an agent killed while the card signs costs a line and a draft, not
# the message; a draft sent by another process while the card signs it
# is neither sent twice nor made a draft again.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
TOK=sealmail-tries
URI="pkcs11:token=$TOK;object=alice-rsa"
F="tries$$"
alice_folder "$F"
TM="tmux -L sealmail-tries-$$"
ID=$(date +%s)-$$
trap 'rm -rf "$FD"; $TM kill-server 2>/dev/null; lab_forget "$ID"' EXIT
card_token "$TOK"

card_home "$URI"
# logins WHAT: how many logins the token answered so (ok, incorrect,
# locked); left: the PIN tries the card has left.
logins() { grep -cx "$1" card.log 2>/dev/null; }
left() { cat card.state; }
n=0
# mail: a message encrypted to alice, in the folder sync reads.
mail() {
	n=$((n + 1))
	printf 'Content-Type: text/plain\n\nfor the card %s\n' "$n" >body
	openssl cms -encrypt -aes-256-cbc -in body -recip \
	    "$LAB_SMIME_DIR/alice.pem" -from bob@example.test \
	    -to alice@example.test -subject "card $n" -out m$n.eml 2>/dev/null
	alice_deliver m$n.eml
}

# --- a wrong PIN file, from cron: tried once ----------------------------
secret cron "111111"
mail
: >card.log
check_error "a wrong PIN file: the token refuses it, the line names the file" \
    1 "^sealmail: the token \"$TOK\" refused the PIN in cron; it is not offered again until the file changes \(put the right PIN there, or run the command on a terminal to type it\)$" \
    S --pin-file cron sync --folder "$F"
check_eq "... one line" 1 "$(wc -l <"$T/.err")"
for run in 2 3 4 5; do
	check_error "run $run: the same file is not offered to the token" 1 \
	    "^sealmail: the token of $URI has refused the PIN in cron; it is not offered again until the file changes \(put the right PIN there, or run the command on a terminal to type it\)$" \
	    S --pin-file cron sync --folder "$F"
done
check_eq "five runs, one wrong PIN offered" "0 1" \
    "$(logins ok) $(logins incorrect)"
check_eq "the card is not locked: two tries left" 2 "$(left)"
check_eq "SEALMAIL_PIN_FILE is the same file" 1 "$(
    SEALMAIL_PIN_FILE=cron S sync --folder "$F" 2>&1 |
    grep -c "has refused the PIN in cron")"
check_eq "... and offered nothing either" 1 "$(logins incorrect)"
R="$H/pin-refused"
[ -f "$R" ] || R=$(find "$H" -name pin-refused | head -1)
check "the refusal is kept in the data directory" test -f "$R"
check_eq "... readable by its owner only" 600 "$(stat -c %a "$R")"
check_eq "... without the PIN in it" 0 "$(grep -c 111111 "$R")"
check_eq "... nor the URI" 0 "$(grep -c "$TOK" "$R")"

# --- the file corrected: tried, and it works --------------------------
secret cron "$PIN"
check "the corrected file is tried: sync decrypts" \
    S --pin-file cron sync --folder "$F"
check_eq "... the token took it" 1 "$(logins ok)"
check_eq "... and the card has every try back" 3 "$(left)"
S list --json --folder "$F" >l.json
check_eq "the message is stored decrypted" '["decrypted"]' \
    "$(json l.json '[m["encryption"] for m in d]')"
check "the kept PIN put right: the refused one is forgotten, the file gone" \
    test ! -e "$R"

# --- a file of the earlier form: what it says is still heeded ------------
# An earlier sealmail kept each mark alone on its line, PBKDF2 of the PIN
# salted with the salt and the whole URI.
salt=00112233445566778899aabbccddeeff
old_mark() {
	python3 -c 'import hashlib, sys
print(hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(),
    bytes.fromhex(sys.argv[2]) + sys.argv[3].encode(), 200000, 32).hex())' \
	    "$1" "$salt" "$URI"
}
secret cron "111111"
mail
(umask 077; printf '%s\n%s\n%s\n' "$salt" "$(old_mark 999999)" \
    "$(old_mark 111111)" > "$R")
: >card.log
check_error "a PIN the earlier form says was refused is not offered" 1 \
    "^sealmail: the token of $URI has refused the PIN in cron; " \
    S --pin-file cron sync --folder "$F"
check_eq "... the token saw no PIN" 0 "$(logins incorrect)"
check_eq "... its mark is written in the form of now" 1 \
    "$(grep -c '^[0-9a-f]\{16\} [0-9a-f]\{64\}$' "$R")"
check_eq "... beside the other mark, as it was" 1 \
    "$(grep -cx "$(old_mark 999999)" "$R")"
check_error "... where it is heeded again" 1 \
    "^sealmail: the token of $URI has refused the PIN in cron; " \
    S --pin-file cron sync --folder "$F"
check_eq "... still with no PIN offered" 0 "$(logins incorrect)"
secret cron "$PIN"
check "the file put right is tried: the token takes it" \
    S --pin-file cron sync --folder "$F"
check "... and the marks of either form are gone with the file" test ! -e "$R"
check_eq "... the card has every try back" 3 "$(left)"

# --- marks are the token's: another token's cost this one nothing --------
TOK2=sealmail-other
check "SoftHSM2 makes another token" softhsm2-util --init-token --free \
    --label "$TOK2" --pin 135791 --so-pin 13579135
check_error "the other token refuses this file's PIN" 1 \
    "^sealmail: the token \"$TOK2\" refused the PIN in cron; " \
    S --pin-file cron keys import "pkcs11:token=$TOK2;object=none"
check "... which is kept" test -f "$R"
check_eq "... as one mark" 1 "$(grep -c ' ' "$R")"
SEALMAIL_DEBUG="$T/memo.log" S --pin-file cron inspect --json m1.eml \
    >m1.json
check_eq "the same PIN is still offered to the first token, which takes it" \
    decrypted "$(json m1.json 'd["encryption"]')"
check_match "... checked against no mark: no PBKDF2 is run" \
    "pin-refused: no mark for the token of $URI: nothing to check" \
    "$(cat memo.log)"
check_nomatch "... none at all" 'checked against' "$(cat memo.log)"
check_eq "... and the other token's mark stays" 1 "$(grep -c ' ' "$R")"
check_eq "the card has every try back" 3 "$(left)"

# --- the last try is never spent on a kept PIN --------------------------
: >card.log
secret w1 "222222"
secret w2 "333333"
mail
check_fails "another wrong file is tried once" 'refused the PIN in w1' \
    S --pin-file w1 sync --folder "$F"
check_error "... and another: the line says one try is left" 1 \
    "^sealmail: the token \"$TOK\" \(one PIN try left\) refused the PIN in w2; it is not offered again until the file changes \(put the right PIN there, or run the command on a terminal to type it\)$" \
    S --pin-file w2 sync --folder "$F"
check_eq "the card has one try left" 1 "$(left)"
check_error "with one try left, not even the right PIN file is tried" 1 \
    "^sealmail: the token \"$TOK\" has one PIN try left: a kept PIN is not tried on it; type the PIN \(the terminal program asks for it, as does a command run on a terminal\)$" \
    S --pin-file pin sync --folder "$F"
check_eq "... the token saw two wrong PINs and nothing more" "2 0" \
    "$(logins incorrect) $(logins ok)"
check_eq "... and is not locked" 1 "$(left)"
check_fails "... and the file is not taken for a wrong one" 'one PIN try left' \
    S --pin-file pin sync --folder "$F"
# Typed, the PIN is tried: the user is there to decide. The terminal
# program, given the file, says why it asks.
tm_new_session -d -s ui -x 120 -y 30 \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' --pin-file pin; echo EXITED \$?; sleep 30"
check "the terminal program says the kept PIN is not tried" \
    ui_wait_for "the token \"$TOK\" has one PIN try left"
check "... and asks for the PIN" ui_wait_for "PIN for $URI:"
check_eq "... having offered the token nothing" "2 0" \
    "$(logins incorrect) $(logins ok)"
ui_press "the PIN typed opens the token and the program" 'sealmail: INBOX' \
    "$PIN" Enter
check_eq "... the card has every try back" 3 "$(left)"
ui_press "the program quits" 'EXITED 0' Q
$TM kill-server 2>/dev/null
# A command on a terminal, without a PIN file, asks too; a wrong PIN
# typed is tried, and the line says when the next one would lock the card.
printf '2\n' >card.state
mail
tm_sync() {
	$TM kill-server 2>/dev/null
	tm_new_session -d -s ui -x 120 -y 30 \
	    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' sync --folder '$F'; echo EXITED \$?; sleep 30"
}
tm_sync
check "sync on a terminal asks for the PIN" ui_wait_for "PIN for $URI:"
ui_press "nothing typed: sync ends saying so, not naming a passphrase" \
    '^sealmail: nothing typed$' Enter
check "... and fails" ui_wait_for 'EXITED 1'
tm_sync
check "asked again" ui_wait_for "PIN for $URI:"
ui_press "a wrong PIN typed: refused, and one try is left" \
    "the token \"$TOK\" \(one PIN try left\) refused the PIN\$" 999999 Enter
check_eq "... the card has one try left" 1 "$(left)"
tm_sync
check "sync on a terminal asks again" ui_wait_for "PIN for $URI:"
ui_press "the PIN typed opens the token and sync ends well" 'EXITED 0' \
    "$PIN" Enter
check_eq "... the card has every try back" 3 "$(left)"
check_eq "PINs typed that the token took leave the kept ones' marks" 3 \
    "$(grep -c ' ' "$R")"

# A command on a terminal whose kept PIN the token refuses, or is not
# offered, says so and asks for the PIN once, as the terminal program
# does; the same file next time is not offered, and the PIN is asked.
# tm_cmd ARGS...: sealmail ARGS on a terminal, its output to cmd.out.
tm_cmd() {
	$TM kill-server 2>/dev/null
	tm_new_session -d -s ui -x 200 -y 30 \
	    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' $* >'$T/cmd.out'; echo EXITED \$?; sleep 30"
}
# asked: how many times the PIN was asked on the terminal.
asked() { ui_screen | grep -c "PIN for $URI:"; }
secret w3 "444444"
: >card.log
tm_cmd --pin-file w3 inspect --json m1.eml
check "a command on a terminal says the token refused the file's PIN" \
    ui_wait_for "^sealmail: the token \"$TOK\" refused the PIN in w3; it is not offered again until the file changes$"
check "... and asks for the PIN" ui_wait_for "PIN for $URI:"
ui_press "the PIN typed opens the token: the command ends well" \
    'EXITED 0' "$PIN" Enter
check_eq "... it decrypts" decrypted "$(json cmd.out 'd["encryption"]')"
check_eq "... the token saw the file's PIN, then the one typed" \
    "incorrect ok" "$(tr '\n' ' ' <card.log | sed 's/ $//')"
tm_cmd --pin-file w3 inspect --json m1.eml
check "the same file again: said refused, not offered" \
    ui_wait_for "^sealmail: the token of $URI has refused the PIN in w3"
check "... and the PIN is asked" ui_wait_for "PIN for $URI:"
ui_press "... a wrong one typed is refused: the command ends" 'EXITED 1' \
    999999 Enter
check_match "... saying so" "the token \"$TOK\" refused the PIN\$" \
    "$(ui_screen | grep -v '^EXITED' | grep . | tail -1)"
check_eq "... having asked once" 1 "$(asked)"
check_eq "... the token saw only the PIN typed" "incorrect ok incorrect" \
    "$(tr '\n' ' ' <card.log | sed 's/ $//')"
check_eq "the card has two tries left" 2 "$(left)"
# The card's PIN made the one its token refused from w3: typed, the token
# takes it, and its mark goes, so that the file works again.
check "the card's PIN is changed to w3's" pkcs11-tool --module "$MOD" \
    --token-label "$TOK" --login --pin "$PIN" --change-pin \
    --new-pin 444444
check_error "without a terminal, w3 is still not offered" 1 \
    "has refused the PIN in w3" S --pin-file w3 inspect m1.eml
tm_cmd --pin-file w3 inspect --json m1.eml
check "on a terminal, the PIN is asked" ui_wait_for "PIN for $URI:"
check_eq "... four marks kept" 4 "$(grep -c ' ' "$R")"
ui_press "... w3's PIN typed: the token takes it" 'EXITED 0' 444444 Enter
check_eq "... and its mark alone goes" 3 "$(grep -c ' ' "$R")"
S --pin-file w3 inspect --json m1.eml >w3.json 2>w3.err
check_eq "w3 is offered again, and taken" decrypted \
    "$(json w3.json 'd["encryption"]')"
check "the card's PIN is changed back" pkcs11-tool --module "$MOD" \
    --token-label "$TOK" --login --pin 444444 --change-pin \
    --new-pin "$PIN"
tm_cmd --pin-file pin inspect --json m1.eml
check "the right file: the token takes it" ui_wait_for 'EXITED 0'
printf '1\n' >card.state
tm_cmd --pin-file pin inspect --json m1.eml
check "one try left: a command on a terminal says the kept PIN is not tried" \
    ui_wait_for "the token \"$TOK\" has one PIN try left: a kept PIN is not tried"
check "... and asks for it" ui_wait_for "PIN for $URI:"
ui_press "... the PIN typed opens the token" 'EXITED 0' "$PIN" Enter
check_eq "... the card has every try back" 3 "$(left)"
$TM kill-server 2>/dev/null
mail
check "the right PIN file works again" S --pin-file pin sync --folder "$F"
S list --json --folder "$F" >l.json
check_eq "every message is stored decrypted" "$n decrypted" \
    "$(json l.json 'str(len(d)) + " " + " ".join(sorted(set(m["encryption"] for m in d)))')"

# A wrong PIN typed on the last try locks the card: the terminal program
# ends saying so, and a kept PIN is then offered to it no more.
printf '1\n' >card.state
: >card.log
$TM kill-server 2>/dev/null
tm_new_session -d -s ui -x 120 -y 30 \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' --pin-file pin; echo EXITED \$?; sleep 30"
check "on the last try the terminal program asks for the PIN" \
    ui_wait_for "PIN for $URI:"
ui_press "a wrong PIN typed locks the card: the program ends saying so" \
    'EXITED 1' 999999 Enter
check_match "... the last line says the token is locked" \
    "the token \"$TOK\" is locked: too many wrong PINs" "$(ui_screen)"
check_eq "... the card is locked" 0 "$(left)"
mail
check_error "a locked card: the kept PIN is not offered" 1 \
    "^sealmail: the token \"$TOK\" is locked: too many wrong PINs$" \
    S --pin-file pin sync --folder "$F"
check_eq "... the token saw one login, the wrong PIN typed" "1" \
    "$(wc -l <card.log)"

# --- what needs no private key asks no token for its PIN ----------------
# (the card in this home has no PIN file and no terminal here)
: >card.log
check "keys import of a correspondent's certificate, no PIN given" \
    S keys import "$LAB_SMIME_DIR/bob.pem" </dev/null
check "keys lookup of that correspondent" S keys lookup bob@example.test \
    </dev/null
printf 'To: bob@example.test\nSubject: sealed %s\nMessage-ID: <sealed-%s@example.test>\n\nencrypted, not signed\n' \
    "$ID" "$ID" >sealed.txt
check "send --no-sign --encrypt" S send --no-sign --encrypt sealed.txt \
    </dev/null
check_eq "... bob has it" 1 "$(bob_got "sealed-$ID")"
check_eq "the token saw no login for any of them" 0 "$(wc -l <card.log)"

# --- a key agent lost in the middle of a signature -----------------------
# The card holds its signature (P11CARD_HOLD) while the agent is killed:
# the send says so, sends nothing and keeps the message as a draft, which
# then goes, once. Listing the outbox meanwhile needs no PIN: nothing
# there is to be opened.
printf '3\n' >card.state
export P11CARD_HOLD="$T/hold"
# agent_in PID: the key agent of the process PID, once it has one (10 s).
agent_in() {
	_i=0
	while [ $_i -lt 100 ]; do
		_a=$(pgrep -P "$1" -f -- --key-agent | head -1)
		[ -n "$_a" ] && { echo "$_a"; return 0; }
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
printf 'To: bob@example.test\nSubject: held %s\nMessage-ID: <held-%s@example.test>\n\nsigned on a card\n' \
    "$ID" "$ID" >held.txt
: >hold
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" --pin-file pin send \
    --sign --no-encrypt held.txt >held.out 2>held.err &
P=$!
A=$(agent_in $P)
check "the send's agent is signing" test -n "$A"
check "... and is killed" kill -9 "$A"
wait $P
check_eq "the send fails" 1 "$?"
check_match "... its last line says the agent stopped" \
    '^sealmail: the key agent stopped; nothing more was decrypted or signed' \
    "$(tail -1 held.err)"
check_match "... and that the message is kept as a draft" \
    '^sealmail: kept as draft [0-9]+ ' "$(head -1 held.err)"
: >card.log
check_eq "the outbox is empty, and says so without a PIN" '[]' \
    "$(S outbox --json </dev/null)"
check_eq "... the token saw no login" 0 "$(wc -l <card.log)"
check_eq "bob has nothing" 0 \
    "$(count_in "$LAB_MAIL_DIR/example.test/bob/Maildir" "held-$ID")"
D=$(S draft list --json | json /dev/stdin \
    "[x['id'] for x in d if x['subject'] == 'held $ID'][0]")
check "the draft is there" test -n "$D"
rm -f hold
check "the draft sent again goes" S --pin-file pin send --draft "$D"
check_eq "bob has it once" 1 "$(bob_got "held-$ID")"
check_eq "... and the draft is gone" '[]' "$(S draft list --json | json /dev/stdin \
    "[x['id'] for x in d if x['subject'] == 'held $ID']")"

# --- one draft sent by two processes at once -----------------------------
# The first has read the draft and waits on the card for its signature
# when the second sends it: the first then keeps nothing and says why,
# and the draft does not come back.
printf 'To: bob@example.test\nSubject: raced %s\n\nraced-%s\n' "$ID" "$ID" \
    >raced.txt
D=$(S draft save raced.txt)
: >hold
: >card.log
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" --pin-file pin send \
    --sign --no-encrypt --draft "$D" >raced.out 2>raced.err &
P=$!
_i=0
while [ $_i -lt 100 ] && [ "$(logins ok)" -eq 0 ]; do
	sleep 0.1; _i=$((_i + 1))
done
check_eq "the first send has logged in to sign" 1 "$(logins ok)"
check "the second send of the draft goes" \
    S --pin-file pin send --no-sign --no-encrypt --draft "$D"
rm -f hold
wait $P
check_eq "the first send fails" 1 "$?"
check_match "... saying another process took the draft" \
    "^sealmail: draft $D is gone: another process queued, sent or deleted it" \
    "$(tail -1 raced.err)"
check_nomatch "... and keeps nothing" 'kept as draft' "$(cat raced.err)"
check_eq "the draft does not come back" '[]' "$(S draft list --json |
    json /dev/stdin "[x['id'] for x in d if x['subject'] == 'raced $ID']")"
check_eq "the outbox is empty" '[]' "$(S outbox --json </dev/null)"
check_eq "bob has it once" 1 "$(bob_got "raced-$ID")"
t_done
