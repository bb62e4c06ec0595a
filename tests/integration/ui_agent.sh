#!/bin/sh
# The key agent of the terminal program's watcher killed while the program
# runs: the encrypted mail that comes next still appears, decrypted, with
# no key pressed, opened by a new agent; a second loss is recovered from
# as the first was, and a hung agent is ended and replaced. Keys typed to
# a program run in the foreground (^C, ^\) do not reach the agent.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-agent-$$"
lab_home "$T/home" 'agent passphrase'
alice_config "$H" password
alice_identity
TAG="agent$$x$(date +%s)"
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"' EXIT

# deliver SUBJECT: a message encrypted to alice, through Postfix's inbound
# port.
deliver() {
	printf 'Content-Type: text/plain\r\n\r\nopened by %s\r\n' "$1" |
	    openssl cms -encrypt -aes256 -from bob@example.test \
		-to alice@example.test -subject "$1" \
		"$LAB_SMIME_DIR/alice.pem" >"$T/enc.eml" &&
	    swaks --silent 2 --to alice@example.test --from bob@example.test \
		--server "127.0.0.1:$LAB_SMTP_PORT" --data "$T/enc.eml"
}
# agent_of: the pid of the watcher's key agent, once it has one (5 s).
agent_of() {
	_i=0
	while [ $_i -lt 50 ]; do
		_w=$(pgrep -f "sealmail --home $H.* watch" | head -1)
		_a=${_w:+$(pgrep -P "$_w" -f -- --key-agent | head -1)}
		[ -n "$_a" ] && { echo "$_a"; return 0; }
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# decrypted SUBJECT: the store holds the message SUBJECT, decrypted.
decrypted() {
	S list --json >"$T/l.json" 2>/dev/null &&
	    [ "$(json "$T/l.json" "[m['encryption'] for m in d if m['subject'] == '$1']")" = '["decrypted"]' ]
}

ui_start "$H" 120x30
check "the program opens on the INBOX" ui_wait_for 'sealmail: INBOX'
# The watcher starts its agent for the first message it opens.
check "encrypted mail is delivered first" deliver "zeroth $TAG"
check "it appears" ui_wait_for "zeroth $TAG" 100
check "stored decrypted" settles decrypted "zeroth $TAG"
a1=$(agent_of)
check "the watcher has a key agent" test -n "$a1"
check "the agent is killed" kill -9 "$a1"
check "encrypted mail is delivered" deliver "first $TAG"
check "it appears in the index, no key pressed" ui_wait_for "first $TAG" 100
check "it is stored decrypted" settles decrypted "first $TAG"
check_nomatch "the status line does not say the agent stopped" \
    'key agent stopped' "$(ui_screen)"
a2=$(agent_of)
check "a new agent serves the watcher" test -n "$a2" -a "$a2" != "$a1"

check "the new agent is killed too" kill -9 "$a2"
check "more encrypted mail is delivered" deliver "second $TAG"
check "it appears too" ui_wait_for "second $TAG" 100
check "and is stored decrypted" settles decrypted "second $TAG"

# A hung agent (stopped) is given up after the agent's 30 s and ended,
# not waited for: the watcher goes on with a new one.
a3=$(agent_of)
check "the third agent is stopped" kill -STOP "$a3"
check "encrypted mail is delivered to a hung agent" deliver "third $TAG"
check "it appears once the hung agent is given up" ui_wait_for "third $TAG" 450
check "and is stored decrypted too" settles decrypted "third $TAG"
check "the hung agent is gone" settles sh -c "! kill -0 $a3 2>/dev/null"

# ^C and ^\ typed at a program the terminal program runs in the
# foreground (an editor, a command a message is piped to) are that
# program's: the watcher's key agent, started in the same terminal, does
# not hear them.
a4=$(agent_of)
check "the watcher has an agent again" test -n "$a4"
ui_answer '|' "trap '' INT QUIT; echo piped; sleep 2"
check "a command takes the message in the foreground" ui_wait_for '^piped'
$TM send-keys -t ui C-c 'C-\'
check "... and ends" ui_wait_for 'Press Enter to go back' 50
$TM send-keys -t ui Enter
# alive PID: PID runs (a zombie, killed and not yet waited for, does not).
alive() { grep -Eq '^State:[[:space:]]+[^Z[:space:]]' "/proc/$1/status"; }
check "the agent heard neither ^C nor ^\\" alive "$a4"
check "more encrypted mail is delivered after" deliver "fourth $TAG"
check "it appears" ui_wait_for "fourth $TAG" 100
check "it is stored decrypted by that agent" settles decrypted "fourth $TAG"
check_eq "... no other" "$a4" "$(agent_of)"
ui_press "the program quits" 'EXITED 0' Q
t_done
