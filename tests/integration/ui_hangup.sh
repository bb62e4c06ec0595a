#!/bin/sh
# The terminal goes away under a program that ignores SIGHUP (started
# under nohup, or after trap '' HUP): nothing then says so but the end of
# its input, which the program must take as the end. Driven through tmux
# against the lab: on the compose screen, at a prompt and in the index,
# the tmux server is killed; within five seconds the program is gone, the
# watcher it started with it, and the message on the compose screen is a
# draft, with what the editor wrote.
. "$TOP/tests/lib.sh"
ui_alice uihup "ui hangup passphrase"

# The editor fills To and Subject and writes a line.
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i "s/^Subject:.*\\\$/Subject: hangup $ID/; s/^To: *\\\$/To: bob@example.test/" "\$1"
printf 'written before the terminal went away\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"

# start: the program in tmux, SIGHUP ignored, its stderr in $T/ui.err;
# PID its process.
start() {
	: > "$T/ui.err"
	tm_new_session -d -s ui -x 100 -y 30 \
	    "trap '' HUP; HOME='$T' EDITOR='$T/editor.sh' exec '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
	check "the program opens" wait_for 'sealmail: INBOX'
	PID=$($TM display-message -p -t ui '#{pane_pid}')
	check_match "it runs as the pane's process" '^[0-9]+$' "$PID"
	check_match "with SIGHUP ignored" '^[0-9a-f]*[13579bdf]$' \
	    "$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$PID/status")"
}
# soon CMD...: 0 once CMD succeeds, within 5 s.
soon() {
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ $_i -lt 50 ] || return 1
		sleep 0.1
	done
}
ended() { ! kill -0 "$1" 2>/dev/null; }
# watchers: the sealmail processes still running on this home.
watchers() { pgrep -f "^sealmail --home $H " | tr '\n' ' '; }
has_watcher() { [ -n "$(watchers)" ]; }
# hangup WHERE: the terminal goes away; the program must end.
hangup() {
	$TM kill-server
	check "$1: the program ends when its terminal goes away" \
	    soon ended "$PID"
	check_eq "$1: no process of it is left" "" "$(watchers)"
	check_match "$1: it says why it ended" "the terminal's input ended" \
	    "$(cat "$T/ui.err")"
	check_nomatch "$1: and nothing went wrong" 'Sanitizer|runtime error' \
	    "$(cat "$T/ui.err")"
	# Left running by a failure: it would spin on for ever.
	kill -KILL "$PID" $(watchers) 2>/dev/null
}

# 1. The compose screen.
start
check "the watcher runs beside it" soon has_watcher
key m
check "the editor ran: the compose screen asks" \
    wait_for 'Send to bob@example.test\?'
hangup "the compose screen"
S draft list --json > dl.json
D=$(json dl.json \
    "([str(x['id']) for x in d if x['subject']=='hangup $ID'] + [''])[0]")
check_match "what was written is a draft" '^[0-9]+$' "$D"
check_match "with the editor's line" 'written before the terminal went away' \
    "$(S draft show "$D")"
check_match "and its To" 'To: bob@example.test' "$(S draft show "$D")"

# 2. A prompt: the search's.
start
key /
check "/ asks what to search" wait_for '^Search:'
key -l 'half typed'
hangup "a prompt"

# 3. The index.
start
hangup "the index"
t_done
