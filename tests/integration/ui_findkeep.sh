# A search in the pager keeps its highlight when the layout changes,
# through the terminal program in tmux over mail synced from the lab's
# Dovecot. / finds a word in the middle of a long line and shows its row
# in reverse at the top; made 60 columns wide, then with every header
# field (h) and back, and 100 columns again, the row shown in reverse is
# still the one that holds the word, at the top of the screen. Scrolled
# away from the row found, h and a resize leave the screen where it was,
# and n still searches on from the row found. A word found in a field
# that h then hides: no row is shown in reverse; one in a field that h
# shows in another row: that row.
. "$TOP/tests/lib.sh"
F="uifindkeep$$"
ui_lab uifindkeep "$F"
alice_lab_home 'ui findkeep passphrase'

{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Subject: fk-long\nDate: 3 Nov 2026 10:00:00 +0000\n'
	printf 'X-Fk-Probe: fieldword here\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	i=1
	while [ $i -le 60 ]; do
		printf 'filler line %d of the text\n' $i
		[ $i -eq 30 ] && printf '%s needle %s\n' \
		    'words enough to push what is searched for past the middle of a row of sixty columns, and then some more:' \
		    'and the rest of the line after it, so that it wraps at every width'
		i=$((i + 1))
	done
	printf 'the last line\n'
} > "$T/m"
alice_deliver "$T/m" S
check "sync the test folder" S sync --folder "$F"

# found: the rows of the message shown in reverse (ui_reversed).
found() { ui_reversed; }
# shown_found TEXT: a row shown in reverse holds TEXT; no_probe: the
# field X-Fk-Probe is not on the screen.
shown_found() { found | grep -qF -- "$1"; }
no_probe() { ! ui_screen | grep -q X-Fk-Probe; }
# first: the first row below the rule.
first() { ui_screen | sed -n 5p; }
resize() { $TM resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
# drawn_at N: the screen was drawn again at N columns (its rule is N wide).
drawn_at() { ui_wait_for "^─{$1}\$"; }

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(1\\)"
ui_open_msg fk-long
check "the message opens" ui_wait_for 'Subject: fk-long'
ui_answer / needle
check "/ finds the word" settles shown_found needle
check_match "its row is shown in reverse" 'needle' "$(found)"
check_match "at the top of the screen" 'needle' "$(first)"
resize 60 30
check "60 columns: laid out again" ui_wait_for '^.{4}needle and the rest of the line after it, so that it$'
check_match "the row in reverse is still the one with the word" 'needle' \
    "$(found)"
check_eq "and only that one" 1 "$(found | wc -l)"
check_match "at the top of the screen" 'needle' "$(first)"
$TM send-keys -t ui h
check "h: with every field, still the row with the word in reverse" \
    settles shown_found needle
check_match "at the top of the screen" 'needle' "$(first)"
$TM send-keys -t ui =
check "above it, every header field" ui_wait_for 'X-Fk-Probe: fieldword'
$TM send-keys -t ui h
check "h again: the usual fields" settles no_probe
resize 100 30
check "100 columns: drawn again" drawn_at 100
check_match "scrolled away, a resize leaves the screen where it was" 'From:' \
    "$(first)"
$TM send-keys -t ui n
check "n searches on past the row found: none after it, so it wraps" \
    ui_wait_for 'search wrapped to the top'
check_match "to the same row" 'needle' "$(found)"
check_match "at the top of the screen" 'needle' "$(first)"
resize 70 30
check "70 columns: drawn again" drawn_at 70
check_match "70 columns: still that row" 'needle' "$(found)"
check_match "the top of the screen is the row found" 'needle' "$(first)"

$TM send-keys -t ui h
sleep 0.3
$TM send-keys -t ui =
check "h: every header field" ui_wait_for 'X-Fk-Probe: fieldword'
ui_answer / fieldword
check "/ finds a word of a field" settles shown_found fieldword
$TM send-keys -t ui h
check "h hides that field" settles no_probe
check_eq "no row is in reverse when the word is shown no more" "" "$(found)"
$TM send-keys -t ui =
ui_answer / fk-long
check "/ finds the subject among the usual fields" \
    settles shown_found 'Subject: fk-long'
$TM send-keys -t ui h
check "h: the subject's row among every field is shown in reverse" \
    settles shown_found 'Subject: fk-long'
check_eq "that one alone" 1 "$(found | wc -l)"
ui_press "Q quits cleanly" 'EXITED 0' q Q
t_done
