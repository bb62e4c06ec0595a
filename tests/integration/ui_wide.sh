# Wide and zero-width characters, through the terminal program in tmux
# over mail synced from the lab's Dovecot. An emoji (U+1F600) and a CJK
# ideograph take two cells, a combining mark none: the pager wraps a line
# of them where the window ends (a wide character that would straddle the
# edge goes to the next row; a word of them that ends at the last cell,
# a space after it, stays whole on its row), a line of letters with a
# combining mark on each fits as many letters as cells, and no row of the
# index or the pager, their bars included, is wider than the window, at
# 80 columns or at 41. Under a locale that is not UTF-8 each wide
# character is one "?" and a combining mark is dropped, so the rows still
# fit.
. "$TOP/tests/lib.sh"
F="uiwide$$"
ui_lab uiwide "$F"
alice_lab_home 'ui wide passphrase'

# rep N S: S N times.
rep() { _r= _n=0; while [ $_n -lt "$1" ]; do _r=$_r$2; _n=$((_n + 1)); done; printf '%s' "$_r"; }
SMILE=$(printf '\360\237\230\200')		# U+1F600
HAN=$(printf '\344\270\255')			# U+4E2D
ACUTE=$(printf 'e\314\201')			# e, U+0301
{
	printf 'From: %s <wide@example.test>\n' "$(rep 12 "$SMILE")"
	printf 'To: alice@example.test\nSubject: wd-wide %s %s end\n' \
	    "$(rep 30 "$SMILE")" "$(rep 30 "$HAN")"
	printf 'Date: 3 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	printf 'a%s\n' "$(rep 40 "$SMILE")"
	printf '%s end\n' "$(rep 50 "$HAN")"
	printf '%s\n' "$(rep 80 "$ACUTE")"
	printf 'abc %s end\n' "$(rep 36 "$HAN")"
} > "$T/m"
alice_deliver "$T/m" S
check "sync the test folder" S sync --folder "$F"

# cells: the widest row of the screen, in cells (Unicode 14, as glibc 2.36).
cells() {
	ui_screen | python3 -c 'import sys, unicodedata as u
def w(c):
    if u.category(c) in ("Mn", "Me", "Cf"): return 0
    return 2 if u.east_asian_width(c) in "WF" else 1
print(max(sum(w(c) for c in l.rstrip("\n")) for l in sys.stdin))'
}
# fits COLS: no row of the screen is wider than COLS cells.
fits() { [ "$(cells)" -le "$1" ]; }
# row N: the Nth row of the message's text in the pager (after the gutter).
row() { ui_screen | grep '^- │ ' | sed -n "$1p" | sed 's/^- │ //'; }
# keys: the row above the status line, where the keys are.
keys() { ui_screen | tail -2 | head -1; }

ui_start "$H" 80x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(1\\)"
check "the index row is drawn" ui_wait_for 'wd-wide'
check_eq "80 columns: no row of the index is wider than the window" 80 "$(cells)"
check_match "the index keeps its key line above the status line" '^ q:back' \
    "$(keys)"
ui_open_msg wd-wide
check "the message opens" ui_wait_for "From: +wide@example.test"
check "its text is laid out" ui_wait_for "^- │ ${ACUTE}"
check_eq "a letter then 37 emoji: the 38th would straddle the edge" \
    "a$(rep 37 "$SMILE")" "$(row 1)"
check_eq "it begins the next row" "$(rep 3 "$SMILE")" "$(row 2)"
check_eq "38 ideographs fill a 76-cell row" "$(rep 38 "$HAN")" "$(row 3)"
check_eq "the rest on the next" "$(rep 12 "$HAN") end" "$(row 4)"
check_eq "a combining mark takes no cell: 76 letters on a row" \
    "$(rep 76 "$ACUTE")" "$(row 5)"
check_eq "and 4 on the next" "$(rep 4 "$ACUTE")" "$(row 6)"
check_eq "a word of ideographs ending at the edge stays on its row" \
    "abc $(rep 36 "$HAN")" "$(row 7)"
check_eq "the space after it is the break" "end" "$(row 8)"
check_eq "no row of the pager is wider than the window" 80 "$(cells)"
check_match "the rule under the strip is whole" '^─{80}$' \
    "$(ui_screen | sed -n 4p)"
check_match "the key line stays above the status line" '^ q:back' "$(keys)"
$TM resize-window -t ui -x 41 -y 30
check "41 columns: laid out again" ui_wait_for "^- │ a$(rep 18 "$SMILE")\$"
check_eq "an odd width: 18 emoji and a cell left empty" "$(rep 18 "$SMILE")" \
    "$(row 2)"
check "no row of the pager is wider than the window" settles fits 41
check_match "the rule is whole" '^─{41}$' "$(ui_screen | sed -n 4p)"
$TM send-keys -t ui q
check "the index again" ui_wait_for "sealmail: $F \\(1\\)"
check "no row of the index is wider than the window" settles fits 41
ui_press "Q quits cleanly" 'EXITED 0' Q

ui_restart "$H" 80x30 "LANG=C LC_ALL=C"
check "under LANG=C the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
ui_open_msg wd-wide
check "the message opens" ui_wait_for "From: +wide@example.test"
check "each emoji is one ?" ui_wait_for '^..\| a\?{40}$'
check "a combining mark is dropped" ui_wait_for '^..\| e{76}$'
check_eq "no row is wider than the window" 80 "$(cells)"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
