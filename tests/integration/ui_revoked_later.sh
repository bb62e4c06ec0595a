# A signer's certificate revoked after its mail was read, driven through
# tmux over mail synced from the lab's Dovecot, with an OCSP responder of
# this test's (tests/lab/revoke.py) whose answers are good for 15 s. The
# message is read while the certificate is good: its stored verdict is
# valid and good, and stays so. The issuer then revokes it (for key
# compromise): the message read again (inspect) is untrusted, its
# finding saying when and why, and that the signing time given is before.
# Once the store learns of that (keys lookup asks again, the good answer
# having lapsed),
# the pager's strip says, in the bad colour, that the certificate has been
# found revoked since, and is no longer green; V says so beside the status
# found at reading. A message whose signer nobody revoked says neither.
# K, the key store, marks the certificate REVOKED, in the bad colour.
. "$TOP/tests/lib.sh"
F="uirevlater$$"
ui_lab uirevlater "$F"
alice_lab_home 'ui revoked later passphrase'
printf '\n[security]\ntimeout = 3\n' >> "$H/config"
check "the lab CA becomes a trust anchor" S keys trust "$LAB_CA"

P=$((LAB_PORT_BASE + 889))
mkdir -p "$T/srv"
sh "$TOP/tests/lab/revoke-cert.sh" "$LAB_CA" "$LAB_CA_KEY" "$T/rv-later" \
    rv-later@example.test "http://127.0.0.1:$P/ocsp" -
cp "$LAB_CA" "$T/srv/ca.pem"
cp "$LAB_REVOKE_DIR/ocsp.pem" "$LAB_REVOKE_DIR/ocsp.key" "$T/srv/"
SERIAL=$(openssl x509 -noout -serial -in "$T/rv-later.pem" | cut -d= -f2)
# index V|R: the responder's database says the certificate is valid, or
# revoked now, for key compromise.
index() {
	if [ "$1" = V ]; then
		printf 'V\t361231000000Z\t\t%s\tunknown\t/CN=rv-later\n' \
		    "$SERIAL"
	else
		printf 'R\t361231000000Z\t%s,keyCompromise\t%s\tunknown\t/CN=rv-later\n' \
		    "$(date -u +%y%m%d%H%M%SZ)" "$SERIAL"
	fi > "$T/srv/index.txt"
}
index V
# Answers made 59 min 45 s ago for an hour: fresh for 15 s more.
revoke_serve "$P" --faketime=-3585
trap '$TM kill-server 2>/dev/null; rm -rf "$FD"; kill $revoke_pids 2>/dev/null' EXIT

printf 'Content-Type: text/plain\r\n\r\nwritten while all was well\r\n' > "$T/part"
# put CERT SUBJECT: a message signed with CERT (.pem, .key) into the folder.
put() {
	openssl cms -sign -md sha256 -signer "$1.pem" -inkey "$1.key" \
	    -in "$T/part" -crlfeol -out "$T/signed" 2>/dev/null
	{ printf 'From: %s\nTo: alice@example.test\n' \
	    "$(basename "$1")@example.test"
	  printf 'Subject: %s\nDate: %s\n' "$2" "$(date -R)"
	  cat "$T/signed"; } > "$T/m"
	alice_deliver "$T/m" S
}
put "$T/rv-later" 'signed-before-revocation'
put "$LAB_SMIME_DIR/alice" 'signed-by-alice'
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"
S list --json --folder "$F" > "$T/list.json"
id=$(json "$T/list.json" "[m['id'] for m in d if m['subject'] == 'signed-before-revocation'][0]")
show() {
	S show --json "$id" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["signature"], d["revocation"])'
}
check_eq "read while good: valid, good" 'valid good' "$(show)"
check_eq "...with nothing to warn of" '[]' \
    "$(S show --json "$id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["findings"])')"
check_eq "...the responder was asked once" 1 "$(grep -c 'POST /ocsp' "$T/srv-$P.log")"

# Revoked a second at least after the signing time, which a fast run
# would otherwise meet within the same second.
sleep 1
index R
sleep 15
S keys import "$T/rv-later.pem" >/dev/null 2>&1
S keys lookup --json rv-later@example.test > "$T/lookup.json" 2>"$T/err"
check_eq "the issuer revokes it: keys lookup asks again and finds it revoked" \
    revoked "$(json "$T/lookup.json" 'd["certificates"][0]["revocation"]')"
check_match "...keys list says so, with when and why" \
    'revocation REVOKED since [0-9T:-]+Z, keyCompromise \(OCSP, checked [0-9T:-]+Z\)' \
    "$(S keys list)"
check_eq "the stored verdict is the one found when it was read" \
    'valid good' "$(show)"
S export "$id" > "$T/again.eml"
S inspect --json "$T/again.eml" > "$T/again.json"
check_eq "read again now: untrusted, revoked" 'untrusted revoked' \
    "$(json "$T/again.json" 'd["signature"] + " " + d["revocation"]')"
check_match "...when, why, and that the signing time given is before it" \
    'revoked \(OCSP\) as of [0-9T:-]+Z \(keyCompromise\); the signing time the signer gave, [0-9T:-]+Z, is before that' \
    "$(json "$T/again.json" 'd["findings"]')"

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(2\\)"
since_row() { ui_screen | grep -n '^Since this message was read' | head -1 | cut -d: -f1; }

ui_open_msg 'signed-before-revocation'
check "the message opens" ui_wait_for 'Subject: signed-before-revocation'
check_match "the strip says it was verified when it was read" \
    '^Signed and verified' "$(ui_screen | sed -n 2p)"
check_match "...and that the certificate has been found revoked since" \
    "Since this message was read, its signer's certificate has been found REVOKED \\(OCSP, [0-9-]+ [0-9:]+ UTC\\): its signature vouches for nothing now" \
    "$(ui_strip)"
row=$(since_row)
check "...in the bad colour" ui_row_colour "${row:-0}" 1 2-7
check "...and the verdict line is no longer green" ui_row_colour 2 3 2
ui_press "V: the status found at reading" \
    'Revocation: +not revoked \(OCSP or CRL, when the message was read\)' V
check_match "V: and that it has been found revoked since" \
    "Now: +Since this message was read, its signer's certificate has been found REVOKED" \
    "$(ui_screen | tr '\n' ' ' | sed 's/  */ /g')"
$TM send-keys -t ui q q
sleep 0.3

ui_open_msg 'signed-by-alice'
check "alice's message opens" ui_wait_for 'Subject: signed-by-alice'
check_nomatch "a signer nobody revoked: nothing of the kind" \
    'found REVOKED' "$(ui_strip)"
$TM send-keys -t ui q
ui_press "K: the key store" 'sealmail: key store' K
krow=$(ui_screen | grep -n 'rv-later@example.test' | head -1 | cut -d: -f1)
check_match "...says the certificate is revoked" \
    'peer +rv-later@example.test .*  REVOKED$' "$(ui_screen | sed -n "${krow:-0}p")"
# Its colour shows off the selected row, drawn in the cursor's: G selects
# the last, the trust anchor.
$TM send-keys -t ui G
sleep 0.3
check "...in the bad colour" ui_row_colour "${krow:-0}" 1 2-7
check_nomatch "...and no other certificate" 'alice@example.test.*REVOKED' \
    "$(ui_screen)"
ui_press "Q quits cleanly" 'EXITED 0' q Q
t_done
