# A day of reading in the terminal program, driven through tmux over mail
# synced from the lab's Dovecot. A sender as long as its column, or longer
# (an address; a name of wide characters), keeps a space before the
# subject at 100, 80 and 60 columns and after a resize. Header fields in
# raw UTF-8 (RFC 6532), a subject and a display name, read as UTF-8 in the
# index and the pager, while raw Latin-1 still reads as Latin-1. A
# display name that holds an address shows the sender's address. The
# pager names each attachment of a message below its text, with its type
# and size (a name continued over pieces, RFC 2231, read whole), and
# names none for a message without one, and its title has the number the
# index shows beside the id. A verdict longer
# than half a 60x20 screen: the strip's last row says how much follows,
# and every finding can be read below the rule, at the left edge where no
# line of the message stands; G still reaches the end of the text. A
# prompt shows the end of what was typed when it is wider than the
# screen, and a resize under a prompt or a question lays the screen out
# again for the new size (and answers nothing), the compose screen too.
# d moves a message to Trash at once, and in Trash removes it for good
# only after a question.
. "$TOP/tests/lib.sh"
F="uireading$$"
ui_lab uireading "$F"
alice_lab_home 'ui reading passphrase'

# put FROM SUBJECT [CONTENT-TYPE BODY]: one message into the test folder.
put() {
	printf 'From: %s\nTo: alice@example.test\nSubject: %s\n' "$1" "$2" > "$T/m"
	printf 'Date: 3 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n' >> "$T/m"
	printf 'Content-Type: %s\n\n%s\n' "${3:-text/plain; charset=utf-8}" \
	    "${4:-the text of $2}" >> "$T/m"
	alice_deliver "$T/m" S
}
put 'manager-of-the-whole-department@bigcorporation.example' 'rd-long-sender'
put '=?utf-8?b?5p2O5bCP6b6Z5p2O5bCP6b6Z5p2O5bCP6b6Z5p2O5bCP6b6Z5p2O5bCP6b6Z?= <li@example.test>' \
    'rd-wide-sender'
put 'Jürgen Müller <juergen@example.test>' 'rd-utf8 Grüße aus Köln'
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: rd-latin1 Gr\374\337e\nDate: 3 Nov 2026 10:00:00 +0000\n\nthe text\n' > "$T/m"
alice_deliver "$T/m" S
put 'bob@example.test' 'rd-attach' 'multipart/mixed; boundary="b1"' \
    "$(printf -- '--b1\nContent-Type: text/plain\n\nSee the report.\n--b1\nContent-Type: application/pdf; name=report.pdf\nContent-Disposition: attachment; filename=report.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b1\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: attachment; filename=notes.txt\n\nnotes of the meeting\n--b1\nContent-Type: text/plain\nContent-Disposition: attachment;\n filename*0*=utf-8%s%sna%%C3%%AFve%%20; filename*1=minutes.txt\n\nminutes\n--b1--' "'" "'")"
put 'bob@example.test' 'rd-no-attach'
put '"alice@example.test" <eve@evil.example>' 'rd-name-address'
alice_deliver "$TOP/tests/data/smime/att-two-signers-one-bad.eml" S
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"

printf '#!/bin/sh\necho "a line of text" >> "$1"\n' > "$T/editor.sh"
chmod +x "$T/editor.sh"
ui_start "$H" 100x30 "EDITOR='$T/editor.sh'"
check "the program opens" ui_wait_for 'sealmail: INBOX'
# resize COLS ROWS: the terminal becomes COLSxROWS, and the program redraws.
resize() { $TM resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(8\\)"

# gap SUBJECT: the row of SUBJECT has a space right before it.
gap() { ui_screen | grep -F -- "$1" | grep -q -F -- " $1"; }
for size in 100x30 80x24 60x20; do
	resize "${size%x*}" "${size#*x}"
	check "$size: a long address keeps a space before the subject" \
	    gap rd-long-sender
	check "$size: a name of wide characters keeps a space before the subject" \
	    gap rd-wide-sender
done
resize 100 30

check_match "a display name holding an address: the index shows the sender's" \
    ' eve@evil\.example +rd-name-address' "$(ui_screen | grep rd-name-address)"
check_nomatch "and not the address in the name" 'alice@example' \
    "$(ui_screen | grep rd-name-address)"
check_match "a raw UTF-8 subject reads as UTF-8 in the index" \
    ' rd-utf8 Grüße aus Köln' "$(ui_screen | grep rd-utf8)"
check_match "a raw UTF-8 display name reads as UTF-8 in the index" \
    ' Jürgen Müller +rd-utf8' "$(ui_screen | grep rd-utf8)"
check_match "a raw Latin-1 subject still reads as Latin-1" \
    ' rd-latin1 Grüße' "$(ui_screen | grep rd-latin1)"
ui_open_msg 'rd-utf8'
check "the pager shows the raw UTF-8 subject as UTF-8" \
    ui_wait_for 'Subject: rd-utf8 Grüße aus Köln'
$TM send-keys -t ui q
sleep 0.3

num=$(ui_screen | grep ' rd-attach$' | awk '{print $1}')
ui_open_msg 'rd-attach'
check "the attached message opens" ui_wait_for 'Subject: rd-attach'
id=$(S list --json --folder "$F" | json /dev/stdin "[m['id'] for m in d if m['subject'] == 'rd-attach'][0]")
check_match "the pager's title has the index's number, and the id the command line takes" \
    "^ sealmail: message $num of 8 in $F \\(id $id\\)" "$(ui_screen | head -1)"
check "its text is shown" ui_wait_for 'See the report\.'
check "the pager names the PDF attachment" \
    ui_wait_for 'Attachment 2: report\.pdf \(application/pdf, 9 bytes\)'
check "the pager names the text attachment" \
    ui_wait_for 'Attachment 3: notes\.txt \(text/plain, 20 bytes\)'
check "a name continued over pieces (RFC 2231), as long names are sent" \
    ui_wait_for 'Attachment 4: naïve minutes\.txt \(text/plain, 7 bytes\)'
check "and says how to reach them" ui_wait_for 'v lists the parts'
$TM send-keys -t ui q
sleep 0.3
ui_open_msg 'rd-no-attach'
check "a message without attachments opens" ui_wait_for 'the text of rd-no-attach'
check_nomatch "and names none" 'Attachment' "$(ui_screen)"
# d: to Trash at once; in Trash, for good only after a question.
# The status line may already say the sync that followed the move.
ui_press "d from the pager moves it to Trash" \
    'moving done|moved to Trash|^synced 1 folder' d
check "and shows the next one, of one less (mutt's \$resolve)" \
    ui_wait_for "sealmail: message [0-9]+ of 7 in $F"
check "the background sync is done" ui_wait_for '^synced 1 folder'
$TM send-keys -t ui q
check "q goes back to the folder" ui_wait_for "sealmail: $F \\(7\\)"
check "Trash opens" ui_open_folder Trash
check "it is in Trash" ui_wait_for 'rd-no-attach'
ui_open_msg 'rd-no-attach'
check "and opens there" ui_wait_for 'Subject: rd-no-attach'
ui_press "d in Trash asks first" \
    'Remove this message for good, here and on the server\? \(y/N\)' d
ui_press "n keeps it" 'not removed' n
check_match "in the pager still" 'Subject: rd-no-attach' "$(ui_screen)"
$TM send-keys -t ui d
check "d asks again" ui_wait_for 'Remove this message for good'
ui_press "y removes it for good" \
    'moving done|removed for good|^synced 1 folder' y
# Trash holds other tests' mail: the pager may go on to the next one.
check "and it is gone from Trash: the next one in it is shown, or Trash" \
    ui_wait_for 'sealmail: (Trash \(|message [0-9]+ of [0-9]+ in Trash)'
ui_screen | head -1 | grep -q 'sealmail: message' && $TM send-keys -t ui q
check "Trash's index" ui_wait_for 'sealmail: Trash \('
check_nomatch "no row of it left" 'rd-no-attach' "$(ui_screen | sed '$d')"
$TM send-keys -t ui q
check "q goes back to the folder" ui_wait_for "sealmail: $F \\(7\\)"

# The long verdict, read through the CLI to know every finding.
S list --json --folder "$F" > "$T/list.json"
id=$(json "$T/list.json" '[m["id"] for m in d if m["subject"] == "two signers, one fails"][0]')
S show --json "$id" > "$T/show.json"
json "$T/show.json" '"\n".join(d["findings"])' > "$T/findings"
check_match "the verdict has six findings" '^6$' "$(wc -l < "$T/findings" | tr -d ' ')"
resize 60 20
ui_open_msg 'two signers, one fails'
check "the long verdict opens" ui_wait_for 'BAD SIGNATURE'
rule() { ui_screen | grep -n '^─\{20,\}$' | head -1 | cut -d: -f1; }
r=$(rule)
check_match "the strip's last row says how much follows below the rule" \
    '^… [0-9]+ more lines of this verdict below the rule' \
    "$(ui_screen | sed -n "$((r - 1))p")"
check_match "the first line left out comes right below the rule, at the left edge" \
    '^[^ │]' "$(ui_screen | sed -n "$((r + 1))p")"
# The strip's rows but its last, then every row below the rule, scrolling
# down a line at a time: each finding must be readable in them.
ui_screen | sed -n "2,$((r - 2))p" > "$T/seen"
i=0
while [ $i -lt 25 ]; do
	ui_screen | sed -n "$((r + 1)),\$p" | sed '$d' | sed '$d' >> "$T/seen"
	$TM send-keys -t ui j
	sleep 0.15
	i=$((i + 1))
done
tr '\n' ' ' < "$T/seen" | sed 's/  */ /g' > "$T/seen1"
seen() { grep -qF -- "$1" "$T/seen1"; }
while IFS= read -r f; do
	check "readable in the pager: $f" seen "Warning: $f"
done < "$T/findings"
$TM send-keys -t ui G
sleep 0.3
check "G reaches the end of the text" ui_wait_for '! │ This is a test message'
$TM send-keys -t ui q
resize 100 30
ui_open_msg 'two signers, one fails'
check "at 100x30 the strip holds the whole verdict" ui_wait_for \
    '^Warning: signer 2: unable to get local issuer'
check_nomatch "and says nothing follows" 'more lines of this verdict' \
    "$(ui_screen)"
$TM send-keys -t ui q
check "q goes back to the folder" ui_wait_for "sealmail: $F"

# bars_at ROWS: the key bar is on row ROWS - 1, the prompt on ROWS.
bars_at() {
	ui_screen | sed -n "$(($1 - 1))p" | grep -q '^ q:back' &&
	    ui_screen | sed -n "$1p" | grep -Eq "$2"
}
resize 60 20
long=$(python3 -c 'print("ab" * 40 + "END")')
$TM send-keys -t ui /
sleep 0.3
$TM send-keys -t ui -l "$long"
check "a long search shows its end, the cursor after it" \
    ui_wait_for '^Search: …(ba)+bEND$'
resize 70 22
check "after a resize under the prompt, the bars are laid out again" \
    settles bars_at 22 '^Search: …(ba)+bEND$'
check_match "and the index too" 'rd-name-address' "$(ui_screen | sed -n '2,20p')"
$TM send-keys -t ui -l ' x'
check "typing goes on" ui_wait_for '^Search: ….*bEND x$'
$TM send-keys -t ui Escape
sleep 0.3
$TM send-keys -t ui q
ui_wait_for 'sealmail: INBOX' >/dev/null
$TM send-keys -t ui q
check "q on the first index asks" ui_wait_for 'Quit sealmail\? \(y/N\)'
resize 80 24
check "after a resize the question is asked again, under bars laid out anew" \
    settles bars_at 24 '^Quit sealmail\? \(y/N\)'
$TM send-keys -t ui n
check "n keeps the program open" ui_wait_for 'sealmail: INBOX'

# The compose screen follows a resize, under its prompt and its question
# (each time to a taller screen, whose new rows only a redraw fills).
row_is() { ui_screen | sed -n "$1p" | grep -Eq "$2"; }
$TM send-keys -t ui m
check "m opens the compose screen after the editor" ui_wait_for 'sealmail: compose'
resize 90 27
check "after a resize its question is on the new last row" settles row_is 27 '^Send( to |\?)'
$TM send-keys -t ui t
sleep 0.4
check "t asks for To, on the last row" settles row_is 27 '^To:$'
resize 100 30
check "a resize under the prompt draws the compose screen again" \
    settles row_is 2 '^From: '
check "with the prompt on the new last row" settles row_is 30 '^To:$'
$TM send-keys -t ui Escape
sleep 0.3
$TM send-keys -t ui q
check "q asks whether to postpone" ui_wait_for 'Postpone this message\?'
resize 110 33
check "after a resize the question is asked again on the new last row" \
    settles row_is 33 '^Postpone this message\?'
check "over the compose screen" settles row_is 2 '^From: '
ui_press "n discards it" 'message discarded' n
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
