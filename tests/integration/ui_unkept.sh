#!/bin/sh
# The store refuses the message being written (a file size limit stops
# its writes): nothing written is lost. After the editor the compose
# screen stays, saying why; P tries the store again and stays until the
# store takes the message. A quit while the store still refuses leaves
# the text in the editor's private directory, and the next start that
# can write the store keeps it as a draft and removes the file.
. "$TOP/tests/lib.sh"
ui_alice uiunk "ui unkept passphrase"

# The editor fills To and Subject and writes LINE, then limits the files
# of the program (its parent) to 1024 bytes: the store's next write
# fails, a small file can still be written.
editor() {
	cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i "s/^Subject:.*\\\$/Subject: $1/; s/^To: *\\\$/To: bob@example.test/" "\$1"
printf '%s\n' '$2' >> "\$1"
sed -n 's/^SigIgn:[[:space:]]*//p' /proc/\$\$/status > "$T/editor-sigign"
prlimit --pid \$PPID --fsize=1024:
EOM
	chmod +x "$T/editor.sh"
}
# start [PREFIX]: the program in tmux (run by PREFIX), PID its process.
start() {
	tm_new_session -d -s ui -x 110 -y 30 \
	    "HOME='$T' EDITOR='$T/editor.sh' exec ${1:-} '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
	check "the program opens" wait_for 'sealmail: INBOX'
	PID=$($TM display-message -p -t ui '#{pane_pid}')
}
ended() {
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}
# left TEXT: the files under the home that hold TEXT in clear.
left() { grep -rlF -- "$1" "$H" 2>/dev/null; }
drafts() { S draft list --json | json /dev/stdin "[x['subject'] for x in d]"; }

# --- the compose screen keeps the message; P tries again ------------------
editor "unkept $ID" "words the store refused"
start
key m
check "the compose screen says the draft was not kept" \
    wait_for 'cannot keep the draft: .*file size limit'
check "and stays, with the message" wait_for 'Send to bob@example.test\?'
check_eq "nothing is in the drafts yet" "[]" "$(drafts)"
check_eq "the editor is not left ignoring SIGXFSZ (the program is)" 0 \
    "$(python3 -c "print(int('$(cat "$T/editor-sigign")', 16) >> 24 & 1)")"
# s after P shows when P was done: keys are taken in order.
key P
key s
check "P with the store still refusing: the screen stays" \
    wait_for 'sign \[no\]'
key s
check "s again" wait_for 'sign \[yes\]'
check_nomatch "and says nothing was postponed" 'postponed as draft' \
    "$(ui_screen)"
check_eq "still no draft" "[]" "$(drafts)"
prlimit --pid "$PID" --fsize=unlimited:
key P
check "once the store takes it, P postpones it" \
    wait_for 'postponed as draft [0-9]+'
D=$(S draft list --json | json /dev/stdin \
    "[x['id'] for x in d if x['subject'] == 'unkept $ID'][0]")
check_match "the draft has what the editor wrote" 'words the store refused' \
    "$(S draft show "$D")"

# --- a quit leaves the text for the next start --------------------------
editor "quit $ID" "words left for later"
key m
check "the compose screen again" wait_for 'cannot keep the draft'
key C-c
check "^C asks" wait_for 'Quit sealmail\?'
key y
check "the program ends" ended "$PID"
f=$(left "words left for later")
check_match "the text is left in a file of the home" "^$H/" "$f"
check_eq "in one file" 1 "$(printf '%s\n' "$f" | grep -c .)"
check_eq "readable only by its owner" 600 "$(stat -c %a "$f" 2>/dev/null)"

# A start whose store still refuses leaves the file alone.
: > "$T/ui.err"
tm_new_session -d -s ui -x 110 -y 30 \
    "HOME='$T' exec prlimit --fsize=1024: -- '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
PID=$($TM display-message -p -t ui '#{pane_pid}')
check "a start whose store refuses ends" ended "$PID"
check_match "saying why" 'store.db: the store file would grow past the file size limit' \
    "$(cat "$T/ui.err")"
check_eq "the file is still there" "$f" "$(left "words left for later")"

# A start whose store takes it keeps it as a draft and removes the file.
start
check "the next start keeps it" wait_for '1 unsent message kept as draft'
check_match "draft list has it" "quit $ID" "$(drafts)"
D=$(S draft list --json | json /dev/stdin \
    "[x['id'] for x in d if x['subject'] == 'quit $ID'][0]")
check_match "with what the editor wrote" 'words left for later' \
    "$(S draft show "$D")"
check_eq "and the file is gone" "" "$(left "words left for later")"
check_nomatch "nothing went wrong" 'Sanitizer|runtime error' \
    "$(cat "$T/ui.err")"
t_done
