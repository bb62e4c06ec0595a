# The verdict strip and the certificate screen never say more than the
# truth about a signer, driven through tmux over mail synced from the
# lab's Dovecot with the lab CA trusted and its OCSP responder up. A
# signer whose certificate the CA revoked: the strip says it is revoked,
# in the bad colour, and nowhere that an authority vouches for it; V says
# REVOKED beside the dates. A good certificate's signature with a SHA-1
# digest: not trusted, and no authority vouches either. A good signature:
# verified, an authority vouches, V says it is not revoked.
. "$TOP/tests/lib.sh"
F="uirevoked$$"
ui_lab uirevoked "$F"
alice_lab_home 'ui revoked passphrase'
check "the lab CA becomes a trust anchor" S keys trust "$LAB_CA"

RV=$LAB_REVOKE_DIR
printf 'Content-Type: text/plain\r\n\r\nthe signed words\r\n' > "$T/part"
# put WHO DIGEST SUBJECT: a message signed by the lab's WHO certificate.
put() {
	openssl cms -sign -md "$2" -signer "$RV/$1.pem" -inkey "$RV/$1.key" \
	    -in "$T/part" -crlfeol -out "$T/signed" 2>/dev/null
	{ printf 'From: %s@example.test\nTo: alice@example.test\n' "$1"
	  printf 'Subject: %s\nDate: 3 Nov 2026 10:00:00 +0000\n' "$3"
	  cat "$T/signed"; } > "$T/m"
	alice_deliver "$T/m" S
}
put rv-revoked sha256 'rv-revoked-signer'
put rv-good sha1 'rv-sha1-digest'
put rv-good sha256 'rv-good-signer'
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"
S list --json --folder "$F" > "$T/list.json"
show_of() {
	S show --json "$(json "$T/list.json" "[m['id'] for m in d if m['subject'] == '$1'][0]")" |
	    python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["signature"], d["trust"], d["revocation"])'
}
check_eq "the store: the revoked signer is untrusted, chained by PKIX" \
    'untrusted pkix revoked' "$(show_of rv-revoked-signer)"
check_eq "the store: the SHA-1 signature is untrusted, chained by PKIX" \
    'untrusted pkix good' "$(show_of rv-sha1-digest)"
check_eq "the store: the good signer is valid" 'valid pkix good' \
    "$(show_of rv-good-signer)"

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(3\\)"

ui_open_msg 'rv-revoked-signer'
check "the revoked signer's message opens" ui_wait_for 'Subject: rv-revoked-signer'
check_match "the strip says the certificate is revoked" \
    "^SIGNER'S CERTIFICATE IS REVOKED" "$(ui_screen | sed -n 2p)"
check "in the bad colour" ui_row_colour 2 1 2-7
check_nomatch "and nowhere that an authority vouches for it" 'vouches for the certificate' \
    "$(ui_strip)"
check_match "it names the signer and how its chain was built, and that it is not trusted" \
    'signer rv-revoked@example.test, trust pkix: the chain reaches a trust anchor, yet the certificate is not trusted' \
    "$(ui_strip)"
check_match "the finding says revoked" 'Warning: signer 1: the certificate is revoked' "$(ui_strip)"
ui_press "V: the certificate screen says REVOKED" \
    'Revocation: +REVOKED by its issuer' V
check_match "...since when, as the finding says" \
    'Revocation: +REVOKED by its issuer since [0-9-]+ [0-9:]+ UTC \(OCSP or CRL' \
    "$(ui_screen)"
$TM send-keys -t ui q q
sleep 0.3

ui_open_msg 'rv-sha1-digest'
check "the SHA-1 message opens" ui_wait_for 'Subject: rv-sha1-digest'
check_match "the strip says the signature is not trusted" \
    '^Signature not trusted: the mathematics holds' "$(ui_screen | sed -n 2p)"
check_nomatch "and that no authority vouches for it" 'vouches for the certificate' \
    "$(ui_strip)"
check_match "the finding names the digest" 'weaker than SHA-256' "$(ui_strip)"
ui_press "V: not revoked" 'Revocation: +not revoked' V
$TM send-keys -t ui q q
sleep 0.3

ui_open_msg 'rv-good-signer'
check "the good signer's message opens" ui_wait_for 'Subject: rv-good-signer'
check_match "the strip says verified, and that an authority vouches" \
    '^Signed and verified — signer rv-good@example.test, trust pkix: a trusted authority vouches' \
    "$(ui_strip)"
ui_press "V: not revoked" 'Revocation: +not revoked' V
$TM send-keys -t ui q q
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
