#!/bin/sh
# send checks the certificates it encrypts to for revocation, as a
# signer's are checked, against the lab's OCSP responder and CRL
# (tests/lab/revoke.py): a recipient whose certificate is revoked is
# refused with one line naming the address, whether encryption was asked
# for or only automatic, and the message stays a draft; a good one and
# one whose status is unknown (with a warning) are queued; with
# revocation = off nothing is asked. The sender's own certificate is
# checked before it signs: revoked, the message is refused and stays a
# draft that --no-sign sends; unknown, a warning.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
R=$LAB_REVOKE_DIR
LOG=$LAB_DIR/log/revoke.log
requests() { wc -l < "$LOG" 2>/dev/null || echo 0; }

# setup NAME [SECURITY-LINES]: alice's home $T/NAME (encrypt = auto,
# a [security] section), her identity, the lab CA, and the certificates
# of rv-revoked, rv-good and rv-down (whose responder is not there).
mkdir -p "$T/c"
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/c/rv-down" \
    rv-down@example.test "http://127.0.0.1:$((LAB_PORT_BASE + 887))/ocsp" -
setup() {
	H=$T/$1
	sender_home "$H"
	sender_config "$H" "$LAB_IMAP_PORT" mail.example.test \
	    "$LAB_DNS_RESOLVER" auto
	printf '\n[security]\ntimeout = 2\n%b' "${2:-}" >> "$H/config"
	check "$1: alice's identity imported" S keys import \
	    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
	check "$1: the lab CA trusted" S keys trust "$LAB_CA"
	for c in "$R/rv-revoked" "$R/rv-good" "$T/c/rv-down"; do
		check "$1: ${c##*/} imported" S keys import "$c.pem"
	done
}
S() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
setup ocsp

# msg N TO: a message to TO in $T/mN.txt.
msg() {
	printf 'To: %s\nSubject: revocation %s\nMessage-ID: <revoke-send-%s-%s@example.test>\n\nfor %s\n' \
	    "$2" "$1" "$1" "$ID" "$2" > "$T/m$1.txt"
}
# subjects: the subjects of a JSON array of messages on stdin, a line each.
subjects() {
	python3 -c 'import json, sys
for d in json.load(sys.stdin):
    print(d.get("subject"))'
}
drafts() { S draft list --json 2>/dev/null | subjects; }
queued() { S outbox --json 2>/dev/null | subjects; }

# --- revoked: refused, kept as a draft ----------------------------------------
msg 1 rv-revoked@example.test
n0=$(requests)
S send --encrypt "$T/m1.txt" >out 2>err; rc=$?
check_eq "send --encrypt to a revoked certificate: exit 1" 1 "$rc"
check_eq "...one line says why, naming the address" \
    "sealmail: cannot encrypt to rv-revoked@example.test: the certificate is revoked (OCSP)" \
    "$(grep -v 'kept as draft' err)"
check_match "...and the message is kept as a draft" 'kept as draft [0-9]+' \
    "$(cat err)"
check_match "...which draft list shows" '^revocation 1$' "$(drafts)"
check_nomatch "...and nothing was queued" 'revocation 1' "$(queued)"
check_eq "...after the responder was asked" "POST /ocsp" \
    "$(tail -n +$((n0 + 1)) "$LOG" | head -1)"

msg 2 'Bob <bob@example.test>, rv-revoked@example.test'
S send "$T/m2.txt" >out 2>err; rc=$?
check_eq "encrypt = auto: refused as well, not sent in the clear" 1 "$rc"
check_match "...naming the revoked recipient" \
    'cannot encrypt to rv-revoked@example.test: the certificate is revoked' \
    "$(cat err)"
check_match "...kept as a draft" '^revocation 2$' "$(drafts)"
check_nomatch "...nothing queued" 'revocation 2' "$(queued)"

# --- by the CRL ---------------------------------------------------------------
setup crl 'revocation = crl\n'
msg 3 rv-revoked@example.test
S send --encrypt "$T/m3.txt" >out 2>err; rc=$?
check_eq "revocation = crl: exit 1" 1 "$rc"
check_match "...revoked on the CRL" \
    'cannot encrypt to rv-revoked@example.test: the certificate is revoked \(CRL\)' \
    "$(cat err)"
check_match "...kept as a draft" '^revocation 3$' "$(drafts)"
id=$(S draft list --json | python3 -c 'import json,sys; print([d["id"] for d in json.load(sys.stdin) if d["subject"] == "revocation 3"][0])')
S send --draft "$id" >out 2>err; rc=$?
check_eq "the draft sent again: refused again (the answer kept)" 1 "$rc"
check_eq "...still one draft of it" 1 "$(drafts | grep -c '^revocation 3$')"

# --- good and unknown: queued -------------------------------------------------
H=$T/ocsp
msg 4 rv-good@example.test
S send --encrypt "$T/m4.txt" >out 2>err
check_nomatch "a good certificate: not refused" 'is revoked|kept as draft' \
    "$(cat err)"
check_nomatch "...not kept as a draft" '^revocation 4$' "$(drafts)"
check "...it was queued (sent, or in the outbox)" \
    sh -c "grep -q 'sent <revoke-send-4-' '$T/out' || \"$SEALMAIL\" --home '$H' --passphrase-file '$T/pw' outbox --json | grep -q 'revocation 4'"
msg 5 rv-down@example.test
t0=$(date +%s%N)
S send --encrypt "$T/m5.txt" >out 2>err
ms=$((($(date +%s%N) - t0) / 1000000))
check_match "a responder that cannot be reached: a warning" \
    "encrypting to rv-down@example.test: the certificate's revocation status is unknown" \
    "$(cat err)"
check_nomatch "...not refused" 'kept as draft' "$(cat err)"
if [ "$ms" -lt 15000 ]; then ok "...in bounded time: $ms ms"
else notok "...in bounded time: $ms ms"; fi

# --- the sender's own certificate ----------------------------------------------
# signer NAME CERT: a home $T/NAME whose account is CERT's address, with
# CERT (and its key) as the identity it signs with.
signer() {
	H=$T/$1
	sender_home "$H"
	sender_config "$H" "$LAB_IMAP_PORT" mail.example.test \
	    "$LAB_DNS_RESOLVER" no "user = $LAB_ALICE"
	sed -i "s/^address .*/address = ${2##*/}@example.test/" "$H/config"
	printf '\n[security]\ntimeout = 2\n' >> "$H/config"
	openssl pkcs12 -export -in "$2.pem" -inkey "$2.key" -certfile "$LAB_CA" \
	    -passout "file:$T/p12pw" -out "$T/$1.p12"
	check "$1: the identity ${2##*/} imported" S keys import "$T/$1.p12" \
	    --passphrase-file "$T/p12pw"
	check "$1: the lab CA trusted" S keys trust "$LAB_CA"
}
signer self "$R/rv-revoked"
printf 'From: rv-revoked@example.test\nTo: bob@example.test\nSubject: revocation 7\nMessage-ID: <revoke-send-7-%s@example.test>\n\nsigned?\n' \
    "$ID" > "$T/m7.txt"
n0=$(requests)
S send "$T/m7.txt" >out 2>err; rc=$?
check_eq "signing with one's own revoked certificate: exit 1" 1 "$rc"
check_eq "...one line says why and what to do" \
    "sealmail: cannot sign as rv-revoked@example.test: the certificate is revoked (OCSP); import a new identity or send unsigned" \
    "$(grep -v 'kept as draft' err)"
check_match "...the message is kept as a draft" '^revocation 7$' "$(drafts)"
check_nomatch "...nothing queued" 'revocation 7' "$(queued)"
check_eq "...after the responder was asked" "POST /ocsp" \
    "$(tail -n +$((n0 + 1)) "$LOG" | head -1)"
check_match "...and keys list says the identity is revoked" \
    'revocation REVOKED since [0-9T:-]+Z \(OCSP, checked' "$(S keys list)"
id=$(S draft list --json | python3 -c 'import json,sys; print([d["id"] for d in json.load(sys.stdin) if d["subject"] == "revocation 7"][0])')
S send --no-sign --draft "$id" >out 2>err
check_nomatch "--no-sign: the draft is not refused" 'cannot sign|kept as draft' \
    "$(cat err)"
check_match "...it was queued (the lab refuses this sender: it waits)" \
    '^revocation 7$' "$(queued)"
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/c/rv-selfdown" \
    rv-selfdown@example.test "http://127.0.0.1:$((LAB_PORT_BASE + 887))/ocsp" -
signer selfdown "$T/c/rv-selfdown"
printf 'From: rv-selfdown@example.test\nTo: bob@example.test\nSubject: revocation 8\nMessage-ID: <revoke-send-8-%s@example.test>\n\nsigned\n' \
    "$ID" > "$T/m8.txt"
S send "$T/m8.txt" >out 2>err
check_match "one's own certificate of unknown status: a warning" \
    "signing as rv-selfdown@example.test: the certificate's revocation status is unknown" \
    "$(cat err)"
check_match "...it is signed and queued" '^revocation 8$' "$(queued)"
check_eq "...signed" valid "$(S outbox --json | python3 -c 'import json,sys; print([d["signature"] for d in json.load(sys.stdin) if d["subject"] == "revocation 8"][0])')"

# --- off ----------------------------------------------------------------------
setup off 'revocation = off\n'
msg 6 rv-revoked@example.test
n0=$(requests)
S send --encrypt "$T/m6.txt" >out 2>err
check_nomatch "revocation = off: the revoked certificate is not refused" \
    'is revoked|kept as draft' "$(cat err)"
check_eq "...and no responder is asked" "$n0" "$(requests)"
t_done
