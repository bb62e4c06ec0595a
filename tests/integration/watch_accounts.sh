#!/bin/sh
# Two accounts watched at once, on the lab. A login refused on one (bob's
# password is wrong) is said once, naming the account and where the
# password came from, and is not tried again with the same password as if
# the server were offline (a server counts failed logins: it may lock the
# account, and Dovecot slows every login from the address), while alice's
# new mail still comes; once the password is corrected, a "sync" line (the
# terminal program's S) reads it again and watches bob's INBOX.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
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
	    "$T/watch.out")" -lt 2 ]; do
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

# The terminal program: the refusal on the status line, bob named, and no
# line saying he is offline; S with the password corrected watches him.
secret "$T/bobpw" 'not the password'
ui_start "$H" 120x30
check "alice's INBOX opens" ui_wait_for 'sealmail: alice: INBOX'
check "the status line says bob's login was refused, and what to do" \
    ui_wait_for '^bob: .*login refused.*password-command of account bob' 100
sleep 4
check_nomatch "bob is not said to be offline" 'bob is offline' "$(ui_screen)"
secret "$T/bobpw" "$LAB_BOB_PASS"
$TM send-keys -t ui S
# bob is watched when Dovecot shows his IDLE session.
DOVEADM="doveadm -c $LAB_DIR/dovecot/dovecot.conf"
i=0
while [ $i -lt 100 ] && ! $DOVEADM who -1 2>/dev/null | grep -q '^bob@example.test'; do
	sleep 0.1; i=$((i + 1))
done
check "after S an IMAP connection stays open for bob" test $i -lt 100
sleep 1
deliver bob "after S $TAG"
check "bob's new mail is then said, under his name" \
    ui_wait_for '1 new in INBOX \(bob\)' 100
ui_press "Q quits" 'EXITED 0' Q
t_done
