#!/bin/sh
# The compose screen's question on a narrow terminal, and a terminal
# resized while it is shown. At 80x24 the question's choices, and whether
# the message is signed and encrypted, show whole (To, shown whole above,
# is left out of the question: it does not fit); x changes what it says.
# Made 130x40, the screen takes the new size at once: the question, To in
# it, sits on the new last line. A long To is cut with an ellipsis before
# the choices are. Back at 80x24, the question is on line 24 again. Made
# narrower than the choices, it says first whether the message is signed
# and encrypted, then the keys as bare letters.
. "$TOP/tests/lib.sh"
ui_alice uinr "ui narrow passphrase"
ACC='carol.longname@example.test, dave.longname@example.test'
bob_editor "narrow $ID" 'a narrow terminal'
# last_line_is REGEX: the pane's last line matches REGEX (up to 15 s).
last_line_is() {
	_i=0
	while [ $_i -lt 150 ]; do
		ui_screen | tail -1 | grep -Eq -- "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	ui_screen | tail -1 | sed 's/^/#   last: /' >&2
	return 1
}
size() { $TM resize-window -t ui -x "$1" -y "$2"; }
ui_start "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
key m
check "80x24: the question ends with the last choice" \
    last_line_is '^Send\?  y:send  e:edit  s:sign \[[a-z]+\]  x:encrypt \[auto\]  P:postpone  q:quit$'
key x
check "x: encrypt yes, shown" last_line_is 'x:encrypt \[yes\]  P:postpone  q:quit$'
check "130x40: resized" size 130 40
check "the question moves to the new last line, with To" \
    last_line_is '^Send to bob@example.test\?  y:send .*q:quit$'
key t C-u
$TM send-keys -t ui -l "$ACC, erin.longname@example.test"
key Enter
check "a long To is cut, the choices are not" \
    last_line_is '^Send to carol.longname@example.test, dave.longname@e[^ ]*…\?  y:send .*q:quit$'
check "80x24 again" size 80 24
check "the question is on line 24, whole" \
    last_line_is '^Send\?  y:send  e:edit .*P:postpone  q:quit$'
check "50x24: narrower than the choices" size 50 24
check "whether it is signed and encrypted comes first, then the keys" \
    last_line_is '^Send\? sign \[[a-z]+\], encrypt \[yes\]  y e s x P q$'
key x
check "x: what it says changes at once" \
    last_line_is '^Send\? sign \[[a-z]+\], encrypt \[no\]  y e s x P q$'
check "q discards" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
