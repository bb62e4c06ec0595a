#!/bin/sh
# The compose screen shows Bcc when the message has one: written in the
# editor, carol's address is among the recipients and on a Bcc line of
# its own, so that nobody takes her for someone the others will see. A
# message without Bcc has no such line; b sets it on the compose screen,
# as in mutt (^U then Enter clears it), and a postponed draft keeps it.
. "$TOP/tests/lib.sh"
ui_alice uibc "ui bcc passphrase"
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: blind $ID/' "\$1"
[ -e "$T/nobcc" ] || sed -i 's/^Subject: .*/&\nBcc: carol@example.test/' "\$1"
printf 'a blind copy\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 100x30 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
key m
check "the compose screen" wait_for "^Subject: +blind $ID"
check "Bcc has a line" wait_for '^Bcc: +carol@example.test *$'
check "carol is among the recipients" wait_for '^  carol@example.test '
check_nomatch "and in neither To nor Cc" '^(To|Cc): .*carol' "$(ui_screen)"
check "q discards" ui_discard
touch "$T/nobcc"
key m
check "a message without Bcc" wait_for "^Subject: +blind $ID"
check_nomatch "has no Bcc line" '^Bcc:' "$(ui_screen)"
check "the keys' line names b" wait_for '^t To  c Cc  b Bcc  a attach'
key b
check "b asks for Bcc" wait_for '^Bcc: *$'
key -l carol@example.test
key Enter
check "b: Bcc has a line" wait_for '^Bcc: +carol@example.test *$'
check "b: carol is among the recipients" wait_for '^  carol@example.test '
check_nomatch "b: To is as it was" '^To: .*carol' "$(ui_screen)"
key b
check "b again offers what Bcc holds" wait_for '^Bcc: carol@example.test'
key C-u Enter
check "^U and Enter: no Bcc line" settles sh -c \
    "! $TM capture-pane -p -t ui | grep -q '^Bcc:'"
check_nomatch "and carol is no recipient" '^  carol@example.test ' \
    "$(ui_screen)"
key b
check "b once more" wait_for '^Bcc: *$'
key -l dave@example.test
key Enter
check "Bcc: dave" wait_for '^Bcc: +dave@example.test *$'
key P
check "P postpones it" wait_for 'postponed as draft'
S draft list --json >"$T/drafts.json"
d=$(json "$T/drafts.json" 'max(x["id"] for x in d)')
check_match "the draft keeps Bcc" '^Bcc: dave@example.test$' \
    "$(S draft show "$d")"
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
