#!/bin/sh
# A postponed draft keeps the compose screen's sign and encrypt choice. The
# account has encrypt = no. A reply to mail that came encrypted starts on
# "auto" (encrypted where it can be, else asked); postponed, the program
# ended, and recalled with R, it is on "auto" still, and goes to bob
# encrypted: its quote never crosses the network in clear. A new message
# set to encrypt (x) and unsigned (s), postponed and recalled, is still
# so, and the draft made again from the command line starts anew. A
# reply being written when the program is killed (kill -9) is recovered
# with its choice too.
. "$TOP/tests/lib.sh"
ui_alice uire "ui recall passphrase"
alice_identity
sed -i 's|^ca-file = .*|&\nsign = yes\nencrypt = no|' "$H/config"
check_match "the account does not encrypt" '^encrypt = no$' "$(cat "$H/config")"
printf 'Content-Type: text/plain\n\nthe vault code is 7391-%s\n' "$ID" > ent
openssl cms -encrypt -aes-256-gcm -in ent -out enc "$LAB_SMIME_DIR/alice.pem"
{ printf 'From: bob@example.test\nTo: alice@example.test\n'
  printf 'Subject: vault %s\nMessage-ID: <uire-%s@example.test>\n' "$ID" "$ID"
  cat enc; } > m1
alice_deliver m1 S
check "alice syncs the encrypted message" S sync --folder "$FOLD"
bob_editor "" 'the answer'
ui_start "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_open_folder "$FOLD"
check "the test folder" wait_for "vault $ID"
key r
check "the reply to encrypted mail: encrypt on auto" \
    wait_for 'Send to bob@example.test\?.*x:encrypt \[auto\]'
check_match "its quote holds the secret" "7391-$ID" "$(cat "$T/draft.txt")"
ui_press "P postpones it" 'postponed as draft [0-9]+' P
key Q
check "the program ends" wait_for 'EXITED 0'
ui_restart "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens again" wait_for 'sealmail: INBOX'
key R
check "R lists the drafts" wait_for 'sealmail: drafts'
ui_open_msg "Re: vault $ID"
check "recalled: encrypt on auto still" \
    wait_for 'Send to bob@example.test\?.*x:encrypt \[auto\]'
key y
check "sent to bob encrypted" \
    wait_for 'sent <.*> to 1 recipient, signed, aes-256' 300
check_eq "no copy of bob's holds the secret in clear" 0 \
    "$(bob_got "7391-$ID")"

# A new message: x to encrypt (the account says no), s not to sign.
bob_editor "choice $ID" 'chosen'
key m
check "a new message: encrypt no, sign yes" \
    wait_for 'Send to bob@example.test\?.*s:sign \[yes\]  x:encrypt \[no\]'
key x s
check "x and s: encrypt auto, sign no" \
    wait_for 's:sign \[no\]  x:encrypt \[auto\]'
key x
check "x again: encrypt yes" wait_for 's:sign \[no\]  x:encrypt \[yes\]'
ui_press "P postpones it" 'postponed as draft [0-9]+' P
key R
check "R lists the drafts" wait_for "choice $ID"
ui_open_msg "choice $ID"
check "recalled: encrypt yes, sign no" \
    wait_for 'Send to bob@example.test\?.*s:sign \[no\]  x:encrypt \[yes\]'
check "q discards it" ui_discard
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: cli %s\n\nx\n' \
    "$ID" > cli.txt
check_match "a draft saved from the command line" '^[0-9]+$' \
    "$(S draft save cli.txt)"
key R
check "R lists it" wait_for "cli $ID"
ui_open_msg "cli $ID"
check "it has the account's choice" \
    wait_for 'Send to bob@example.test\?.*s:sign \[yes\]  x:encrypt \[no\]'
check "q discards it too" ui_discard

# kill -9 while the editor has a reply to the encrypted mail: the next
# start keeps the text, and the choice, from the file's name.
key Q
check "the program ends" wait_for 'EXITED 0'
cat > "$T/hang.sh" <<EOM
#!/bin/sh
printf 'written before the crash\n' >> "\$1"
echo \$\$ > "$T/hung.tmp" && mv "$T/hung.tmp" "$T/hung"
exec sleep 60
EOM
chmod +x "$T/hang.sh"
ui_restart "$H" 130x40 "HOME='$T' EDITOR='$T/hang.sh'"
check "the program opens, a third time" wait_for 'sealmail: INBOX'
UIPID=$(pgrep -P "$($TM display-message -p -t ui '#{pane_pid}')" | head -1)
ui_open_folder "$FOLD"
check "the test folder, again" wait_for "vault $ID"
key r
i=0; while [ ! -e "$T/hung" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
check "the editor has written" test -e "$T/hung"
kill -9 "$UIPID"
kill "$(cat "$T/hung")" 2>/dev/null
ui_restart "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the next start keeps it" wait_for '1 unsent message kept as draft'
key R
check "R lists the drafts" wait_for "Re: vault $ID"
ui_open_msg "Re: vault $ID"
check "recovered: encrypt on auto, as it was" \
    wait_for 'Send to bob@example.test\?.*x:encrypt \[auto\]'
check "q discards the recovered one" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
