#!/bin/sh
# Sending while the submission server is down says where the message is.
# At 80x24, with the account's submission port refusing connections, y on
# the compose screen queues the message and cannot send it: the status
# line says it was not sent and waits in the outbox (before the server's
# reason), so that nobody writes it again. With the server back, y on the
# outbox screen sends it; bob has it once, and the outbox is empty.
. "$TOP/tests/lib.sh"
ui_alice uisd "ui smtpdown passphrase"
alice_identity
# bob's certificate comes from SMIMEA: under load the checking build was
# seen to need more than the default 5 s to validate it.
printf 'timeout = 20\n' >> "$H/config"
# port PORT: the account submits to PORT.
port() {
	sed -i "s|^smtp = .*|smtp = submission://mail.example.test:$1|" "$H/config"
}
port 9
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: down $ID\nMessage-ID: <uisd-$ID@example.test>/' "\$1"
printf 'the server was down\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_press "the compose screen" '^Send\?  y:send' m
key y
check "the status says it waits in the outbox, then why" \
    wait_for '^not sent, kept in the outbox: .*cannot connect' 300
check_match "it is queued" "queued +down $ID" "$(S outbox 2>/dev/null)"
check_nomatch "and no draft" "down $ID" "$(S draft list 2>/dev/null)"
port "$LAB_SUBMISSION_PORT"
check "c lists the outbox" ui_open_folder outbox
check "with the message" wait_for "down $ID"
key y
check "y sends it" wait_for "sent 1 message" 300
check_eq "bob has it once" 1 "$(bob_got "uisd-$ID")"
check_eq "the outbox is empty" "[]" "$(S outbox --json 2>/dev/null)"
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
