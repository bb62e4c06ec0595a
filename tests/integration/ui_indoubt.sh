#!/bin/sh
# Sending to a submission server that takes the message data and closes
# the connection without a word (tests/hostile/server.py, dropdot): the
# message may have been delivered, so the status line says it is kept in
# the outbox in doubt, not that it was not sent, and the outbox screen's
# y asks first, also for a message another process left in doubt after
# the list was drawn. The server did get each message, once.
. "$TOP/tests/lib.sh"
ui_alice uiid "ui indoubt passphrase"
alice_identity
hostile_up server.py --proto smtp --mode dropdot --implicit \
    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
    --record "$T/rec" --lifetime 120
trap 'hostile_down; $TM kill-server 2>/dev/null; rm -rf "$FD"; lab_forget "$ID"' EXIT
sed -i "s|^smtp = .*|smtp = submissions://mail.example.test:$port\\
sign = no\\
encrypt = no|" "$H/config"
# No server to sync from: the watcher's sync of the lab's INBOX (other
# tests' mail) would redraw the outbox whenever it ends, and the list must
# stay as drawn while another process changes what it shows.
sed -i 's|^imap = .*|imap = imap://mail.example.test:9|' "$H/config"
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

# A message the list shows queued, left in doubt by another process's
# outbox send while the list is on the screen: y asks first all the
# same, for it reads the state the store has now. outbox send
# --if-queued, which y runs for a message it did not ask about, refuses
# one in doubt.
hostile_down
printf 'To: bob@example.test\nSubject: later %s\nMessage-ID: <uiid2-%s@example.test>\n\nand this one?\n' \
    "$ID" "$ID" >"$T/later.txt"
S send "$T/later.txt" >/dev/null 2>&1
check_match "a second message waits, queued" "queued +later $ID" \
    "$(S outbox 2>/dev/null)"
key q
check "c lists the outbox again" ui_open_folder outbox
check "with the second message, queued" \
    wait_for "queued +bob@example.test +later $ID"
hostile_up server.py --proto smtp --mode dropdot --implicit \
    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
    --record "$T/rec" --lifetime 120
S outbox send >/dev/null 2>&1
check_match "another process's outbox send left it in doubt" \
    "in-doubt +later $ID" "$(S outbox 2>/dev/null)"
check_match "while the screen still shows it queued" \
    "queued +bob@example.test +later $ID" "$(ui_screen)"
key Down
key y
check "y on it asks first" \
    wait_for 'may have been delivered. Send it again\? \(y/N\)'
key n
check_eq "the server got it once" 1 \
    "$(grep -c "^Message-ID: <uiid2-$ID@" "$T/rec")"
id2=$(S outbox --json | json /dev/stdin \
    "[x['id'] for x in d if x['subject'] == 'later $ID'][0]")
S outbox send --if-queued "$id2" >"$T/out" 2>"$T/err"; rc=$?
check_eq "outbox send --if-queued refuses it (1)" 1 "$rc"
check_match "saying it is no longer queued" \
    "message $id2 is no longer queued: .*may have been delivered" \
    "$(tail -1 "$T/err")"
check_eq "the server still got it once" 1 \
    "$(grep -c "^Message-ID: <uiid2-$ID@" "$T/rec")"
key Q
check "the program ends" wait_for 'EXITED 0'
hostile_down
t_done
