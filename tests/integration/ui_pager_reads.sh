#!/bin/sh
# The pager reads a message from the store once for each layout: opening
# it reads its text once (state, verdict and text for the whole layout)
# and its body once (the header fields and attachments, made once for
# each message), and a resize after that reads the text alone, once. The
# reads are counted in the debug log (SEALMAIL_DEBUG), which names each
# read of a message by its id, never what it holds.
. "$TOP/tests/lib.sh"
F="uipgreads$$"
ui_lab uipgreads "$F"
alice_lab_home 'ui pager reads passphrase'
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: pr-one\nDate: 3 Nov 2026 10:00:00 +0000\n\nthe text of pr-one\n' \
    >"$T/m"
alice_deliver "$T/m" S
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"
S list --json --folder "$F" >"$T/l.json"
ID=$(json "$T/l.json" '[m["id"] for m in d if m["subject"] == "pr-one"][0]')
check "the message is stored" test -n "$ID"

L=$T/debug.log
ui_start "$H" 100x30 "SEALMAIL_DEBUG='$L'"
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(1\\)"
# reads [WHAT]: the reads of the message logged since $L was emptied
# (WHAT: ", its text", ", its body", or "" for reads of neither).
reads() { grep -c "store: message $ID read${1-.*}\$" "$L"; }
# laid: the layout read the text (which it reads before the body).
laid() { [ "$(reads ', its text')" -ge 1 ]; }
# per_layout [WHAT]: as many reads of the message (of WHAT, as reads
# takes it) as layouts of it, at least one.
per_layout() {
	_n=$(grep -c "pager: message $ID laid out" "$L")
	[ "$_n" -ge 1 ] && [ "$(reads ${1+"$1"})" = "$_n" ]
}
: >"$L"
check "the message opens" ui_open_msg pr-one
check "the pager shows its text" ui_wait_for 'the text of pr-one'
check "... laid out" settles laid
# A loaded machine may lay it out twice as it opens (a redraw on the way).
check "opening it: one read of its text for each layout" \
    settles per_layout ', its text'
check_eq "... one of its body" 1 "$(reads ', its body')"
check_eq "... and one of neither, which marks it read" 1 "$(reads '')"

for size in 80x24 120x30; do
	: >"$L"
	$TM resize-window -t ui -x "${size%x*}" -y "${size#*x}"
	check "$size: the pager is laid out again" settles laid
	check "$size: its text is still shown" ui_wait_for 'the text of pr-one'
	# A loaded machine may pass a resize on in two steps, each laid out.
	check "$size: one read of the message for each layout, in all" \
	    settles per_layout
done
ui_press "the program quits" 'EXITED 0' q Q
t_done
