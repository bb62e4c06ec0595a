#!/bin/sh
# Header protection (RFC 9788) as sealmail sends it, read by other
# programs and by sealmail itself. The messages are made by
# tests/tools/crypto_seal --hp with the code send uses, signed by the
# lab's alice and encrypted to the lab's bob:
#
# - signed only: the header fields ride inside the signed entity with
#   hp="clear"; openssl cms and gpgsm verify it; sealmail shows the signed
#   Subject, and a Subject changed outside afterwards is a finding;
# - signed and encrypted: the outer Subject is "[...]", the real one is
#   only inside (hp="cipher", HP-Outer), and the text starts with a Legacy
#   Display Element naming it, which is what openssl cms and gpgsm show
#   after decrypting and verifying; sealmail shows the Subject and not the
#   element;
# - encrypted only without the element: the same Subject, no element.
. "$TOP/tests/lib.sh"
lab_without_bus
SEAL=$TOOLS/crypto_seal
cd "$T" || exit 1
A=$LAB_SMIME_DIR/alice
B=$LAB_SMIME_DIR/bob

secret pw 'store pass phrase'
secret p12pw "$LAB_P12_PASS"
sm() { "$SEALMAIL" --home "$T/home" --passphrase-file "$T/pw" "$@"; }
check "sealmail: bob's identity imported" sm keys import "$B.p12" \
    --passphrase-file p12pw
check "sealmail: the lab CA trusted" sm keys trust "$LAB_CA"

# gpgsm as bob (a PKCS#12 it can read: 3DES, SHA-1 MAC).
cp "$B.pem" bob.pem && cp "$B.key" bob.key
gpgsm_home "$T/gnupg" "$LAB_CA" bob p12pw

SUBJ='Grüße — the quarterly numbers'
cat >msg.txt <<EOF
From: Alice Example <alice@example.test>
To: Bob Example <bob@example.test>
Cc: carol@example.test
Subject: $SUBJ

Hello Bob,
the numbers are in.
EOF

# verdict FILE: the members these checks read, one line.
verdict() {
	sm inspect --json "$1" >"$1.json" 2>/dev/null
	json "$1.json" '"|".join([d["header_protection"], d["signature"], d["encryption"], d["subject"], " ".join(d["to"] + d["cc"])])'
}
# text_of ENTITY: the decoded text of a one-part entity, as a mail program
# without header protection shows it.
text_of() {
	python3 -c 'import email, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
sys.stdout.write(m.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n"))' "$1"
}
outer_subject() { tr -d '\r' <"$1" | sed -n '/^$/q;s/^Subject: //p'; }

# --- signed only: hp="clear" -------------------------------------------
check "signed: crypto_seal --hp makes it" $SEAL --hp --sign "$A.pem" \
    "$A.key" --entity clear.ent msg.txt clear.eml
check_match "signed: the entity says hp=\"clear\"" 'hp="clear"' \
    "$(cat clear.ent)"
check_match "signed: the header fields are in the signed entity" \
    '^Subject: =\?UTF-8\?' "$(tr -d '\r' <clear.ent)"
check_match "signed: the outer Subject is the real one" '^=\?UTF-8\?' \
    "$(outer_subject clear.eml)"
check "signed: openssl cms verifies it" openssl cms -verify -in clear.eml \
    -CAfile "$LAB_CA" -purpose smimesign -out clear.out
check "signed: what openssl says was signed is the entity" \
    cmp clear.out clear.ent
openssl cms -cmsout -in clear.eml -outform DER -out clear.sig 2>/dev/null
st=$(gpgsm --batch --status-fd 1 --verify clear.sig clear.out 2>/dev/null)
check_match "signed: gpgsm says good signature" '^\[GNUPG:\] GOODSIG ' "$st"
check_eq "signed: sealmail reads the signed fields" \
    "signed|valid|none|$SUBJ|bob@example.test carol@example.test" \
    "$(verdict clear.eml)"
check_eq "signed: nothing to remark" "[]" \
    "$(json clear.eml.json 'd["findings"]')"
# The outer Subject changed on the way: the signed one is still shown.
sed '0,/^Subject: .*/s//Subject: URGENT - wire 10k/' clear.eml >swap.eml
check_eq "changed outside: the signed Subject is shown" \
    "signed|valid|none|$SUBJ|bob@example.test carol@example.test" \
    "$(verdict swap.eml)"
check_match "changed outside: a finding says so" \
    'outer Subject field differs from the signed one' \
    "$(json swap.eml.json 'd["findings"]')"

# --- signed and encrypted: hp="cipher", a Legacy Display Element --------
c=$($SEAL --hp --sign "$A.pem" "$A.key" --rcpt "$B.pem" --entity \
    sealed.ent msg.txt sealed.eml)
check_eq "sealed: AES-256-CBC to bob and alice" aes-256-cbc "$c"
check_eq "sealed: the outer Subject is [...]" "[...]" \
    "$(outer_subject sealed.eml)"
check_nomatch "sealed: nothing of the Subject outside" 'UTF-8|numbers' \
    "$(tr -d '\r' <sealed.eml | sed '/^$/q')"
check_match "sealed: the entity says hp=\"cipher\"" 'hp="cipher"' \
    "$(cat sealed.ent)"
check_match "sealed: the entity records the outer Subject" \
    '^HP-Outer: Subject: \[\.\.\.\]$' "$(tr -d '\r' <sealed.ent)"
check "sealed: openssl cms decrypts it as bob" openssl cms -decrypt \
    -in sealed.eml -recip "$B.pem" -inkey "$B.key" -out sealed.dec
check "sealed: and verifies what it holds" openssl cms -verify \
    -in sealed.dec -CAfile "$LAB_CA" -purpose smimesign -out sealed.out
check "sealed: the signed content is the entity" cmp sealed.out sealed.ent
check_match "sealed: openssl's reader sees the Legacy Display Element" \
    "^Subject: $SUBJ\$" "$(text_of sealed.out | head -1)"
tr -d '\r' <sealed.eml | sed '1,/^$/d' | base64 -d >sealed.der
# gpgsm tries the RecipientInfos in the order of the DER set, and exits
# 1 when it meets alice's (no key here) before bob's: its status says.
st=$(gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
    --status-fd 2 --output sealed.gdec --decrypt sealed.der <p12pw 2>&1)
check_match "sealed: gpgsm decrypts it as bob" \
    '^\[GNUPG:\] DECRYPTION_OKAY' "$st"
check "sealed: gpgsm's plaintext is openssl's" cmp sealed.gdec sealed.dec
openssl cms -cmsout -in sealed.dec -outform DER -out sealed.sig 2>/dev/null
st=$(gpgsm --batch --status-fd 1 --verify sealed.sig sealed.out 2>/dev/null)
check_match "sealed: gpgsm verifies the signature inside" \
    '^\[GNUPG:\] GOODSIG ' "$st"
check_eq "sealed: sealmail shows the protected Subject" \
    "encrypted|valid|decrypted|$SUBJ|bob@example.test carol@example.test" \
    "$(verdict sealed.eml)"
t=$(json sealed.eml.json 'd["text"]')
check_match "sealed: sealmail shows the text" '^Hello Bob,' "$t"
check_nomatch "sealed: but not the Legacy Display Element" 'Subject:' "$t"
check_nomatch "sealed: the obscured Subject is no finding" 'outer' \
    "$(json sealed.eml.json 'd["findings"]')"

# --- encrypted only, no Legacy Display Element --------------------------
check "encrypted only: crypto_seal --hp --no-legacy makes it" $SEAL --hp \
    --no-legacy --rcpt "$B.pem" --self "$A.pem" --entity enc.ent msg.txt \
    enc.eml
check_eq "encrypted only: the outer Subject is [...]" "[...]" \
    "$(outer_subject enc.eml)"
check "encrypted only: openssl cms decrypts it" openssl cms -decrypt \
    -in enc.eml -recip "$B.pem" -inkey "$B.key" -out enc.dec
check "encrypted only: the plaintext is the entity" cmp enc.dec enc.ent
check_nomatch "encrypted only: no Legacy Display Element" \
    'hp-legacy-display' "$(cat enc.ent)"
check_match "encrypted only: the text starts at once" '^Hello Bob,' \
    "$(text_of enc.dec | head -1)"
check_eq "encrypted only: sealmail shows the protected Subject" \
    "encrypted|none|decrypted|$SUBJ|bob@example.test carol@example.test" \
    "$(verdict enc.eml)"

gpgconf --kill gpg-agent
t_done
