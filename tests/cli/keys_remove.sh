#!/bin/sh
# keys remove FINGERPRINT: a correspondent's certificate, a trust anchor
# (whose signers are then trusted no more) and a retired identity (only
# with --with-key, as its key goes with it) leave the key store; mail
# stored before stays readable; bad and unknown fingerprints are one line.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
cli_home
alice_config "$H" password
alice_folder "rm$$"
trap 'rm -rf "$FD"' EXIT
S="$LAB_SMIME_DIR"
secret "$T/p12pw" "$LAB_P12_PASS"
fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
ALICE=$(fp "$S/alice.pem") BOB=$(fp "$S/bob.pem") CA=$(fp "$LAB_CA")

check "alice's identity imports" sm keys import "$S/alice.p12" \
    --passphrase-file "$T/p12pw"
check "bob's certificate imports" sm keys import "$S/bob.pem"
check "the lab CA is trusted" sm keys trust "$LAB_CA"
# kinds: the kinds of the key store's imported entries, sorted (the
# SMIMEA records the lab publishes for bob are kept there too).
kinds() { sm keys list --json 2>/dev/null | json /dev/stdin 'sorted(x["kind"] for x in d if x["source"] == "imported")'; }

# A message bob signed and encrypted to alice, read before and after.
printf 'Content-Type: text/plain\r\n\r\nstill here\r\n' |
    openssl cms -sign -signer "$S/bob.pem" -inkey "$S/bob.key" -md sha256 \
	-from bob@example.test -to alice@example.test -subject kept \
	>"$T/signed.eml"
openssl cms -encrypt -aes256 -in "$T/signed.eml" -from bob@example.test \
    -to alice@example.test -subject kept "$S/alice.pem" >"$T/enc.eml"
sm inspect --json "$T/signed.eml" >"$T/before.json" 2>/dev/null
check_eq "bob's signature is valid by the CA and by SMIMEA" 'valid pkix+dane' \
    "$(json "$T/before.json" 'd["signature"] + " " + d["trust"]')"

check "keys remove of bob's certificate" sm keys remove "$BOB"
check_eq "... says what it removed" "removed peer bob@example.test" \
    "$(head -1 "$T/.out")"
check_eq "... and its fingerprint" "  SHA-256 $BOB" "$(sed -n 2p "$T/.out")"
check_eq "bob's certificate is gone" '["anchor", "identity"]' "$(kinds)"

check "keys remove of the anchor, its fingerprint in capitals" \
    sm keys remove "$(echo "$CA" | tr a-f A-F)"
check_match "... says it removed the anchor" '^removed anchor CN=sealmail lab CA' \
    "$(head -1 "$T/.out")"
sm inspect --json "$T/signed.eml" >"$T/after.json" 2>/dev/null
check_eq "the CA vouches for bob's signature no more (SMIMEA alone does)" \
    'valid dane' "$(json "$T/after.json" 'd["signature"] + " " + d["trust"]')"

check_error "an identity is not removed without --with-key" 1 \
    "is your identity alice@example.test: its private key would be gone for good.*--with-key" \
    sm keys remove "$ALICE"
check_eq "... and stays" '["identity"]' "$(kinds)"
sm inspect --json "$T/enc.eml" >"$T/enc1.json" 2>/dev/null
check_eq "mail to it opens while it is there" decrypted \
    "$(json "$T/enc1.json" 'd["encryption"]')"
alice_deliver "$T/enc.eml"
check "sync stores it" sm sync --folder "rm$$"
id=$(sm list --json --folder "rm$$" 2>/dev/null | json /dev/stdin 'd[0]["id"]')
check "with --with-key it is removed" sm keys remove --with-key "$ALICE"
check_eq "... saying so" "removed identity alice@example.test" \
    "$(head -1 "$T/.out")"
check_eq "the key store holds nothing imported" '[]' "$(kinds)"
sm inspect --json "$T/enc.eml" >"$T/enc2.json" 2>/dev/null
check_eq "mail to it no longer opens" undecryptable \
    "$(json "$T/enc2.json" 'd["encryption"]')"
sm show --json "$id" >"$T/show.json" 2>/dev/null
check_eq "the stored copy still reads, decrypted" 'decrypted still here' \
    "$(json "$T/show.json" 'd["encryption"] + " " + d["text"].strip()')"

check_error "a fingerprint not in the key store is one line" 1 \
    "^sealmail: no certificate $ALICE in the key store$" \
    sm keys remove "$ALICE"
check_error "a word that is no fingerprint is one line naming it" 1 \
    "^sealmail: 0123abc: not a SHA-256 fingerprint" sm keys remove 0123abc
check_error "no fingerprint is a usage error" 2 \
    "keys remove: FINGERPRINT is missing" sm keys remove
t_done
