#!/bin/sh
# Addresses whose domain is not ASCII, against the lab: alice writes to
# bob@bücher.example.test; sealmail finds bob's certificate through the
# SMIMEA record at the A-label name (its rfc822Name is in A-labels, RFC
# 8398), writes the domain as A-labels in the sent header and in the SMTP
# envelope (RCPT TO), with the display name in RFC 2047 words, and Postfix
# delivers it to bob. An account's address matches a From or a To in
# either form: a draft goes out through the account it is From, and a
# reply to all leaves out the replier's own address. A local part outside
# ASCII and a domain that IDNA refuses are refused, each with one line
# naming the address; nothing is queued then.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
alice_sender yes
ID=$(date +%s)-$$		# Message-IDs unique to this run
U=bücher.example.test
A=$LAB_IDN_DOMAIN		# xn--bcher-kva.example.test
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir

# --- the certificate, from DNS at the A-label name -------------------------
S keys lookup --json "bob@$U" >l.json; rc=$?
check_eq "keys lookup of bob@$U: exit 0" 0 "$rc"
check_eq "bob's certificate is found at the A-label name, DNSSEC-secure" \
    "smimea secure true bob@$A" \
    "$(json l.json '(lambda c: " ".join([c["source"], c["dnssec"],
    str(c["usable"]).lower()] + c["email"]))(d["certificates"][0])')"

# --- sent: A-labels in the header and the envelope ------------------------
cat >m1.txt <<EOF
To: Bob Bücher <bob@$U>
Subject: IDN
Message-ID: <send-idn-1-$ID@example.test>

Hallo Bob,
an eine Adresse mit Umlaut.
EOF
S send m1.txt >out 2>err; rc=$?
check_eq "send to bob@$U: exit 0" 0 "$rc"
check_match "it says signed and encrypted to one recipient" \
    "sent <send-idn-1-$ID@example.test> to 1 recipient, signed, aes-256-cbc" \
    "$(cat out)"
check_match "it names the recipient in A-labels, the certificate from DNS" \
    "encrypting to bob@$A with the certificate published in DNS" \
    "$(cat err)"
f=$(maildir_find "$BOB_DIR" "send-idn-1-$ID@example.test")
check "the message arrives in bob's INBOX" test -n "$f"
check_match "the To field: the name in RFC 2047 words, the domain in A-labels" \
    "^To: =\\?UTF-8\\?[BQ]\\?[^?]+\\?= <bob@$A>\$" \
    "$(tr -d '\r' <"$f" | grep '^To:')"
check_nomatch "no octet outside ASCII in the header" \
    "$(printf '[\200-\377]')" "$(tr -d '\r' <"$f" | sed '/^$/q')"
check_match "the envelope: RCPT TO in A-labels (Postfix's log)" \
    "to=<bob@example.test>, orig_to=<bob@$A>" \
    "$(grep "send-idn-1-$ID" -A30 "$LAB_DIR/log/postfix.log" | grep orig_to=)"
"$TOOLS/crypto_judge" --anchor "$LAB_CA" --identity \
    "$LAB_SMIME_DIR/bob-idn.pem" "$LAB_SMIME_DIR/bob.key" "$f" >j1.json
check_eq "bob reads it: decrypted, signed by alice" \
    "decrypted valid alice@example.test" \
    "$(json j1.json 'd["encryption"] + " " + d["signature"] + " " + d["signer"]')"
check_match "and the text came through" 'an eine Adresse mit Umlaut' \
    "$(json j1.json 'd["text"]')"

# --- the account whose address is From, in either form ------------------
# The second account names the U-labels; a draft From the A-labels goes
# out through it (and stops there: alice has no identity for it).
{ echo; lab_account idn "alice@$U" "imap://mail.example.test:$LAB_IMAP_PORT" \
    "submission://mail.example.test:$LAB_SUBMISSION_PORT" "$T/alicepw"; } \
    >>"$H/config"
printf 'From: alice@%s\nTo: bob@example.test\nSubject: x\n\nx\n' "$A" >m4.txt
check_error "a draft From alice@$A is taken by the account of alice@$U" \
    1 "alice@$A" S send m4.txt
check_nomatch "...not by the first account" 'is not the address of account' \
    "$(cat "$T/.err")"

# --- reply: the own address, in either form, is not a recipient ----------
printf 'To: Bob <bob@%s>, alice@example.test\nSubject: idn reply %s\n\nx\n' \
    "$U" "$ID" >m5.txt
check "a signed, not encrypted, message to bob@$U and alice" \
    S send --no-encrypt m5.txt
B=$T/bob
mkdir -p "$B" && chmod 700 "$B"
secret "$T/bobpw" "$LAB_BOB_PASS"
{ lab_account bob "bob@$U" "imap://mail.example.test:$LAB_IMAP_PORT" "" \
    "$T/bobpw" "user     = $LAB_BOB"; lab_dns; } >"$B/config"
SB() { "$SEALMAIL" --home "$B" --passphrase-file "$T/pw" "$@"; }
maildir_find "$BOB_DIR" "idn reply $ID" >/dev/null
check "bob syncs his INBOX" SB sync --folder INBOX
SB list --json >bl.json
n=$(json bl.json '[m["id"] for m in d if m["subject"] == "idn reply '"$ID"'"][0]')
SB reply --all "$n" >r5.txt
check_match "bob's reply to all is From bob, to alice" \
    "^From: bob@$U To: alice@example.test\$" \
    "$(grep -E '^(From|To):' r5.txt | paste -sd' ')"
check_nomatch "...and not to bob himself, whom To named in A-labels" \
    "bob@($A|$U)" "$(grep -E '^(To|Cc):' r5.txt)"

# --- refused ---------------------------------------------------------------
printf 'To: jörg@%s\nSubject: x\n\nx\n' "$U" >m2.txt
check_error "a local part outside ASCII: exit 1, one line naming it and SMTPUTF8" \
    1 "^sealmail: jörg@$U: a local part outside ASCII needs SMTPUTF8" \
    S send m2.txt
printf 'To: bob@example.test\nCc: a@☃.example.test\nSubject: x\n\nx\n' >m3.txt
check_error "a domain IDNA refuses: exit 1, one line naming it" \
    1 "^sealmail: a@☃.example.test: not a valid domain name: ☃.example.test" \
    S send m3.txt
check_error "keys lookup refuses it too" \
    1 "not a valid domain name: ☃.example.test" \
    S keys lookup "a@☃.example.test"
S outbox --json >ob.json
check_eq "nothing refused was queued" "[]" "$(cat ob.json)"

t_done
