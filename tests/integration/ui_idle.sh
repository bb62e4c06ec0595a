#!/bin/sh
# New mail as it arrives, on the lab: the terminal program shows the
# stored index at once and syncs at start; with the program open, a
# message delivered through Postfix appears in the index within 5 s
# without a key press, the status line says "1 new in INBOX (lab)" and
# new-mail-command runs with the count; the IDLE connection comes back
# after the server closes it (doveadm kick) and mail keeps appearing;
# a long sync at start shows its progress on the status line.
# The watcher itself, run alone, says its progress in lines.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-idle-$$"
lab_home "$T/home" 'idle passphrase'
lab_account lab alice@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/alicepw" \
    "new-mail-command = echo \"\$1 \$SEALMAIL_FOLDER \$SEALMAIL_ACCOUNT\" >> \"$T/newmail\" && grep ^SigIgn /proc/self/status > \"$T/newmail.sigign\"" \
    > "$H/config"
DOVEADM="doveadm -c $LAB_DIR/dovecot/dovecot.conf"
TAG="idle$$x$(date +%s)"
# What this script delivered leaves the shared mailboxes with it.
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"' EXIT

# deliver SUBJECT: a message to alice through Postfix's inbound port.
deliver() {
	printf 'From: bob@example.test\r\nTo: alice@example.test\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n\r\nArrived while the program was open.\r\n' \
	    "$1" "$1" | swaks --silent 2 --to alice@example.test \
	    --from bob@example.test --server "127.0.0.1:$LAB_SMTP_PORT" --data -
}
# within5 REGEX: the screen shows REGEX within 5 s.
within5() { ui_wait_for "$1" 50; }
screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }

check "a first sync" S sync
check "a message waits on the server before the program starts" deliver "early $TAG"
ui_start "$H" 120x40
check "the stored index is drawn at once" wait_for 'sealmail: INBOX \([0-9]+\)'
check "the sync at start brings the waiting message, no key pressed" \
    within5 "early $TAG"
# The IDLE connection is up when Dovecot shows alice's second session.
i=0
while [ $i -lt 50 ] && [ "$($DOVEADM who -1 2>/dev/null | grep -c '^alice@example.test')" -lt 1 ]; do
	sleep 0.1; i=$((i + 1))
done
check "an IMAP connection stays open for alice" test $i -lt 50

deliver "first $TAG"
check "a message delivered through Postfix appears within 5 s" within5 "first $TAG"
check "the status line says what came" within5 '1 new in INBOX \(lab\)'
# (the command writes newmail.sigign last)
i=0; while [ $i -lt 30 ] && [ ! -s "$T/newmail.sigign" ]; do sleep 0.1; i=$((i + 1)); done
check_eq "new-mail-command ran with the count" "1 INBOX lab" "$(cat "$T/newmail" 2>/dev/null)"
check "with SIGPIPE and SIGXFSZ at their defaults" \
    dispositions_default "$T/newmail.sigign"

# The server closes the connection: it is opened again, said in one line.
check "Dovecot closes alice's connections" sh -c "$DOVEADM kick alice@example.test >/dev/null"
check "the loss is said on the status line" \
    wait_for 'lab is offline \(.*\); trying again in [0-9]+ s'
deliver "second $TAG"
check "after the server closed it, new mail still appears" \
    wait_for "second $TAG"
check "the status line says it" wait_for '^1 new in INBOX \(lab\)$'
check_eq "and only one line of it" 1 "$(screen | grep -c 'offline\|new in INBOX')"
# What the user's own last key said is not hidden by the notice: the
# notice follows it.
ui_press "a key of no command says so" 'key is not bound' '~'
deliver "third $TAG"
check "new mail then follows what the key said, on one line" \
    wait_for 'key is not bound; \? shows the keys; 1 new in INBOX \(lab\)'
ui_press "Q quits" 'EXITED 0' Q
i=0
while [ $i -lt 50 ] && [ -n "$(pgrep -f "sealmail --home $H.* watch" 2>/dev/null)" ]; do
	sleep 0.1; i=$((i + 1))
done
check "the watcher ends with the program" test $i -lt 50

# Many messages at start: the status line shows the folder, done/total
# and the rate while they come in.
before=$(S list --json | json /dev/stdin 'len(d)')
_md="$LAB_MAIL_DIR/example.test/alice/Maildir"
i=1
while [ $i -le 400 ]; do
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: bulk %d %s\n\nOne of many.\n' \
	    "$i" "$TAG" > "$_md/new/$(date +%s).bulk$i.$$.lab"
	i=$((i + 1))
done
chown -R --reference="${_md%/Maildir}" "$_md"
$TM respawn-pane -k -t ui \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw'; echo EXITED \$?; sleep 60"
check "the progress of the sync at start is on the status line, and stays" \
    wait_for '^sync(ing|ed) INBOX \(lab\): [0-9]+/400, [0-9]+ msg/s$'
check "and all of them come into the index" wait_for "sealmail: INBOX \\($((before + 400))\\)" 300
check "the status line then says it synced them" \
    wait_for '^synced INBOX \(lab\): 400/400, [0-9]+ msg/s$'
ui_press "Q quits" 'EXITED 0' Q

# The watcher alone: progress lines while it syncs, then watching.
deliver "third $TAG"
deliver "fourth $TAG"
(sleep 4) | S watch > "$T/watch.out" 2> "$T/watch.err"
check_match "it says the folder, done/total and the rate" \
    "^progress	lab	INBOX	[0-9]+	[0-9]+	[0-9]+$" "$(cat "$T/watch.out")"
check_match "that the account synced, with the count" "^synced	lab	2$" "$(cat "$T/watch.out")"
check_match "and that it watches with IDLE" "^watching	lab	idle$" "$(cat "$T/watch.out")"
check_eq "and nothing on stderr" "" "$(cat "$T/watch.err")"

# A Dovecot without IDLE: the watcher checks every poll seconds instead.
LAB2=$T/lab2
CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE UNSELECT CHILDREN UIDPLUS LIST-EXTENDED LIST-STATUS CONDSTORE QRESYNC ESEARCH SPECIAL-USE MOVE"
LAB_PORT_BASE=$((LAB_PORT_BASE + 1300)) LAB_DOVECOT_EXTRA="imap_capability = $CAPS" \
    sh "$TOP/tests/lab/start.sh" "$LAB2" > "$T/lab2.log" 2>&1
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"; sh "$TOP/tests/lab/stop.sh" "$LAB2" >/dev/null 2>&1' EXIT
check "a second lab without IDLE" test -f "$LAB2/lab.env"
P2=$(. "$LAB2/lab.env" && echo "$LAB_IMAPS_PORT")
MD2=$(. "$LAB2/lab.env" && echo "$LAB_MAIL_DIR")/example.test/alice/Maildir
H2="$T/home2"
mkdir -p "$H2" && chmod 700 "$H2"
sed -e "s|:$LAB_IMAPS_PORT|:$P2|" -e "s|^ca-file .*|ca-file  = $(. "$LAB2/lab.env" && echo "$LAB_CA")|" \
    -e '/^new-mail-command/d' "$H/config" > "$H2/config"
echo 'poll     = 5' >> "$H2/config"
{
	sleep 3
	mkdir -p "$MD2/new"
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: polled %s\n\nNo IDLE here.\n' \
	    "$TAG" > "$MD2/new/$(date +%s).polled.$$.lab"
	chown -R --reference="${MD2%/Maildir}" "$MD2"
	sleep 9
} | "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" watch > "$T/watch2.out" 2> "$T/watch2.err"
check_match "it watches by polling" "^watching	lab	poll$" "$(cat "$T/watch2.out")"
check_match "and a poll finds the new message" "^new	lab	INBOX	1$" "$(cat "$T/watch2.out")"
check_match "which is stored" "polled $TAG" \
    "$("$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" list --json)"
t_done
