#!/bin/sh
# Keys over their life: alice renews her identity while the old one stays
# (for the mail it opens), and bob his certificate. send signs with the
# identity issued last that is valid, whatever the order of the imports,
# also after an expired one was imported last, and encrypts to bob's
# certificate issued last; mail encrypted to the old identity still
# opens. The account has no [dns] section: no SMIMEA record speaks for
# either.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
lab_home "$T/home" 'renewal passphrase'
lab_account alice alice@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/alicepw" \
    'sign = yes' > "$H/config"
ID=$(date +%s)-$$
BOXES="$LAB_MAIL_DIR/example.test/bob/Maildir"
trap 'lab_forget "$ID"' EXIT

# cert NAME ADDRESS AGO DAYS: NAME.key and NAME.pem, an S/MIME certificate
# for ADDRESS from the lab CA, issued AGO days ago for DAYS days; with
# NAME.p12 (the lab's PKCS#12 passphrase).
cert() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1.key" 2>/dev/null &&
	    LAB_CERT_EMAIL=$2 openssl req -new \
		-config "$TOP/tests/lab/conf/openssl.cnf" -key "$1.key" \
		-subj "/O=sealmail lab/CN=$1" -out "$1.csr" &&
	    LAB_CERT_EMAIL=$2 faketime -f "-$3d" openssl x509 -req \
		-in "$1.csr" -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
		-set_serial "0x$(openssl rand -hex 8)" -days "$4" -sha256 \
		-extfile "$TOP/tests/lab/conf/openssl.cnf" -extensions smime \
		-out "$1.pem" 2>/dev/null &&
	    openssl pkcs12 -export -in "$1.pem" -inkey "$1.key" \
		-passout "file:$T/p12pw" -out "$1.p12" && chmod 600 "$1.p12"
}
fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
check "alice's first identity, issued 20 days ago" cert alice-a alice@example.test 20 300
check "her renewed one, issued 10 days ago" cert alice-b alice@example.test 10 300
check "an expired one of hers" cert alice-x alice@example.test 60 30
check "bob's first certificate" cert bob-a bob@example.test 20 300
check "his renewed one" cert bob-b bob@example.test 10 300

check "the lab CA is trusted" S keys trust "$LAB_CA"
check "the renewed identity imports" S keys import alice-b.p12 \
    --passphrase-file "$T/p12pw"
check "then the first one (kept for the mail it opens)" S keys import \
    alice-a.p12 --passphrase-file "$T/p12pw"
check "bob's first certificate imports" S keys import bob-a.pem
check "then his renewed one" S keys import bob-b.pem
S keys list --json >list.json
check_eq "keys list shows both identities" \
    "$(printf '%s\n' "$(fp alice-a.pem)" "$(fp alice-b.pem)" | sort | tr '\n' ' ')" \
    "$(json list.json '" ".join(sorted(x["fingerprint"] for x in d if x["kind"] == "identity"))') "

# sent SUBJECT: the message of SUBJECT delivered to bob, as bob-b opens
# it (decrypted, then its signer's certificate in signer.pem).
sent() {
	_f=$(maildir_find "$BOXES" "$1@example.test") || return 1
	openssl cms -decrypt -recip bob-b.pem -inkey bob-b.key -in "$_f" \
	    -out plain.eml 2>/dev/null || return 1
	openssl cms -verify -noverify -in plain.eml -signer signer.pem \
	    -out /dev/null 2>/dev/null
}
# mail SUBJECT: alice sends SUBJECT to bob, signed and encrypted.
mail() {
	printf 'From: alice@example.test\nTo: bob@example.test\nSubject: %s\nMessage-ID: <%s@example.test>\n\nrenewed\n' \
	    "$1" "$1" >"$1.txt"
	S send --encrypt "$1.txt"
}
check "a message to bob is sent" mail "one-$ID"
check "it is encrypted to bob's renewed certificate" sent "one-$ID"
check_eq "it is signed with alice's renewed identity, imported first" \
    "$(fp alice-b.pem)" "$(fp signer.pem 2>/dev/null)"

check "an expired identity of hers is imported last" S keys import \
    alice-x.p12 --passphrase-file "$T/p12pw"
check_match "... with a note that it has expired and signs no more" \
    'note: this identity has expired: it opens the mail sent to it, and signs only where no valid one is left' \
    "$(cat "$T/.err")"
check "a message is still sent" mail "two-$ID"
S keys list --json >list2.json
check_eq "keys list says that the renewed identity signs, and only it" \
    "[\"$(fp alice-b.pem)\"]" \
    "$(json list2.json '[x["fingerprint"] for x in d if x.get("signs")]')"
check_eq "... for her address" '["alice@example.test"]' \
    "$(json list2.json '[x["signs"] for x in d if x.get("signs")][0]')"
S keys list >list2.txt
check_eq "the text of keys list says it once" 1 \
    "$(grep -c '^         signs mail from alice@example.test$' list2.txt)"
check "... encrypted to bob's renewed certificate" sent "two-$ID"
check_eq "... and signed with the renewed identity, not the expired one" \
    "$(fp alice-b.pem)" "$(fp signer.pem 2>/dev/null)"

# Mail encrypted to the first identity still opens beside the others.
printf 'Content-Type: text/plain\r\n\r\nfor the first key\r\n' |
    openssl cms -encrypt -aes256 -from bob@example.test \
	-to alice@example.test -subject old alice-a.pem >old.eml
S inspect --json old.eml >old.json 2>/dev/null
check_eq "mail to the first identity is decrypted" decrypted \
    "$(json old.json 'd["encryption"]')"
t_done
