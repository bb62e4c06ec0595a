# Folder names outside ASCII, as the lab's Dovecot lists them: in
# modified UTF-7 (RFC 3501 5.1.3), "Entw&APw-rfe" for "Entwürfe". The
# terminal program shows them as they read, in the folder list (its
# counts in one column whatever the name's width), in the index's title
# and in the pager's; a name typed so at the move prompt moves the
# message to that folder, here and on the server. A name whose encoded
# characters are control characters shows without them.
. "$TOP/tests/lib.sh"
S1="Entw&APw-rfe$$"		# Entwürfe
S2="&ZeVnLA-$$"			# 日本, two wide characters
S3="ev&ABs-]0;owned&AAc-il$$"	# an OSC sequence between "ev" and "il"
ui_lab uifn "$S1"
FD1=$FD
alice_folder "$S2"
FD2=$FD
alice_folder "$S3"
FD3=$FD
trap '$TM kill-server 2>/dev/null; rm -rf "$FD1" "$FD2" "$FD3"' EXIT
alice_lab_home 'ui folder names passphrase'

FD=$FD1
{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Subject: fn-moved\nDate: 3 Nov 2026 10:00:00 +0000\n\n'
	printf 'the text of fn-moved\n'
} > "$T/m"
alice_deliver "$T/m" S
for f in "$S1" "$S2" "$S3"; do
	check "sync $f" S sync --folder "$f"
done

ui_start "$H" 80x24
check "the program opens" ui_wait_for 'sealmail: INBOX'
ui_press "c: the folder list" 'sealmail: folders' c
check "Entw&APw-rfe shows as Entwürfe" ui_wait_for "^  Entwürfe$$ +1\$"
check_nomatch "and never in its IMAP spelling" '&APw-|&ZeVnLA-|&ABs-' \
    "$(ui_screen)"
# The column (in cells) where the row of folder $1 ends, at its count.
count_end() {
	ui_screen | grep "^  $1 " | python3 -c 'import sys, unicodedata
s = sys.stdin.read().rstrip()
print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s))'
}
check_match "&ZeVnLA- shows as 日本, two wide characters" "^  日本$$ +0\$" \
    "$(ui_screen | grep "日本$$")"
check_eq "its count in the column of the others (Entwürfe's)" \
    "$(count_end "Entwürfe$$")" "$(count_end "日本$$")"
check "the encoded control characters are left out" \
    ui_wait_for "^  evil$$ +0\$"
check_eq "the OSC sequence set no title" "$($TM display-message -p -t ui \
    '#{pane_title}' | grep -c owned)" 0
$TM send-keys -t ui q
check "Enter on Entwürfe: its index, titled so" \
    ui_open_folder "Entwürfe$$" "sealmail: Entwürfe$$ \\(1\\)"
ui_press "the pager's title names it so too" \
    "sealmail: message 1 of 1 in Entwürfe$$ \\(id [0-9]+\\)" Enter
$TM send-keys -t ui q s
check "s asks for a folder" ui_wait_for 'Move to folder:'
$TM send-keys -t ui -l "日本$$"
ui_press "the name typed as it reads moves the message" \
    "sealmail: Entwürfe$$ \\(0\\)" Enter
check_eq "the store has it in &ZeVnLA-$$" 1 \
    "$(S list --folder "$S2" 2>/dev/null | grep -c 'fn-moved')"
ui_press "q, then Q quits cleanly" 'EXITED 0' q Q
check "a sync tells the server" S sync
# holds DIR: a message of Maildir folder DIR (on the server) is fn-moved.
holds() { cat "$1"/cur/* "$1"/new/* 2>/dev/null | grep -q 'fn-moved'; }
lacks() { ! holds "$1"; }
check "the server has it in &ZeVnLA-$$" settles holds "$FD2"
check "and no more in Entw&APw-rfe$$" settles lacks "$FD1"
t_done
