#!/bin/sh
# Two accounts watched at once, on the lab. A login refused on one (bob's
# password is wrong) is said once, naming the account and where the
# password came from, and is not tried again with the same password as if
# the server were offline (a server counts failed logins: it may lock the
# account, and Dovecot slows every login from the address), while alice's
# new mail still comes; once the password is corrected, a "sync" line (the
# terminal program's S) reads it again and watches bob's INBOX. A server
# that takes the connection and says nothing holds up no other account.
# In the terminal program, new mail on both accounts at once is said for
# both, after what the user's last key said, also when it came while a
# message was being written; an account that stays offline is said to be
# once.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-watchacct-$$"
lab_home "$T/home" 'watch accounts passphrase'
secret "$T/bobpw" 'not the password'
{
	lab_account alice alice@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
	    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/alicepw"
	lab_account bob bob@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
	    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/bobpw"
} > "$H/config"
TAG="wacct$$x$(date +%s)"
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"' EXIT

# deliver WHO SUBJECT: a message to WHO through Postfix's inbound port.
deliver() {
	printf 'From: carol@example.test\r\nTo: %s@example.test\r\nSubject: %s\r\nMessage-ID: <%s.%s@example.test>\r\n\r\nNew mail for %s.\r\n' \
	    "$1" "$2" "$1" "$(echo "$2" | tr ' ' .)" "$1" |
	    swaks --silent 2 --to "$1@example.test" \
	    --from carol@example.test --server "127.0.0.1:$LAB_SMTP_PORT" --data -
}
# refused: how many of bob's logins Dovecot has refused so far.
refused() {
	grep -c 'passwd-file(bob@example.test,.*Password mismatch' \
	    "$LAB_DIR/log/dovecot.log"
}

check "alice's mail is synced once" S sync --account alice
before=$(refused)
{
	# Once alice's INBOX is synced and watched.
	i=0
	while [ $i -lt 100 ] && [ "$(grep -c '^synced	alice\|^watching	alice' \
	    "$T/watch.out" 2>/dev/null)" != 2 ]; do
		sleep 0.1; i=$((i + 1))
	done
	sleep 1
	deliver alice "while bob is refused $TAG"
	sleep 8
	refused > "$T/refused"
	secret "$T/bobpw" "$LAB_BOB_PASS"
	echo sync
	sleep 5
} | S watch > "$T/watch.out" 2> "$T/watch.err"
check_match "bob's refused login is said, naming where the password came from" \
    "^failed	bob	.*login refused.*password-command of account bob in .*: correct it there$" \
    "$(cat "$T/watch.out")"
check_nomatch "and it is not tried again as if the server were offline" \
    "^offline	bob" "$(cat "$T/watch.out")"
check "Dovecot refused two logins of bob's at most (the sync, the watch)" \
    test "$(($(cat "$T/refused") - before))" -le 2
check_match "alice is watched all the while" "^watching	alice	idle$" \
    "$(cat "$T/watch.out")"
check_match "and her new mail comes" "^new	alice	INBOX	1$" "$(cat "$T/watch.out")"
check_match "once corrected, a sync line watches bob's INBOX" \
    "^watching	bob	idle$" "$(sed -n '/^failed	bob/,$p' "$T/watch.out")"
check_match "and syncs his mail" "^synced	bob	" \
    "$(sed -n '/^failed	bob/,$p' "$T/watch.out")"
check_eq "nothing on stderr" "" "$(cat "$T/watch.err")"

# alice's server takes the connection and says nothing: bob's mail is
# synced, and his new mail said, without waiting for alice's to time out.
hostile_up server.py --proto imap --mode silent --silence 60 \
    --record "$T/silent.rec"
sed "0,/^imap .*/s||imap     = imaps://localhost:$port\ntimeout  = 8|" \
    "$H/config" > "$T/config.silent"
# The first account's line is changed, bob's is not.
check_eq "alice's account on the silent server" 1 \
    "$(grep -c "localhost:$port" "$T/config.silent")"
cp "$H/config" "$T/config.lab"
cp "$T/config.silent" "$H/config"
{
	i=0
	while [ $i -lt 150 ] && ! grep -q '^synced	bob' "$T/watch2.out" \
	    2>/dev/null; do
		sleep 0.1; i=$((i + 1))
	done
	deliver bob "while alice's server is silent $TAG"
	sleep 12
} | S watch > "$T/watch2.out" 2> "$T/watch2.err"
hostile_down
cp "$T/config.lab" "$H/config"
# at REGEX: the number of the first line of the second watch that
# matches REGEX (999 when none does).
at() {
	_n=$(grep -n -m1 "$1" "$T/watch2.out" | cut -d: -f1)
	echo "${_n:-999}"
}
check_match "alice's server is said to be offline" "^offline	alice	" \
    "$(cat "$T/watch2.out")"
check "bob is synced before it is" test "$(at '^synced	bob')" -lt \
    "$(at '^offline	alice')"
check "and his new mail said before it is" test "$(at '^new	bob	INBOX	1$')" \
    -lt "$(at '^offline	alice')"

# The terminal program: the refusal on the status line, bob named, and no
# line saying he is offline; S with the password corrected watches him.
secret "$T/bobpw" 'not the password'
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: carol@example.test/; s/^Subject: *\$/Subject: later $TAG/' "\$1"
echo 'To be finished.' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 120x30 "EDITOR='$T/editor.sh'"
check "alice's INBOX opens" ui_wait_for 'sealmail: alice: INBOX'
check "the status line says bob's login was refused, and what to do" \
    ui_wait_for '^bob: .*login refused.*password-command of account bob' 100
sleep 4
check_nomatch "bob is not said to be offline" 'bob is offline' "$(ui_screen)"
secret "$T/bobpw" "$LAB_BOB_PASS"
$TM send-keys -t ui S
# bob is watched when Dovecot shows his IDLE session; his first sync
# is done a moment after.
DOVEADM="doveadm -c $LAB_DIR/dovecot/dovecot.conf"
i=0
while [ $i -lt 100 ] && ! $DOVEADM who -1 2>/dev/null | grep -q '^bob@example.test'; do
	sleep 0.1; i=$((i + 1))
done
check "after S an IMAP connection stays open for bob" test $i -lt 100
sleep 3
deliver bob "after S $TAG"
check "bob's new mail is then said, under his name" \
    ui_wait_for '1 new in INBOX \(bob\)' 100

# status: the status line.
status() { ui_screen | tail -1; }
# both PREFIX: the status line is PREFIX, then one new message in each
# INBOX, in either order.
both() {
	status | grep -Eq "^$1; 1 new in INBOX \((alice\); 1 new in INBOX \(bob|bob\); 1 new in INBOX \(alice)\)\$"
}
# settles10 CMD...: settles, for 10 s.
settles10() { settles "$@" || settles "$@"; }
# stored WHO SUBJECT: WHO's INBOX in the store holds SUBJECT.
stored() {
	S list --json --account "$1" 2>/dev/null | grep -qF "$2"
}
ui_press "a key of no command says so" 'key is not bound' '~'
deliver alice "both alice $TAG" & deliver bob "both bob $TAG"
wait
check "new mail on both accounts at once is said for both, after the key's line" \
    settles10 both 'key is not bound; \? shows the keys'
ui_press "m opens the compose screen" 'Send to carol@example.test\?' m
deliver alice "compose alice $TAG" & deliver bob "compose bob $TAG"
wait
check "alice's new mail is stored while the message is written" \
    settles10 stored alice "compose alice $TAG"
check "and bob's" settles10 stored bob "compose bob $TAG"
$TM send-keys -t ui P
check "once postponed, both are said after it" \
    settles10 both 'postponed as draft [0-9]+ \(R recalls it\)'
ui_press "Q quits" 'EXITED 0' Q

# bob's server refuses every connection: that is said once, and the
# tries after it never hide what the user's key said since; S says it
# again.
closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp "$H/config" "$T/config.lab"
awk -v p="$closed" '/^imap / && ++n == 2 { $0 = "imap     = imaps://localhost:" p } 1' \
    "$T/config.lab" > "$H/config"
check_eq "bob's account on a port where nothing listens" 1 \
    "$(grep -c "localhost:$closed" "$H/config")"
ui_restart "$H" 120x30 "EDITOR='$T/editor.sh'"
check "bob is said to be offline" \
    ui_wait_for '^bob is offline \(.*refused\); trying again in [0-9]+ s'
ui_press "a key of no command says so" '^key is not bound; \? shows the keys$' '~'
sleep 8
check_match "the tries after (1, 2, 4 s) leave what the key said" \
    '^key is not bound; \? shows the keys$' "$(status)"
$TM send-keys -t ui S
check "after S, bob is said to be offline again" \
    ui_wait_for '^bob is offline \(.*refused\); trying again in [0-9]+ s'
ui_press "Q quits" 'EXITED 0' Q
cp "$T/config.lab" "$H/config"
t_done
