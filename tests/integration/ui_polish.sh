#!/bin/sh
# The terminal program's bars and small keys, driven through tmux over
# mail synced from the lab's Dovecot. The key hints show once (the status
# line does not repeat them), name the newer keys where the width allows,
# and at a narrow width keep q first, ? last and what fits between,
# whole. h in the pager decodes the encoded words of every field, folded
# or not, and what one holds for the terminal does not reach it. The help
# stops scrolling with its last line at the bottom. ^C asks before
# quitting, and cancels a prompt.
. "$TOP/tests/lib.sh"
F="uipol$$"
ui_lab uipolish "$F"
alice_lab_home 'ui polish passphrase'

{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n'
	printf 'Date: 3 Nov 2026 10:00:00 +0000\n'
	printf 'X-Probe: =?utf-8?b?SGVsbG8g?=\n =?utf-8?q?folded_world?=\n'
	printf 'X-Evil: =?utf-8?q?evil=1B]0;owned=07=1B[2Jx?=\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: text/plain; charset=utf-8\n\nthe polish text\n'
} > "$T/m"
alice_deliver "$T/m" S
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"

ui_start "$H" 170x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
resize() { $TM resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
# bar: the hint bar (the row above the status line); status: the last row.
bar() { ui_screen | sed -n "$(($(ui_screen | wc -l) - 1))p"; }
status() { ui_screen | tail -1; }

# 1. The hints, once, and as many as fit.
check_nomatch "the status line does not repeat the hints" 'S: sync|\?: ?help' \
    "$(status)"
check_match "the hints are shown once" '^1$' \
    "$(ui_screen | grep -c '?:help')"
for k in 'Enter:read' 'n:find next' 't/T:tag' ';:on tagged' '1-9:jump' \
    'l:limit'; do
	check_match "at 170 columns the index's bar names $k" " $k " "$(bar)"
done
resize 70 30
check_match "at 70 columns: q first, ? last" '^ q:back  Enter:read .*  \?:help *$' \
    "$(bar)"
check_nomatch "and no hint cut" '…' "$(bar)"
check_match "what fits of the others, whole" '^.{1,70}$' \
    "$(bar | sed 's/ *$//')"
check_nomatch "the last ones are left out" '1-9:jump|l:limit' "$(bar)"
# Every other screen's bar ends with ? too, which opens the help there.
for s in 'K key store' 'c folders'; do
	ui_press "${s#? } opens" "sealmail: ${s#? }" "${s%% *}"
	check_match "the ${s#? } bar: q first, ? last" '^ q:back  .*  \?:help *$' \
	    "$(bar)"
	ui_press "? opens the help from the ${s#? }" 'sealmail: help' '?'
	$TM send-keys -t ui q q
	check "q q: back to the index" ui_wait_for 'sealmail: INBOX'
done

# 2. h decodes every field.
check "c and Enter open the test folder" ui_open_folder "$F"
resize 170 30
ui_open_msg 'aus K'
check "the message opens" ui_wait_for 'the polish text'
for k in 'Space/-:page' 'J/K:next/prev' 'n:find next' '|:pipe'; do
	check_match "at 170 columns the pager's bar names $k" " $k " "$(bar)"
done
resize 70 30
check_match "at 70 columns the pager's bar: q first, ? last" \
    '^ q:back  Space/-:page .*  \?:help *$' "$(bar)"
resize 170 30
ui_press "h shows the whole header" 'X-Probe:' h
check_match "a folded field's encoded words, decoded as one" \
    'X-Probe: Hello folded world' "$(ui_screen)"
check_match "the Subject decoded" 'Subject: Gr.+e aus K.+ln' "$(ui_screen)"
check_nomatch "no encoded word left" '=\?utf-8\?' "$(ui_screen)"
check_match "what a decoded word held for the terminal is gone" \
    'X-Evil: evilx *$' "$(ui_screen | grep 'X-Evil')"
check "the text follows" ui_wait_for 'the polish text'
$TM send-keys -t ui q
check "q goes back to the folder" ui_wait_for "sealmail: $F"

# 3. The help stops at its last line.
resize 70 30
ui_press "? opens the help" 'sealmail: help' '?'
# rows: the screen's rows of text (between the title and the bars).
row28() { ui_screen | sed -n '28p'; }
last='which lines are covered was not recorded for this message'
before='(the second mark only for encrypted mail)'
i=0
while [ $i -lt 10 ]; do
	$TM send-keys -t ui j j j j j j j j j j j j j j j j j j j j
	i=$((i + 1))
done
check "200 j: the help's last line is at the bottom" \
    ui_wait_for "^  \\?  $last\$"
check_match "on the last row of text" "$last" "$(row28)"
$TM send-keys -t ui k
sleep 0.3
check_match "one k: the line before it is at the bottom" "$before" \
    "$(row28)"
check_nomatch "and the last one below the screen" "$last" "$(ui_screen)"
$TM send-keys -t ui =
check "= goes to its top" ui_wait_for '^Index$'
$TM send-keys -t ui G
sleep 0.3
check_match "G to its end, at the bottom" "$last" "$(row28)"
$TM send-keys -t ui q
check "q leaves the help" ui_wait_for "sealmail: $F"

# 4. ^C asks, as q does on the first screen.
ui_press "/ asks what to search" '^Search:' /
$TM send-keys -t ui -l 'typed'
ui_press "^C cancels the prompt" "sealmail: $F" C-c
check_nomatch "and asks nothing" 'Search:|Quit' "$(status)"
ui_press "^C in the index asks" 'Quit sealmail\? \(y/N\)' C-c
$TM send-keys -t ui n
sleep 0.3
check_nomatch "n: the question goes" 'Quit sealmail' "$(ui_screen)"
check "and the program stays" ui_wait_for "sealmail: $F"
# A program run in the foreground has ^C to itself: the background
# watcher (a descendant of the pane running `sealmail ... watch`) goes on.
watcher() {
	ps -e -o pid=,ppid=,args= | python3 -c '
import sys
top = sys.argv[1]
rows = [l.split(None, 2) for l in sys.stdin if l.strip()]
kids = {}
for r in rows:
    kids.setdefault(r[1], []).append(r)
todo, found = [top], []
while todo:
    for r in kids.get(todo.pop(), []):
        todo.append(r[0])
        if len(r) > 2 and r[2].rstrip().endswith(" watch"):
            found.append(r[0])
print(" ".join(found))' "$($TM display-message -p -t ui '#{pane_pid}')"
}
w0=$(watcher)
check "the watcher runs" test -n "$w0"
ui_press "| asks for a command" 'Pipe to command:' Enter '|'
$TM send-keys -t ui -l 'sleep 60'
$TM send-keys -t ui Enter
sleep 0.5
$TM send-keys -t ui C-c
check "^C ends the program piped to" ui_wait_for 'Press Enter to go back'
check_eq "and not the watcher" "$w0" "$(watcher)"
$TM send-keys -t ui Enter
check "and sealmail goes on" ui_wait_for "sealmail: message .* in $F"
$TM send-keys -t ui q
check "q goes back to the folder" ui_wait_for "sealmail: $F"
ui_press "^C again, then y, quits" 'EXITED 0' C-c y
t_done
