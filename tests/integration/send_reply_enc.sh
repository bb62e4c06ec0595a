#!/bin/sh
# A reply to encrypted mail sent with encrypt = auto, neither --encrypt
# nor --no-encrypt given, goes out encrypted or not at all: when some
# recipient has no certificate, nothing is sent, the draft is kept, and
# the last line names every such recipient and says that --no-encrypt
# sends it in clear (which it then does). A reply to clear mail still
# goes in clear with a warning; once the certificates are known, the
# reply goes encrypted. Alice's home here has no resolver that answers,
# so bob's certificate is not found in DNS; her servers are reached by
# address.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
ID=$(date +%s)-$$
F="replyenc$$"
alice_folder "$F"
trap 'rm -rf "$FD"; lab_forget "$ID"' EXIT
lab_home "$T/alice" "store passphrase"
{
	lab_account alice alice@example.test "imap://127.0.0.1:$LAB_IMAP_PORT" \
	    "submission://127.0.0.1:$LAB_SUBMISSION_PORT" "$T/alicepw" \
	    "timeout = 10"
	dns_section 127.0.0.1@9 "$LAB_TA" 1
} >"$H/config"
alice_identity
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
SENT_DIR=$MD/.Sent

# Encrypted to alice by bob, dave in Cc; and a clear one from bob.
mkdir gen
printf 'Content-Type: text/plain\n\nthe plans, encrypted\n' >gen/body
{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Cc: dave@example.test\nSubject: secret plans\n'
	printf 'Message-ID: <enc-%s@example.test>\n' "$ID"
	openssl cms -encrypt -aes256 -in gen/body "$LAB_SMIME_DIR/alice.pem" \
	    2>/dev/null
} >gen/enc.eml
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: clear plans\nMessage-ID: <clear-%s@example.test>\n\nthe plans, in clear\n' \
    "$ID" >gen/clear.eml
alice_deliver gen/enc.eml
alice_deliver gen/clear.eml
check "sync" S sync --folder "$F"
S list --json --folder "$F" >list.json
id_of() { json list.json "[x['id'] for x in d if x['subject']=='$1'][0]"; }
E=$(id_of 'secret plans')
C=$(id_of 'clear plans')
check_eq "the encrypted mail is stored decrypted" decrypted \
    "$(listed list.json "$E" encryption)"

# Neither bob (To) nor dave (Cc) has a certificate: nothing goes out.
S reply --all "$E" >r1.txt
S send - <r1.txt >out 2>err; rc=$?
check_eq "a reply to encrypted mail, no certificates: exit 1" 1 "$rc"
check_match "the last line names both and the way to send in clear" \
    'no usable certificate for bob@example.test, dave@example.test; sealmail send --no-encrypt sends it in clear$' \
    "$(tail -1 err)"
check_nomatch "nothing is said to go unencrypted" 'sending unencrypted' \
    "$(cat err)"
check_eq "nothing is queued" "[]" "$(S outbox --json)"
check_eq "no copy in Sent" 0 "$(count_in "$SENT_DIR" "enc-$ID")"
S draft list --json >dl.json
D=$(json dl.json "[x['id'] for x in d if x['subject']=='Re: secret plans'][0]")
check_match "the reply is kept as a draft" "kept as draft $D " "$(cat err)"
check_match "the draft keeps the reason" 'answers encrypted mail' \
    "$(json dl.json "[x['reason'] for x in d if x['id']==$D][0]")"

# To bob alone, kept the same way; --no-encrypt sends the draft in clear.
S reply "$E" | S send - >out 2>err; rc=$?
check_eq "the reply to bob alone: exit 1" 1 "$rc"
check_match "... naming bob" 'no usable certificate for bob@example.test;' \
    "$(tail -1 err)"
S draft list --json >dl.json
D=$(json dl.json "[x['id'] for x in d if x['subject']=='Re: secret plans'][-1]")
S send --no-encrypt --draft "$D" >out 2>err; rc=$?
check_eq "send --no-encrypt --draft: exit 0" 0 "$rc"
check_match "... signed, in clear, as asked" ', signed, not encrypted$' \
    "$(cat out)"
f=$(maildir_find "$BOB_DIR" "enc-$ID")
check "bob gets it" test -n "$f"
check_match "... quoting the text in clear" '^> the plans, encrypted' \
    "$(tr -d '\r' <"${f:-/dev/null}")"

# A reply to clear mail without a certificate: in clear, with a warning.
S reply "$C" | S send - >out 2>err; rc=$?
check_eq "a reply to clear mail: exit 0" 0 "$rc"
check_match "... in clear" ', signed, not encrypted$' "$(cat out)"
check_match "... with a warning" 'sending unencrypted' "$(cat err)"

# With bob's certificate known, only dave is named; to bob alone, the
# reply goes encrypted.
check "bob's certificate imported" S keys import "$LAB_SMIME_DIR/bob.pem"
S send - <r1.txt >out 2>err; rc=$?
check_eq "reply --all again: exit 1" 1 "$rc"
check_match "... naming dave alone" \
    'no usable certificate for dave@example.test; sealmail' "$(tail -1 err)"
S reply "$E" | S send - >out 2>err; rc=$?
check_eq "the reply to bob: exit 0" 0 "$rc"
check_match "... encrypted" ', signed, aes-' "$(cat out)"
t_done
