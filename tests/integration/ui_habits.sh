# More of the keys a mutt reader's fingers know, driven through tmux over
# mail synced from the lab's Dovecot. * goes to the last entry of the
# index and of every list, as End does; the lists (here the parts of a
# message with more parts than rows) page with Space and -, and jump
# with = and *, as the index does; | pipes a part. x leaves a screen as
# q does. Tab goes to the next unread message, in the index and in the
# pager, round to the top.
# Up and Down at a prompt recall what was answered to one of its kind.
# N and F toggle unread and flagged in the pager too. Tab completes a
# file's name where w and the parts view ask for one. After d the next
# message is selected, and in the pager shown, as mutt's $resolve does.
# Esc at a question whose every answer acts (f's) does nothing. v lists
# the parts from the index too. / in the pager finds text in the message
# and n finds it again. a puts the sender into the alias file. The
# compose screen says its keys.
. "$TOP/tests/lib.sh"
F="uihab$$"
ui_lab uihabits "$F"
alice_lab_home 'ui habits passphrase'

# put SUBJECT BODY [FLAGS]: one message into the test folder.
put() {
	printf 'From: %s\nTo: alice@example.test\nSubject: %s\nDate: 4 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n%s\n' \
	    "${FROM:-bob@example.test}" "$1" "$2" > "$T/m"
	alice_deliver "$T/m" "${3-S}"
}
i=1
while [ $i -le 8 ]; do
	# 3 and 6 are not read yet.
	case $i in
	3|6)	put "hb-$i" "the text of message $i" '' ;;
	# A long one, to search in the pager.
	8)	put "hb-$i" "the text of message $i
$(seq 1 150 | sed 's/^\(45\|75\)$/needle line &: a needle here/;
    s/^60$/Needle line &: a Needle here/; s/^[0-9]*$/filler line &/')" ;;
	# A sender whose name holds what an alias line must not.
	7)	FROM='"Bob Seven (the, <evil>) `id` $HOME; \\"x\\"" <bob.seven@example.test>' \
		    put "hb-$i" "the text of message $i" ;;
	*)	put "hb-$i" "the text of message $i" ;;
	esac
	i=$((i + 1))
done
# The last message: a text and 40 attached files, more than a screen.
{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Subject: hb-parts\nDate: 4 Nov 2026 11:00:00 +0000\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nforty files\n'
	i=1
	while [ $i -le 40 ]; do
		printf -- '--b\nContent-Type: text/plain\n'
		printf 'Content-Disposition: attachment; filename="hb%02d.txt"\n\n' $i
		printf 'file %d\n' $i
		i=$((i + 1))
	done
	printf -- '--b--\n'
} > "$T/m"
alice_deliver "$T/m" S
sed -i "/^address = /a alias = $T/aliases" "$H/config"
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(9\\)"

# title N: the pager's title names message N of the folder.
title() { ui_wait_for "^ sealmail: message $1 of 9 in $F" 30; }
# gone TEXT: the screen no longer shows TEXT.
gone() { ! ui_screen | grep -q -- "$1"; }
# back N: q goes back to the index of the test folder, of N messages.
back() {
	$TM send-keys -t ui q
	check "q back to the index" ui_wait_for "sealmail: $F \\($1\\)"
}

# 1. * is the last entry: of the index, and of a list.
$TM send-keys -t ui Home '*' Enter
check "* then Enter reads the last message" title 9
ui_press "v lists its parts" 'sealmail: parts' v
# The save prompt names the part under the cursor; Esc leaves it unsaved.
saves() {
	$TM send-keys -t ui s
	ui_wait_for "Save part [0-9]+ as \\(Enter: ($1)\\):" || return 1
	$TM send-keys -t ui Escape
	ui_wait_for 'not saved'
}
check "the first part is selected" saves 'hb01.txt|[^)]*'
$TM send-keys -t ui '*'
check "* selects the last part, past the screen" saves hb40.txt
check_match "which is shown" 'hb40\.txt' "$(ui_screen)"
$TM send-keys -t ui =
check "= the first again" saves '[^)]*'
check_match "the top is shown again" 'forty files|text/plain' \
    "$(ui_screen | sed -n 2,3p)"
$TM send-keys -t ui Space
check "Space pages on" saves 'hb2[0-9]\.txt'
$TM send-keys -t ui -- -
check "- pages back" saves '[^)]*'
$TM send-keys -t ui End
check "End goes to the last part too" saves hb40.txt
$TM send-keys -t ui PageUp
check "PageUp pages back from it" saves 'hb1[0-9]\.txt'
# | pipes the part under the cursor, decoded, to a command.
$TM send-keys -t ui '*'
ui_press "| asks for a command for the part" '^Pipe part 41 to command:' '|'
$TM send-keys -t ui -l "cat > '$T/piped-part'"
ui_press "and runs it" 'Press Enter to go back' Enter
$TM send-keys -t ui Enter
check_eq "which is given the part's bytes" 'file 40' "$(cat "$T/piped-part")"
check "back in the parts" ui_wait_for 'the command exited with 0'
$TM send-keys -t ui q
sleep 0.3
back 9

# 2. x leaves a screen as q does (mutt's exit): nothing waits to be saved.
$TM send-keys -t ui Home Enter
check "Enter reads the first message" title 1
ui_press "x in the pager goes back to the index" "sealmail: $F \\(9\\)" x
ui_press "c opens the folder list" 'sealmail: folders' c
ui_press "x in the folder list goes back" "sealmail: $F \\(9\\)" x
$TM send-keys -t ui x
check "x in the test folder goes back to the screen before" \
    settles gone "sealmail: $F"
# until_asked: x until the first index asks (ui_open_folder may have
# left a folder it opened by mistake under the test folder).
until_asked() {
	for _i in 1 2 3; do
		ui_wait_for 'Quit sealmail\? \(y/N\)' 10 2>/dev/null &&
		    return 0
		$TM send-keys -t ui x
	done
	ui_wait_for 'Quit sealmail\? \(y/N\)'
}
check "x on the first index asks, as q does" until_asked
ui_press "n keeps the program open" 'sealmail: INBOX' n
check_nomatch "and x is bound" 'key is not bound' "$(ui_screen)"
check "the test folder opens again" ui_open_folder "$F"

# 3. Tab: the next message not read yet (mutt's next-new-then-unread).
$TM send-keys -t ui Home Tab Enter
check "Tab goes to the first unread message" title 3
check "which Enter reads" ui_wait_for 'the text of message 3$'
after() { _k=$1; shift; $TM send-keys -t ui "$_k"; check "$@"; }
after Tab "Tab in the pager reads the next unread one" title 6
check "its text" ui_wait_for 'the text of message 6$'
after Tab "Tab again: none is left, as both were read" \
    ui_wait_for 'no unread message here'
check "the pager stays on the message" title 6
back 9
$TM send-keys -t ui Home j N
sleep 0.3
$TM send-keys -t ui '*' Tab
check "Tab after the last goes round to the top" \
    ui_wait_for 'search wrapped to the top'
$TM send-keys -t ui Enter
check "to the message N marked unread" title 2
back 9

# 4. Up and Down at a prompt recall the answers given to its kind.
ui_press "/ searches" 'No message matches' / hbnosuchword Enter
ui_press "q back to the folder" "sealmail: $F \\(9\\)" q
ui_press "another search" 'search "hb-parts" \(1\)' / hb-parts Enter
ui_press "q back to the folder" "sealmail: $F \\(9\\)" q
ui_press "/ opens the prompt" '^Search:$' /
ui_press "Up recalls the last answer" '^Search: hb-parts$' Up
ui_press "Up again the one before" '^Search: hbnosuchword$' Up
ui_press "Up at the oldest stays" '^Search: hbnosuchword$' Up
ui_press "Down the newer one" '^Search: hb-parts$' Down
ui_press "Down below the newest: what was typed" '^Search:$' Down
$TM send-keys -t ui -l 'typed'
ui_press "Up from what is typed" '^Search: hb-parts$' Up
ui_press "Down gives it back" '^Search: typed$' Down
$TM send-keys -t ui Escape
sleep 0.3
ui_press "a prompt of another kind" '^Limit to \(empty or all: everything\):$' l
ui_press "has a history of its own" '^Limit to \(empty or all: everything\):$' Up
$TM send-keys -t ui Escape
sleep 0.3
ui_press "a recalled answer is answered with Enter" \
    'search "hb-parts" \(1\)' / Up Enter
back 9

# 5. N and F in the pager, as in the index.
row() { ui_screen | grep " $1\$"; }
$TM send-keys -t ui Home Enter
check "Enter reads the first message" title 1
ui_press "N in the pager marks it unread" \
    'marked unread \(N again: read\)' N
ui_press "F flags it" 'flagged \(F again: not flagged\)' F
back 9
check_match "where it shows unread and flagged" '^ *1 +NF ' "$(row hb-1)"
$TM send-keys -t ui Enter
check "Enter reads it again" title 1
ui_press "F again: not flagged" 'not flagged \(F again: flagged\)' F
back 9
check_match "read, and not flagged: no mark before the date" \
    '^ *1 +Nov 04 ' "$(row hb-1)"

# 6. Tab completes a file's name where w and the parts' s ask for one.
mkdir "$T/hbdir-only"
$TM send-keys -t ui Home Enter
check "Enter reads the first message" title 1
# save_via KEY PROMPT FILE: KEY asks PROMPT; the start of a folder's
# name and Tab complete it; FILE and Enter save there.
save_via() {
	$TM send-keys -t ui "$1"
	ui_wait_for "^$2" || return 1
	$TM send-keys -t ui -l "$T/hbdir-o"
	$TM send-keys -t ui Tab
	ui_wait_for "^$2 .*/hbdir-only/\$" || return 1
	$TM send-keys -t ui -l "$3"
	$TM send-keys -t ui Enter
	ui_wait_for "saved [0-9]+ bytes to .*/$3\$"
}
check "w: Tab completes the folder, and the message is written there" \
    save_via w 'Save the message to file:' msg.eml
check_match "the file holds it" 'Subject: hb-1' "$(cat "$T/hbdir-only/msg.eml")"
ui_press "v lists its parts" 'sealmail: parts' v
check "the parts' s: Tab completes the folder, the part is saved there" \
    save_via s 'Save part 1 as \(Enter: [^)]*\):' part.txt
check_match "the file holds it" 'the text of message 1' \
    "$(cat "$T/hbdir-only/part.txt")"
$TM send-keys -t ui q
sleep 0.3
back 9

# 6b. / in the pager finds text in the message, n again (mutt's pager).
$TM send-keys -t ui 8 Enter
sleep 0.3
$TM send-keys -t ui Enter
check "hb-8 opens" title 8
ui_press "/ in the pager asks what to find" '^Search the message for:' /
# at_top TEXT: the first line below the rule holds TEXT.
at_top() {
	ui_screen | sed -n '/^──────────/{n;p;q}' | grep -q -- "$1"
}
$TM send-keys -t ui needle Enter
check "the line found is shown at the top" settles at_top 'needle line 45'
$TM send-keys -t ui n
check "n finds the next, whatever its case" settles at_top 'Needle line 60'
$TM send-keys -t ui n
check "n the one after" settles at_top 'needle line 75'
ui_press "n after the last goes round to the top" \
    'search wrapped to the top' n
check "to the first" settles at_top 'needle line 45'
$TM send-keys -t ui / Needle Enter
check "a capital asks for the case: the others are passed" \
    settles at_top 'Needle line 60'
ui_press "what is not there is said" \
    'not found in this message: nosuchthing' / nosuchthing Enter
back 9

# 7. Esc at "Forward as an attachment?" forwards nothing. (Before any d:
# the status line then says nothing of a move's sync.)
ui_press "f asks how to forward" 'Forward as an attachment\? \(y/N\)' f
ui_press "Esc forwards nothing" 'not forwarded' Escape
check_match "and no message is being written" "sealmail: $F \\(9\\)" \
    "$(ui_screen | head -1)"

# 8. After d the next message is selected, in the index; in the pager
# it is shown (mutt's $resolve), and after the last the index comes back.
$TM send-keys -t ui Home j
sleep 0.3
ui_press "d in the index deletes hb-2" 'moved to Trash|moving done|^synced' d
check "one less" ui_wait_for "sealmail: $F \\(8\\)"
$TM send-keys -t ui Enter
check "the next one, hb-3, is selected: Enter reads it" \
    ui_wait_for 'the text of message 3$'
check "it is now the second" ui_wait_for "^ sealmail: message 2 of 8 in $F" 30
$TM send-keys -t ui d
check "d in the pager shows the next message, hb-4" \
    ui_wait_for 'the text of message 4$'
check "the second of seven" ui_wait_for "^ sealmail: message 2 of 7 in $F" 30
check "saying where the one before went" \
    ui_wait_for 'moved to Trash|moving done|^synced'
back 7
$TM send-keys -t ui Enter
check "where hb-4 is selected" ui_wait_for 'the text of message 4$'
back 7
$TM send-keys -t ui '*' Enter
check "the last message, hb-parts" ui_wait_for 'Subject: hb-parts'
$TM send-keys -t ui d
check "d on the last one goes back to the index" \
    ui_wait_for "sealmail: $F \\(6\\)"
$TM send-keys -t ui Enter
check "on the message before it" ui_wait_for 'the text of message 8$'
back 6

# 9. v in the index lists the parts of the message selected, as mutt's.
$TM send-keys -t ui Home
sleep 0.3
ui_press "v in the index: the parts of the message selected" \
    'sealmail: parts of message [0-9]+' v
check "its text part" ui_wait_for '^ +1 +text/plain'
back 6

# 9b. a puts the sender into the alias file, as mutt's create-alias.
$TM send-keys -t ui Home
sleep 0.3
ui_press "a asks for the alias's name" '^Alias as \(Enter: bob\):' a
ui_press "Enter takes the one offered" 'alias bob added: bob@example.test' \
    Enter
check_eq "the alias file has its line" 'alias bob bob@example.test' \
    "$(cat "$T/aliases")"
ui_press "a second bob is refused" 'alias bob is already in' a Enter
n7=$(ui_screen | grep ' hb-7$' | awk '{print $1}')
$TM send-keys -t ui "$n7" Enter
sleep 0.3
ui_press "a on hb-7" '^Alias as \(Enter: bob\.seven\):' a
ui_press "a name with a space is refused" 'an alias name is letters' \
    'bad nick' Enter
$TM send-keys -t ui a
sleep 0.3
ui_press "a name typed is taken" 'alias seven added' seven Enter
check_match "the name is kept but what would change the line" \
    '^alias seven Bob Seven the evil id HOME x <bob\.seven@example\.test>$' \
    "$(tail -1 "$T/aliases")"
check_eq "the file has two lines" 2 "$(wc -l < "$T/aliases")"
check_eq "each reads as one alias" 2 \
    "$(grep -c '^alias [a-z.]* [^<>]*<\?[a-z.]*@example\.test>\?$' "$T/aliases")"

ui_press "Q quits with status 0" 'EXITED 0' Q

# 10. On the compose screen ? lists the keys, and a key that is none
# says so.
bob_editor hb-compose 'a line'
ui_restart "$H" 100x30 "EDITOR='$T/editor.sh'"
check "the program opens again" ui_wait_for 'sealmail: INBOX'
ui_press "m: the compose screen after the editor" '^Send to bob@example.test' m
ui_press "a key that is none says so" 'key is not bound here; \? lists the keys' z
ui_press "? lists the keys" '^y send  e edit  s sign  x encrypt  P postpone' '?'
check "the message is discarded" ui_discard

ui_press "Q quits with status 0" 'EXITED 0' Q
t_done
