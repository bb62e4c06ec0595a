# The compose screen of a user whose own certificate its issuer revoked
# (the lab's rv-revoked, its OCSP responder saying so): y sends nothing,
# the status line says the identity may not sign and what to do, and the
# compose screen stays with what was written; s turns signing off and y
# then queues it, unsigned (the lab's Postfix refuses this sender, so it
# waits in the outbox); K marks the identity REVOKED.
. "$TOP/tests/lib.sh"
ui_alice uirvsign "ui revoked sign passphrase"
sed -i 's/^address = .*/address = rv-revoked@example.test\nuser = alice@example.test\nsign = yes\nencrypt = auto/' \
    "$H/config"
printf '\n[security]\ntimeout = 3\n' >> "$H/config"
openssl pkcs12 -export -in "$LAB_REVOKE_DIR/rv-revoked.pem" \
    -inkey "$LAB_REVOKE_DIR/rv-revoked.key" -certfile "$LAB_CA" \
    -passout "pass:rv" -out "$T/rv.p12"
secret "$T/rvpw" rv
check "the revoked identity imports" S keys import "$T/rv.p12" \
    --passphrase-file "$T/rvpw"
check "the lab CA becomes a trust anchor" S keys trust "$LAB_CA"
check "bob's certificate imports" S keys import "$LAB_SMIME_DIR/bob.pem"
ui_editor
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: signed by the revoked $ID/' "\$1"
printf 'words kept\n' >> "\$1"
EOM
ui_start "$H" 120x30 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: (.*: )?INBOX'
key m
check "the compose screen" wait_for "^Subject: +signed by the revoked $ID"
check "signing is on" wait_for 's:sign \[yes\]'
key y
check "y: the status line says the identity may not sign" \
    wait_for 'cannot sign as rv-revoked@example.test: the certificate is revoked \(OCSP\)'
check "the compose screen is still shown" \
    wait_for "^Subject: +signed by the revoked $ID"
check_eq "nothing was queued" "the outbox is empty" "$(S outbox 2>/dev/null)"
key s
check "s: signing off" wait_for 's:sign \[no\]'
key y
check "y: queued, unsigned (the lab refuses the sender: it waits)" \
    wait_for 'not sent, kept in the outbox'
S outbox --json > "$T/outbox.json" 2>/dev/null
check_eq "the outbox holds it, unsigned" "signed by the revoked $ID none" \
    "$(json "$T/outbox.json" '" ".join(x["subject"] + " " + x["signature"] for x in d)')"
ui_press "K: the key store" 'sealmail: key store' K
check_match "...marks the identity REVOKED" \
    'identity +rv-revoked@example.test .*  REVOKED$' "$(ui_screen)"
ui_press "Q quits cleanly" 'EXITED 0' q Q
t_done
