#!/bin/sh
# A signature file that cannot be used does not stop anyone writing. In
# the terminal program, driven through tmux against the lab, with the
# account's signature file missing: m still opens the editor, on a
# template without "-- ", and the compose screen says the message has no
# signature and why; the message is sent, to bob, signed. r does the
# same. A signature file holding a NUL byte is "not text", said the same
# way. The command line's reply, which prints the draft, still refuses.
. "$TOP/tests/lib.sh"
ui_alice uins "ui nosig passphrase"
# The signature line belongs to the account's section, before [dns].
sed -i "s|^ca-file = .*|&\nsignature = ~/sig.txt|" "$H/config"
check_match "the account names a signature file" '^signature = ~/sig.txt$' \
    "$(cat "$H/config")"
alice_identity

{ printf 'From: bob@example.test\nTo: alice@example.test\n'
  printf 'Subject: ask %s\nDate: %s\nMessage-ID: <uins-%s@example.test>\n\n' \
      "$ID" "$(LC_ALL=C date -R)" "$ID"
  printf 'a question\n'; } > m1
alice_deliver m1 S
check "alice syncs" S sync --folder "$FOLD"
S list --folder "$FOLD" --json > list.json
M=$(json list.json "[x['id'] for x in d if x['subject']=='ask $ID'][0]")
check_error "the command line's reply still refuses, and says why" 1 \
    'signature .*/sig.txt: No such file or directory' S reply "$M"

# The editor keeps what it was given and writes To, Subject and a line.
bob_editor "nosig $ID" 'written without a signature'
ui_start "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
key m
check "m: the compose screen, though the signature file is missing" \
    wait_for "Send to bob@example.test\\?"
check "it says the message has no signature, and why" \
    wait_for 'the message has no signature: signature .*sig.txt: No such'
check_nomatch "the editor's template had no signature" '^-- $' \
    "$(cat "$T/draft.txt")"
key y
check "sent, signed" wait_for 'sent <.*> to 1 recipient, signed' 300

ui_open_folder "$FOLD"
check "the test folder" wait_for "sealmail: $FOLD"
key r
check "r: the compose screen too" wait_for "Subject: +Re: ask $ID"
check "with the same note" \
    wait_for 'the message has no signature: signature .*sig.txt: No such'
check "q discards" ui_discard

printf 'a\0b\n' > "$T/sig.txt"
key m
check "a signature file with a NUL byte: not text, and said so" \
    wait_for 'the message has no signature: signature .*sig.txt: not text'
check "q discards it" ui_discard

printf 'Alice\nroom %s\n' "$ID" > "$T/sig.txt"
key m
check "with the file back, no note" wait_for "Send to bob@example.test\\?"
check_match "and the template ends with it" "^room $ID\$" \
    "$(sed -n '/^-- $/,$p' "$T/draft.txt")"
check_nomatch "nothing said about the signature" 'has no signature' \
    "$(ui_screen)"
check "q discards the last one" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
