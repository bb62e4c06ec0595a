#!/bin/sh
# Sending to a submission server that takes the message data and closes
# the connection without a word (tests/hostile/server.py, dropdot): the
# message may have been delivered, so the status line says it is kept in
# the outbox in doubt, not that it was not sent, and the outbox screen's
# y asks first. The server did get the message, once.
. "$TOP/tests/lib.sh"
ui_alice uiid "ui indoubt passphrase"
alice_identity
hostile_up server.py --proto smtp --mode dropdot --implicit \
    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
    --record "$T/rec" --lifetime 120
trap hostile_down EXIT
sed -i "s|^smtp = .*|smtp = submissions://mail.example.test:$port\\
sign = no\\
encrypt = no|" "$H/config"
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: doubt $ID\nMessage-ID: <uiid-$ID@example.test>/' "\$1"
printf 'did it arrive?\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 160x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_press "the compose screen" '^Send.*\?  y:send' m
key y
check "the status says it is kept in doubt, and why" \
    wait_for '^kept in the outbox in doubt: .*closed the connection.*so it may have been delivered' 300
check_nomatch "not that it was not sent" 'not sent' "$(ui_screen)"
check_match "it is in doubt" "in-doubt +doubt $ID" "$(S outbox 2>/dev/null)"
check_eq "the server got it once" 1 \
    "$(grep -c "^Message-ID: <uiid-$ID@" "$T/rec")"
check "c lists the outbox" ui_open_folder outbox
check "with the message" wait_for "doubt $ID"
key y
check "y asks first" wait_for 'may have been delivered. Send it again\? \(y/N\)'
key n
key Q
check "the program ends" wait_for 'EXITED 0'
hostile_down
t_done
