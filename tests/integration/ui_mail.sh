# The terminal program over real mail: alice's INBOX on the lab's Dovecot
# holds a plain message, one signed by bob, one whose signed text was
# altered, one encrypted to alice and one whose subject carries terminal
# control sequences, and an encrypted one with an attachment. After a sync
# the index marks each truthfully, the pager shows the stored verdict as
# its first line, no control sequence reaches the terminal, the attachment
# of the decrypted message is saved under a safe name, and a message
# written in the editor is signed, sent through Postfix and arrives in
# bob's INBOX.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS		# the store is keyed by a passphrase
TM="tmux -L sealmail-ui-$$"
trap '$TM kill-server 2>/dev/null' EXIT
lab_home "$T/alice" 'ui mail passphrase'
{
	lab_account lab alice@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
	    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/alicepw" \
	    'name     = Alice Example' 'sign     = yes' 'encrypt  = auto'
	lab_dns 3
} > "$H/config"
alice_identity
check "bob's certificate imports" S keys import "$LAB_SMIME_DIR/bob.pem"

# The mail, made with the openssl command line and put in alice's Maildir.
n=0
put() { n=$((n + 1)); inbox_put "$1"; }
hdr() {	# hdr SUBJECT
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: %s\nDate: %s\nMessage-ID: <ui-%s-%d@example.test>\n' "$1" "$(LC_ALL=C date -R)" "$$" "$n"
}
{ hdr "plain hello"; printf 'MIME-Version: 1.0\nContent-Type: text/plain\n\nJust text.\n'; } > "$T/m1"
put "$T/m1"
printf 'Content-Type: text/plain\n\nSigned words from bob.\n' > "$T/ent"
openssl cms -sign -signer "$LAB_SMIME_DIR/bob.pem" -inkey "$LAB_SMIME_DIR/bob.key" \
    -md sha256 -in "$T/ent" -out "$T/signed" 2>/dev/null
{ hdr "signed by bob"; cat "$T/signed"; } > "$T/m2"
put "$T/m2"
sed 's/Signed words from bob/Altered words from bob/' "$T/signed" > "$T/forged"
{ hdr "altered after signing"; cat "$T/forged"; } > "$T/m3"
put "$T/m3"
openssl cms -encrypt -aes-256-gcm -in "$T/ent" -out "$T/enc" "$LAB_SMIME_DIR/alice.pem"
{ hdr "secret for alice"; cat "$T/enc"; } > "$T/m4"
put "$T/m4"
{ hdr "$(printf 'evil\033]2;pwned-title\007\033[2Jsubject')"; printf 'MIME-Version: 1.0\nContent-Type: text/plain\n\nbody \033[31mred\033[0m\n'; } > "$T/m5"
put "$T/m5"
# An encrypted message with an attachment whose name tries to climb out.
printf 'the attached figures: 1 2 3\n' > "$T/report.txt"
{ printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
  printf 'Content-Type: text/plain\n\nSee the attachment.\n--b1\n'
  printf 'Content-Type: text/plain; name="report.txt"\n'
  printf 'Content-Disposition: attachment; filename="../../tmp/report.txt"\n'
  printf 'Content-Transfer-Encoding: base64\n\n'
  base64 "$T/report.txt"; printf -- '--b1--\n'; } > "$T/ent6"
openssl cms -encrypt -aes-256-gcm -in "$T/ent6" -out "$T/enc6" "$LAB_SMIME_DIR/alice.pem"
{ hdr "figures attached"; cat "$T/enc6"; } > "$T/m6"
put "$T/m6"
# Signed with its header fields inside (RFC 9788); the outer Subject was
# changed on the way.
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: protected by bob\n\nMy Subject is signed.\n' >"$T/ent7"
"$TOOLS/crypto_seal" --hp --sign "$LAB_SMIME_DIR/bob.pem" \
    "$LAB_SMIME_DIR/bob.key" "$T/ent7" "$T/m7" >/dev/null
sed -i '0,/^Subject: protected by bob/s//Subject: URGENT wire the money/' "$T/m7"
put "$T/m7"
chown -R nobody:nogroup "$LAB_DIR/mail" 2>/dev/null
check "sync fetches alice's INBOX" S sync

screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
row() { screen | grep -F -- "$1" | head -1; }

cat > "$T/editor.sh" <<'EOM'
#!/bin/sh
# Stands in for the user's editor: fills in the draft.
sed -i 's/^To: *$/To: bob@example.test/; s/^Subject: *$/Subject: written in the terminal program/' "$1"
printf 'Hello bob, this was typed in sealmail.\n' >> "$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 120x60 "HOME='$T' EDITOR='$T/editor.sh'"
check "the index lists the synced messages" wait_for 'sealmail: INBOX \([0-9]+\)'
check "the last synced message is shown" wait_for 'evil.*subject'
check_match "a verified signature is marked S" ' S  .*signed by bob' "$(row 'signed by bob')"
check_match "an altered signed message is marked !" ' !  .*altered after signing' "$(row 'altered after signing')"
check_match "a decrypted message is marked E" ' E .*secret for alice' "$(row 'secret for alice')"
check_match "a plain message has no mark" ' N     .*plain hello' "$(row 'plain hello')"
check_match "a hostile subject is shown without its control sequences" 'evilsubject' "$(row 'evil')"
title=$($TM display-message -p -t ui '#{pane_title}')
check_nomatch "a hostile subject cannot set the terminal title" 'pwned' "$title"

open_msg() { ui_open_msg "$1"; }

# Open the altered message: the stored verdict is the first line.
open_msg 'altered after signing'
check "the pager opens the altered message" wait_for 'Subject: altered after signing'
check_match "its first line says the signature is bad" 'BAD SIGNATURE' "$(screen | sed -n 2p)"
check "its text is marked in the margin as under a failed signature" \
    wait_for '^! +│ Altered words from bob'
check "the findings are shown in the strip" \
    wait_for 'Warning: signer 1: the signature does not match the content'
$TM send-keys -t ui q
open_msg 'signed by bob'
check "the pager opens bob's signed message" wait_for 'Subject: signed by bob'
check_match "its first line says signed and verified, with the signer" 'Signed and verified .*bob@example.test, trust pkix' "$(screen | sed -n 2p)"
check "the signed text is shown" wait_for 'Signed words from bob'
check_match "its Subject, outside the signature, is marked" \
    'Subject: signed by bob  \[not signed\]' "$(screen)"
$TM send-keys -t ui q
check "the index shows the signed Subject, not the outer one" \
    wait_for ' S  .*protected by bob'
check_nomatch "the changed outer Subject is nowhere" 'URGENT' "$(screen)"
open_msg 'protected by bob'
check "the pager opens the header-protected message" \
    wait_for 'Subject: protected by bob'
check_nomatch "its signed fields carry no mark" 'not signed' "$(screen)"
ui_press "h shows every field, the protected section's too" \
    'protected header fields \(RFC 9788\)' h
check_match "...the outer Subject above, the signed one under its heading" \
    'Subject: URGENT wire the money .*protected header fields \(RFC 9788\), shown without h; the fields above travelled outside the protection\] .*Subject: protected by bob ' \
    "$(screen | sed 's/^ *│ //' | tr '\n' ' ' | sed 's/  */ /g')"
$TM send-keys -t ui h
sleep 0.5
check_nomatch "h again: the usual fields, without the section" \
    'protected header fields|HP-Outer' "$(screen)"
$TM send-keys -t ui q

# The parts of the decrypted message: v lists them, Enter saves one.
open_msg 'figures attached'
check "the pager opens the message with an attachment" wait_for 'Subject: figures attached'
ui_press "v lists its parts" 'parts of message' v
check_match "the attachment is listed under its own name only" \
    '  2  text/plain .* report\.txt  \(attachment\)' "$(screen)"
check_nomatch "no path from the message is offered" '\.\./' "$(screen)"
ui_press "Enter asks where to save it" 'Save part 2 as \(Enter: report\.txt\)' j Enter
ui_press "it is saved" 'saved 28 bytes to' "$T/saved.txt" Enter
check "the saved file is the attachment, decoded" cmp "$T/report.txt" "$T/saved.txt"
check_eq "and only its owner may read it" 600 "$(stat -c %a "$T/saved.txt")"
# An existing file: written over only when the reader says so (as mutt
# asks), and then as a new file that takes its name.
printf 'older words\n' > "$T/saved.txt"
ui_press "saving again asks again" 'Save part 2 as' Enter
ui_press "an existing file: asked before it is written over" \
    'saved\.txt exists: write over it\? \(y/N\)' "$T/saved.txt" Enter
ui_press "n: not saved" 'not saved' n
check_eq "the file is as it was" 'older words' "$(cat "$T/saved.txt")"
ui_press "asked again" 'saved\.txt exists: write over it' Enter "$T/saved.txt" Enter
ui_press "y: written over" 'saved 28 bytes to' y
check "the file is the attachment now" cmp "$T/report.txt" "$T/saved.txt"
check_eq "still only its owner's" 600 "$(stat -c %a "$T/saved.txt")"
check_eq "no other file is left beside it" 'saved.txt' \
    "$(ls "$T" | grep '^saved')"
# A directory holds the file under the part's own name (mutt's habit),
# where it said a file of that name existed.
mkdir "$T/into"
ui_press "a directory: saved in it, under the part's name" \
    "saved 28 bytes to $T/into/report\\.txt" Enter "$T/into" Enter
check "... and the file is there" cmp "$T/report.txt" "$T/into/report.txt"
# | pipes the part, decoded, to a command (mutt's pipe-entry).
ui_press "| asks for a command" 'Pipe part 2 to command:' '|'
ui_press "and waits after it" 'Press Enter to go back' \
    "cat > '$T/piped-part.txt'" Enter
$TM send-keys -t ui Enter
check "the command got the part, decoded" \
    cmp "$T/report.txt" "$T/piped-part.txt"
check "the parts list is back" ui_wait_for 'the command exited with 0'
ui_press "saving once more asks once more" 'Save part 2 as' Enter
ui_press "~/ in the file name is the home" "saved 28 bytes to $T/tilde.txt" "~/tilde.txt" Enter
check "... and the file is there" cmp "$T/report.txt" "$T/tilde.txt"
$TM send-keys -t ui q q

# Write a message: the editor fills it in, y sends it in the background.
ui_press "after the editor, the program asks to send" 'Send to bob@example.test\?' m
ui_press "the send finishes and says so" '(sent|submitted|queued|delivered)' y
# bob's key opens it: its Subject travels inside the envelope, "[...]"
# outside (header protection).
sealed_for_bob() {
	for f in $(grep -l '^Subject: \[\.\.\.\]' "$LAB_DIR"/mail/example.test/bob/Maildir/new/* "$LAB_DIR"/mail/example.test/bob/Maildir/cur/* 2>/dev/null); do
		openssl cms -decrypt -in "$f" -recip "$LAB_SMIME_DIR/bob.pem" \
		    -inkey "$LAB_SMIME_DIR/bob.key" 2>/dev/null |
		    grep -q "$1" && { echo "$f"; return 0; }
	done
}
i=0; got=
while [ $i -lt 50 ] && [ -z "$got" ]; do
	got=$(sealed_for_bob 'Subject: written in the terminal program')
	sleep 0.2; i=$((i + 1))
done
check "the message arrived in bob's INBOX, its Subject sealed" test -n "$got"
[ -n "$got" ] && check_match "it arrived signed" 'application/(x-)?pkcs7-(signature|mime)' "$(cat "$got")"
check "no draft is left behind" sh -c "! ls '$H/tmp'/draft-* 2>/dev/null | grep -q ."
# No certificate for a recipient while encryption is "auto": the program
# names the recipient and sends unencrypted only on an explicit yes.
cat > "$T/editor.sh" <<'EOM'
#!/bin/sh
sed -i 's/^To: *$/To: nobody@example.test/; s/^Subject: *$/Subject: to someone without a certificate/' "$1"
printf 'Nobody has a certificate.\n' >> "$1"
EOM
ui_press "a second message asks to send" 'Send to nobody@example.test\?' m
ui_press "without a certificate, it asks before sending unencrypted" 'UNENCRYPTED\? \(y/N\) cannot encrypt to nobody@example.test' y
check "over the compose screen" wait_for '^Subject: +to someone without a certificate'
check_match "the send's reason above the question" 'cannot encrypt to nobody@example.test: ' \
    "$(ui_screen | grep -B1 'UNENCRYPTED' | head -1)"
ui_press "no means not sent: back at the compose screen, with the reason" '^not sent: .*cannot encrypt to nobody@example.test' n
check "the compose screen asks again" wait_for 'Send to nobody@example.test\?'
check_eq "and nothing was queued" "the outbox is empty" "$(S outbox 2>/dev/null)"
check_match "the text is kept as a draft" 'to someone without a certificate' "$(S draft list 2>/dev/null)"
ui_press "q asks whether to postpone" 'Postpone this message\?' q
ui_press "n discards it" 'message discarded' n
check_eq "and the draft is gone" "there are no drafts" "$(S draft list 2>/dev/null)"
ui_press "a third message asks to send" 'Send to nobody@example.test\?' m
ui_press "it asks again" 'UNENCRYPTED\? \(y/N\)' y
ui_press "yes sends it unencrypted, and the server's refusal is shown" 'nobody@example.test' y
i=0; while [ $i -lt 50 ] && ! S outbox 2>/dev/null | grep -q 'someone without'; do sleep 0.2; i=$((i + 1)); done
check_match "the refused message waits in the outbox" 'to someone without a certificate' "$(S outbox 2>/dev/null)"
ui_press "Q quits with status 0" 'EXITED 0' Q
t_done
