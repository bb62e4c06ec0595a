#!/bin/sh
# sealmail send and outbox against the lab's Postfix and Dovecot: what
# alice sends arrives in bob's INBOX, signed and encrypted, and opens and
# verifies for bob (with sealmail's own reader and with openssl cms); a
# copy lands in alice's Sent; failures stay in the outbox with the
# server's reason and go out with "outbox send"; a Message-ID is never
# submitted twice; encryption without a certificate is refused or, with
# encrypt = auto, skipped with a warning. A Bcc recipient is in no copy
# that leaves (not in the protected header inside either envelope), and
# in the user's own copy in Sent, which a forward that attaches it leaves
# out.
. "$TOP/tests/lib.sh"
lab_without_bus
# Alice's home, her account with encrypt = auto.
alice_sender auto
ID=$(date +%s)-$$		# Message-IDs unique to this run

# config IMAP_PORT SMTP_HOST DNS_RESOLVER [ENCRYPT]
config() { sender_config "$H" "$1" "$2" "$3" "${4:-auto}"; }

BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
SENT_DIR=$LAB_MAIL_DIR/example.test/alice/Maildir/.Sent

# arrived DIR MSGID: the file holding MSGID under DIR (waits up to 10 s).
arrived() { maildir_find "$1" "$2"; }
judge_bob() {
	"$TOOLS/crypto_judge" --anchor "$LAB_CA" \
	    --identity "$LAB_SMIME_DIR/bob.pem" "$LAB_SMIME_DIR/bob.key" "$1"
}
judge_alice() {
	"$TOOLS/crypto_judge" --anchor "$LAB_CA" \
	    --identity "$LAB_SMIME_DIR/alice.pem" "$LAB_SMIME_DIR/alice.key" "$1"
}

# --- signed and encrypted, bob's certificate from SMIMEA ---------------
cat >m1.txt <<EOF
To: Bob <bob@example.test>
Subject: Grüße from the send test
Message-ID: <send-lab-1-$ID@example.test>

Hello Bob,
this message is signed and encrypted — ünïcode included.
EOF
S send m1.txt >out 2>err; rc=$?
check_eq "send exits 0" 0 "$rc"
check_match "it says signed and encrypted" \
    "sent <send-lab-1-$ID@example.test> to 1 recipient, signed, aes-256-cbc" \
    "$(cat out)"
check_match "it says bob's certificate came from DNS" \
    'encrypting to bob@example.test with the certificate published in DNS \(SMIMEA, DNSSEC-secure\)' \
    "$(cat err)"
f=$(arrived "$BOB_DIR" "send-lab-1-$ID@example.test")
check "the message arrives in bob's INBOX" test -n "$f"
judge_bob "$f" >j1.json
check_eq "sealmail's reader: signature valid" valid "$(json j1.json 'd["signature"]')"
check_eq "sealmail's reader: decrypted" decrypted "$(json j1.json 'd["encryption"]')"
check_eq "signer is alice" alice@example.test "$(json j1.json 'd["signer"]')"
check_match "the text came through" 'this message is signed and encrypted — ünïcode included' \
    "$(json j1.json 'd["text"]')"
check_eq "the subject came through" "Grüße from the send test" \
    "$(json j1.json 'd["subject"]')"
check "openssl cms decrypts bob's copy and verifies it" sh -c \
    "openssl cms -decrypt -in '$f' -recip '$LAB_SMIME_DIR/bob.pem' \
    -inkey '$LAB_SMIME_DIR/bob.key' | openssl cms -verify -CAfile '$LAB_CA' \
    -purpose smimesign -out /dev/null"
g=$(arrived "$SENT_DIR" "send-lab-1-$ID@example.test")
check "a copy is in alice's Sent" test -n "$g"
judge_alice "$g" >j1s.json
check_eq "alice can read her Sent copy" decrypted \
    "$(json j1s.json 'd["encryption"]')"
S outbox --json >ob.json
check_eq "the outbox is empty after success" "[]" "$(cat ob.json)"

# --- Bcc: a copy of its own, so the others cannot see it in the envelope
printf "To: alice@example.test\nBcc: bob@example.test\nSubject: bcc\nMessage-ID: <send-lab-12-$ID@example.test>\n\nbcc test\n" >m12.txt
S send m12.txt >out 2>err; rc=$?
check_eq "send with Bcc: exit 0" 0 "$rc"
check_match "two recipients counted" 'to 2 recipients, signed, aes-256-cbc' \
    "$(cat out)"
f=$(arrived "$BOB_DIR" "send-lab-12-$ID@example.test")
g=$(arrived "$LAB_MAIL_DIR/example.test/alice/Maildir" "send-lab-12-$ID@example.test")
check "the Bcc recipient gets it" test -n "$f"
check "the To recipient gets it" test -n "$g"
check_nomatch "no Bcc field goes out" '^Bcc:' "$(cat "$f" "$g")"
inner() {
	openssl cms -decrypt -in "$1" -recip "$LAB_SMIME_DIR/$2.pem" \
	    -inkey "$LAB_SMIME_DIR/$2.key" 2>/dev/null | tr -d '\r'
}
check_match "the To copy's protected header holds To and Subject" \
    '^Subject: bcc$' "$(inner "$g" alice)"
check_nomatch "...and no Bcc, nor bob" '^Bcc:|bob@' "$(inner "$g" alice)"
check_match "the Bcc copy's protected header holds Subject too" \
    '^Subject: bcc$' "$(inner "$f" bob)"
check_nomatch "...and no Bcc field" '^Bcc:' "$(inner "$f" bob)"
n=$(openssl cms -cmsout -print -in "$g" | grep -c 'd.ktri:')
check_eq "the To copy is encrypted to alice alone (bob unseen)" 1 "$n"
n=$(openssl cms -cmsout -print -in "$f" | grep -c 'd.ktri:')
check_eq "the Bcc copy: bob and the sender" 2 "$n"
judge_bob "$f" >j12.json
check_eq "the Bcc copy opens for bob, signed" valid \
    "$(json j12.json 'd["signature"]')"
sleep 1
check_eq "one copy in Sent" 1 "$(count_in "$SENT_DIR" send-lab-12-$ID@example.test)"
g=$(arrived "$SENT_DIR" "send-lab-12-$ID@example.test")
check_eq "alice's copy in Sent says whom it went to unseen" \
    "Bcc: bob@example.test" "$(tr -d '\r' <"$g" | grep '^Bcc:')"
judge_alice "$g" >j12s.json
check_eq "and still opens for her, signed" "decrypted valid" \
    "$(json j12s.json 'd["encryption"] + " " + d["signature"]')"
printf "To: alice@example.test\nBcc: Bob <bob@example.test>\nSubject: bcc clear $ID\nMessage-ID: <send-lab-19-$ID@example.test>\n\nbcc, not encrypted\n" >m19.txt
check "send --no-encrypt with Bcc" S send --no-encrypt m19.txt
f=$(arrived "$BOB_DIR" "send-lab-19-$ID@example.test")
g=$(arrived "$LAB_MAIL_DIR/example.test/alice/Maildir" "send-lab-19-$ID@example.test")
check_nomatch "unencrypted: no Bcc field in what was delivered" '^Bcc:' \
    "$(cat "$f" "$g")"
g=$(arrived "$SENT_DIR" "send-lab-19-$ID@example.test")
check_eq "unencrypted: the copy in Sent has it" "Bcc: bob@example.test" \
    "$(tr -d '\r' <"$g" | grep '^Bcc:')"
S sync --folder Sent >/dev/null 2>&1
S list --json --folder Sent >sent.json
s=$(json sent.json "[x['id'] for x in d if x['subject']=='bcc clear $ID'][0]")
check_match "export of the copy in Sent keeps Bcc" '^Bcc: bob@example.test' \
    "$(S export "$s" | tr -d '\r')"
check_nomatch "forward --attach of it leaves Bcc out" '^Bcc:' \
    "$(S forward --attach "$s")"

# --- once bob's capabilities are known: AES-256-GCM ---------------------
printf "From: bob@example.test\nTo: alice@example.test\nSubject: caps\n\nhi\n" >bob.txt
check "bob signs a message" "$TOOLS/crypto_seal" --sign \
    "$LAB_SMIME_DIR/bob.pem" "$LAB_SMIME_DIR/bob.key" bob.txt bob.eml
c=$("$TOOLS/crypto_caps" "$H" "$T/pw" recall "$LAB_SMIME_DIR/bob.pem")
check_eq "nothing known of bob yet" unknown "$c"
c=$("$TOOLS/crypto_caps" "$H" "$T/pw" remember bob.eml \
    "$LAB_SMIME_DIR/bob.pem" | tr '\n' ' ')
check_eq "bob's capabilities read from his signature and remembered" \
    "known aes-256-gcm aes-128-gcm aes-256-cbc " "$c"
printf "To: bob@example.test\nSubject: gcm\nMessage-ID: <send-lab-14-$ID@example.test>\n\ngcm now\n" >m14.txt
S send m14.txt >out 2>err
check_match "bob reads GCM: sent with AES-256-GCM" 'signed, aes-256-gcm' \
    "$(cat out)"
f=$(arrived "$BOB_DIR" "send-lab-14-$ID@example.test")
check_match "as authEnveloped-data" 'smime-type=authEnveloped-data' \
    "$(cat "$f")"
judge_bob "$f" >j14.json
check_eq "GCM: bob decrypts it" decrypted "$(json j14.json 'd["encryption"]')"
check_eq "GCM: the cipher bob sees" aes-256-gcm "$(json j14.json 'd["cipher"]')"
check_eq "GCM: the signature inside is valid" valid \
    "$(json j14.json 'd["signature"]')"
check "GCM: openssl cms decrypts and verifies bob's copy" sh -c \
    "openssl cms -decrypt -in '$f' -recip '$LAB_SMIME_DIR/bob.pem' \
    -inkey '$LAB_SMIME_DIR/bob.key' | openssl cms -verify -CAfile '$LAB_CA' \
    -purpose smimesign -out /dev/null"

# --- the same Message-ID again is not sent -----------------------------
S send m1.txt >out 2>err; rc=$?
check_eq "a Message-ID already sent: exit 1" 1 "$rc"
check_match "and says so" 'already sent' "$(tail -1 err)"
sleep 1
check_eq "bob got it once" 1 "$(count_in "$BOB_DIR" send-lab-1-$ID@example.test)"

# --- flags ------------------------------------------------------------
printf "To: bob@example.test\nSubject: signed only\nMessage-ID: <send-lab-2-$ID@example.test>\n\nsigned, not encrypted\n" >m2.txt
check "send --no-encrypt" S send --no-encrypt m2.txt
f=$(arrived "$BOB_DIR" "send-lab-2-$ID@example.test")
judge_bob "$f" >j2.json
check_eq "--no-encrypt: signature valid" valid "$(json j2.json 'd["signature"]')"
check_eq "--no-encrypt: not encrypted" none "$(json j2.json 'd["encryption"]')"
check_match "--no-encrypt: multipart/signed" 'multipart/signed' "$(cat "$f")"

printf "To: bob@example.test\nSubject: pss\nMessage-ID: <send-lab-17-$ID@example.test>\n\nRSA-PSS\n" >m17.txt
check "send --rsa-pss --no-encrypt" S send --rsa-pss --no-encrypt m17.txt
f=$(arrived "$BOB_DIR" "send-lab-17-$ID@example.test")
judge_bob "$f" >j17.json
check_eq "RSA-PSS: bob's reader says valid" valid "$(json j17.json 'd["signature"]')"
check_match "RSA-PSS: the SignerInfo says rsassaPss" 'rsassaPss' \
    "$(openssl cms -cmsout -print -in "$f")"

printf "To: bob@example.test\nSubject: plain\nMessage-ID: <send-lab-3-$ID@example.test>\n\nplain\n" >m3.txt
check "send --no-sign --no-encrypt" S send --no-sign --no-encrypt m3.txt
f=$(arrived "$BOB_DIR" "send-lab-3-$ID@example.test")
judge_bob "$f" >j3.json
check_eq "plain: no signature" none "$(json j3.json 'd["signature"]')"
check_eq "plain: no encryption" none "$(json j3.json 'd["encryption"]')"

printf "To: bob@example.test\nSubject: encrypted only\nMessage-ID: <send-lab-4-$ID@example.test>\n\nsecret\n" >m4.txt
check "send --no-sign --encrypt" S send --no-sign --encrypt m4.txt
f=$(arrived "$BOB_DIR" "send-lab-4-$ID@example.test")
judge_bob "$f" >j4.json
check_eq "encrypted only: decrypted" decrypted "$(json j4.json 'd["encryption"]')"
check_eq "encrypted only: no signature" none "$(json j4.json 'd["signature"]')"
check_nomatch "encrypted only: no clear text on the wire" 'secret' "$(cat "$f")"

# --- no certificate ----------------------------------------------------
# A DNS-verified but insecure SMIMEA is not a certificate to encrypt to.
printf 'To: alice@unsigned.example.test\nSubject: x\n\nx\n' >m5.txt
S send --encrypt m5.txt >out 2>err; rc=$?
check_eq "--encrypt without a certificate: exit 1" 1 "$rc"
check_match "the error names the recipient" \
    'cannot encrypt to alice@unsigned.example.test' "$(tail -1 err)"
# A bogus DNSSEC answer stops everything, whatever encrypt says.
printf 'To: alice@broken.example.test\nSubject: x\n\nx\n' >m6.txt
S send m6.txt >out 2>err; rc=$?
check_eq "a bogus SMIMEA answer: exit 1" 1 "$rc"
check_match "DNSSEC failure named" 'DNSSEC validation failed' "$(tail -1 err)"

# With no resolver answering, bob has no certificate: auto sends in clear
# and says so; --encrypt refuses. Servers by address need no DNS. A fresh
# home, because the first one keeps bob's SMIMEA certificate cached.
H=$T/alice2
mkdir -p "$H"
config 9 127.0.0.1 127.0.0.1@9
check "a second home for alice" S keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$T/p12pw"
printf "To: bob@example.test\nSubject: auto\nMessage-ID: <send-lab-7-$ID@example.test>\n\nauto mode\n" >m7.txt
S send m7.txt >out 2>err; rc=$?
check_eq "auto without a certificate: exit 0" 0 "$rc"
check_match "stderr says it went unencrypted" \
    'sending unencrypted: no usable certificate for bob@example.test' \
    "$(cat err)"
check_match "stdout says not encrypted" 'signed, not encrypted' "$(cat out)"
f=$(arrived "$BOB_DIR" "send-lab-7-$ID@example.test")
judge_bob "$f" >j7.json
check_eq "auto: arrives signed" valid "$(json j7.json 'd["signature"]')"
check_eq "auto: not encrypted" none "$(json j7.json 'd["encryption"]')"
printf 'To: bob@example.test\nSubject: must\n\nx\n' >m8.txt
S send --encrypt m8.txt >out 2>err; rc=$?
check_eq "--encrypt, no certificate: exit 1" 1 "$rc"
check_match "--encrypt names bob" 'cannot encrypt to bob@example.test' \
    "$(tail -1 err)"
config 9 127.0.0.1 127.0.0.1@9 yes
S send m8.txt >out 2>err; rc=$?
check_eq "encrypt = yes in the config: the same refusal" 1 "$rc"
H=$T/alice

# --- failures stay in the outbox ---------------------------------------
echo wrong-password >alicepw
printf "To: bob@example.test\nSubject: queued\nMessage-ID: <send-lab-9-$ID@example.test>\n\nqueued first\n" >m9.txt
S send m9.txt >out 2>err; rc=$?
check_eq "a refused login: exit 1" 1 "$rc"
check_match "with the server's reason" '535|uthentication' "$(tail -1 err)"
S outbox --json >ob.json
check_eq "the message is in the outbox" 1 "$(json ob.json 'len(d)')"
check_eq "outbox: subject" queued "$(json ob.json 'd[0]["subject"]')"
check_eq "outbox: folder" outbox "$(json ob.json 'd[0]["folder"]')"
check_eq "outbox: uid null" null "$(json ob.json 'd[0]["uid"]')"
check_eq "outbox: flags" "[]" "$(json ob.json 'd[0]["flags"]')"
check_eq "outbox: signature of the queued message" valid \
    "$(json ob.json 'd[0]["signature"]')"
check_eq "outbox: encryption of the queued message" decrypted \
    "$(json ob.json 'd[0]["encryption"]')"
check_match "outbox: error kept" '535|uthentication' \
    "$(json ob.json 'd[0]["error"]')"
S outbox send >out 2>err; rc=$?
check_eq "outbox send with the wrong password: exit 1" 1 "$rc"
S send m9.txt >out 2>err; rc=$?
check_eq "sending a queued Message-ID again: exit 1" 1 "$rc"
check_match "it is already in the outbox" 'already in the outbox' \
    "$(tail -1 err)"
echo "$LAB_ALICE_PASS" >alicepw
check "outbox send" S outbox send
f=$(arrived "$BOB_DIR" "send-lab-9-$ID@example.test")
check "the queued message arrives" test -n "$f"
sleep 1
check_eq "once" 1 "$(count_in "$BOB_DIR" send-lab-9-$ID@example.test)"
judge_bob "$f" >j9.json
check_eq "queued message: valid" valid "$(json j9.json 'd["signature"]')"
check_eq "queued message: decrypted" decrypted "$(json j9.json 'd["encryption"]')"
S outbox --json >ob.json
check_eq "the outbox is empty again" "[]" "$(cat ob.json)"

# A recipient the server refuses: nothing goes out, the reason is kept.
printf "To: bob@example.test, alice@unsigned.example.test\nSubject: x\nMessage-ID: <send-lab-10-$ID@example.test>\n\nx\n" >m10.txt
S send --no-encrypt m10.txt >out 2>err; rc=$?
check_eq "a refused recipient: exit 1" 1 "$rc"
check_match "the refused recipient is named" \
    'alice@unsigned.example.test refused: 550' "$(tail -1 err)"
S outbox >ob.txt
check_match "the outbox lists it with the reason" 'refused: 550' "$(cat ob.txt)"
sleep 1
check_eq "bob got nothing of it" 0 "$(count_in "$BOB_DIR" send-lab-10-$ID@example.test)"

# --- a failed copy to Sent is a warning --------------------------------
config 9 mail.example.test "$LAB_DNS_RESOLVER"
printf "To: bob@example.test\nSubject: no sent copy\nMessage-ID: <send-lab-11-$ID@example.test>\n\nx\n" >m11.txt
S send m11.txt >out 2>err; rc=$?
check_eq "an unreachable IMAP server: still exit 0" 0 "$rc"
check_match "with a warning" 'not copied to Sent' "$(cat err)"
check "and the message arrives" arrived "$BOB_DIR" send-lab-11-$ID@example.test

# --- an intermediate CA in the key store goes along in the signature ---
cat >ext.cnf <<'EOF'
[ica]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign
[ee]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=emailProtection
subjectAltName=email:alice@example.test
EOF
openssl req -newkey rsa:2048 -nodes -keyout ica.key -out ica.csr \
    -subj "/O=sealmail lab/CN=send test intermediate" 2>/dev/null
openssl x509 -req -in ica.csr -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
    -CAserial ica.srl -CAcreateserial -out ica.pem -days 30 \
    -extfile ext.cnf -extensions ica 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout a3.key -out a3.csr \
    -subj "/CN=Alice via intermediate" 2>/dev/null
openssl x509 -req -in a3.csr -CA ica.pem -CAkey ica.key -CAserial a3.srl \
    -CAcreateserial -out a3.pem -days 30 -extfile ext.cnf -extensions ee \
    2>/dev/null
openssl pkcs12 -export -in a3.pem -inkey a3.key -out a3.p12 \
    -passout file:p12pw
H=$T/alice3
mkdir -p "$H"
config "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER"
check "an identity issued by an intermediate" S keys import a3.p12 \
    --passphrase-file "$T/p12pw"
check "the intermediate as a peer certificate" S keys import ica.pem
printf "To: bob@example.test\nSubject: chain\nMessage-ID: <send-lab-13-$ID@example.test>\n\nchain\n" >m13.txt
check "send signed by the intermediate's identity" S send --no-encrypt m13.txt
f=$(arrived "$BOB_DIR" "send-lab-13-$ID@example.test")
n=$(openssl smime -pk7out -in "$f" | openssl pkcs7 -print_certs | grep -c 'BEGIN CERT')
check_eq "the signature carries the signer and the intermediate" 2 "$n"
check "openssl verifies it knowing only the lab's root" openssl cms -verify \
    -in "$f" -CAfile "$LAB_CA" -purpose smimesign -out /dev/null
judge_bob "$f" >j13.json
check_eq "sealmail's reader: valid through the intermediate" valid \
    "$(json j13.json 'd["signature"]')"
H=$T/alice

# --- an ECDSA P-256 identity signs too ---------------------------------
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout a4.key -out a4.csr -subj "/CN=Alice EC" 2>/dev/null
openssl x509 -req -in a4.csr -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
    -CAserial a4.srl -CAcreateserial -out a4.pem -days 30 \
    -extfile ext.cnf -extensions ee 2>/dev/null
openssl pkcs12 -export -in a4.pem -inkey a4.key -out a4.p12 \
    -passout file:p12pw
H=$T/alice4
mkdir -p "$H"
config "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER"
check "an EC P-256 identity" S keys import a4.p12 --passphrase-file "$T/p12pw"
printf "To: bob@example.test\nSubject: ecdsa\nMessage-ID: <send-lab-16-$ID@example.test>\n\nsigned with ECDSA\n" >m16.txt
S send m16.txt >out 2>err
check_match "sent signed and encrypted with the EC identity" \
    'signed, aes-256-cbc' "$(cat out)"
f=$(arrived "$BOB_DIR" "send-lab-16-$ID@example.test")
judge_bob "$f" >j16.json
check_eq "ECDSA: bob's reader says valid" valid "$(json j16.json 'd["signature"]')"
check_eq "ECDSA: decrypted" decrypted "$(json j16.json 'd["encryption"]')"
check_match "the signature is ECDSA with SHA-256" 'ecdsa-with-SHA256' \
    "$(openssl cms -decrypt -in "$f" -recip "$LAB_SMIME_DIR/bob.pem" \
    -inkey "$LAB_SMIME_DIR/bob.key" | openssl cms -cmsout -print)"
g=$(arrived "$SENT_DIR" "send-lab-16-$ID@example.test")
check "the Sent copy opens with the EC key (ECDH)" openssl cms -decrypt \
    -in "$g" -recip a4.pem -inkey a4.key -out /dev/null
H=$T/alice

# --- the copies of one message go to all or to none --------------------
# Encrypted with a Bcc recipient, the message goes as two copies. Postfix
# refuses the To recipient (a certificate for it from the lab's CA): the
# Bcc copy, which Postfix would take, does not go either.
sed 's/email:alice@example.test/email:alice@unsigned.example.test/' \
    ext.cnf >ext-u.cnf
openssl req -newkey rsa:2048 -nodes -keyout u.key -out u.csr \
    -subj "/CN=Alice Unsigned" 2>/dev/null
openssl x509 -req -in u.csr -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
    -CAserial u.srl -CAcreateserial -out u.pem -days 30 \
    -extfile ext-u.cnf -extensions ee 2>/dev/null
check "a certificate for a recipient Postfix refuses" S keys import u.pem
printf "To: alice@unsigned.example.test\nBcc: bob@example.test\nSubject: all or none $ID\nMessage-ID: <send-lab-30-$ID@example.test>\n\nx\n" >m30.txt
S send m30.txt >out 2>err; rc=$?
check_eq "a copy's recipient refused: exit 1" 1 "$rc"
check_match "the refused recipient is named" \
    'recipient alice@unsigned.example.test refused: 550' "$(tail -1 err)"
S outbox --json >ob30.json
check_eq "both copies wait in the outbox with the refusal" "queued queued" \
    "$(json ob30.json "' '.join(m['state'] for m in d if m['subject'] == 'all or none $ID' and 'alice@unsigned.example.test refused: 550' in m['error'])")"

printf "To: bob@example.test\nSubject: stdin\nMessage-ID: <send-lab-15-$ID@example.test>\n\nfrom stdin\n" >m15.txt
check "send - reads the message from stdin" sh -c \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' send - <m15.txt"
check "and it arrives" arrived "$BOB_DIR" "send-lab-15-$ID@example.test"
# Sent after it, and arrived: the Bcc copy would be there by now.
check_eq "the refused message's Bcc copy did not go either" 0 \
    "$(count_in "$BOB_DIR" send-lab-30-$ID@example.test)"
S outbox >ob.txt
check_match "outbox without --json lists what is still queued" \
    'refused: 550' "$(cat ob.txt)"

# sign = no and encrypt = no in the config; --sign and --encrypt override
# them, and the last of --sign --no-sign wins.
config "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER" no
sed -i 's/^sign .*/sign     = no/' "$H/config"
n=20
for o in "" "--sign" "--encrypt" "--sign --encrypt" "--sign --no-sign"; do
	n=$((n + 1))
	printf "To: bob@example.test\nSubject: opt\nMessage-ID: <send-lab-$n-$ID@example.test>\n\nx\n" >m$n.txt
	# shellcheck disable=SC2086
	S send $o m$n.txt >out 2>err; rc=$?
	f=$(arrived "$BOB_DIR" "send-lab-$n-$ID@example.test")
	judge_bob "$f" >j$n.json
	printf '[%s] %s %s %s\n' "$o" "$rc" "$(json j$n.json 'd["signature"]')" \
	    "$(json j$n.json 'd["encryption"]')" >>opts.txt
done
check_eq "sign = no, encrypt = no; each option overrides its own" \
    "[] 0 none none|[--sign] 0 valid none|[--encrypt] 0 none decrypted|[--sign --encrypt] 0 valid decrypted|[--sign --no-sign] 0 none none" \
    "$(paste -sd'|' opts.txt)"
config "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER"

check_fails "send without a file is a usage error that names FILE|-" \
    "send: FILE\\|- is missing" S send
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" send >/dev/null 2>&1
check_eq "usage error: exit 2" 2 "$?"

t_done
