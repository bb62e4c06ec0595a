#!/bin/sh
# The terminal program open while another client (other_client) changes
# the mailbox: IDLE watches the INBOX only, and every `poll` seconds
# (5 here) every folder is synced, so that mail filed into another folder
# and what the other client changed there show in the open index with no
# key pressed.
. "$TOP/tests/lib.sh"
F="uioth$$"
ui_lab uioth "$F"
trap '$TM kill-server 2>/dev/null; other_client "unsubscribe $F" \
    >/dev/null 2>&1; rm -rf "$FD"' EXIT
alice_lab_home 'ui others passphrase'
sed -i '/^password-command/a poll = 5' "$H/config"
maildir_fill "$FD" 3
check "the folder is subscribed" other_client "subscribe $F"
check "a first sync" S sync

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "on the test folder" ui_open_folder "$F"
check "with its three messages" ui_wait_for "sealmail: $F \\(3\\)"
check "the other client files a message into it" \
    other_client "deliver $F/filed elsewhere"
check "it shows within 15 s, no key pressed" \
    ui_wait_for "sealmail: $F \\(4\\)"
check "by its subject" ui_wait_for "filed elsewhere"
check "the other client flags message 1 and expunges message 2" \
    other_client "select $F" 'uid STORE 1 +FLAGS (\Flagged)' \
    'uid STORE 2 +FLAGS (\Deleted)' expunge
check "message 2 goes within 15 s" ui_wait_for "sealmail: $F \\(3\\)"
check_nomatch "it is no longer listed" 'message 2$' "$(ui_screen)"
check_match "message 1 shows flagged" '^ +1 N?F .*message 1$' \
    "$(ui_screen)"

# Open in the pager when the other client expunges it: said so, the title
# no longer numbering it among the folder's messages.
check "message 3 opens" ui_open_msg "message 3"
check "in the pager" ui_wait_for "message [0-9]+ of 3 in $F"
check "the other client expunges it" other_client "select $F" \
    'uid STORE 3 +FLAGS (\Deleted)' expunge
check "within 15 s the pager says it is gone" \
    ui_wait_for 'no longer in its folder: another client deleted or'
check "its title too" ui_wait_for "sealmail: message [0-9]+, gone"
ui_press "q goes back to the index, without it" "sealmail: $F \\(2\\)" q
t_done
