# make demo, driven through tmux: the hints come before the program, the
# welcome note is in the INBOX with the five messages, the hints come again
# after it exits, and the lab stops only when the user agrees.
. "$TOP/tests/lib.sh"
TM="tmux -L sealmail-demo-$$"
DEMO=$T/demo
BASE=$((${LAB_PORT_BASE:-10000} + 1300))	# beside the run's lab
trap '$TM kill-server 2>/dev/null; sh "$TOP/tests/lab/stop.sh" "$DEMO/lab" \
    >/dev/null 2>&1' EXIT

TS=demo

$TM new-session -d -s demo -x 120 -y 40 \
    "env -u DBUS_SESSION_BUS_ADDRESS SEALMAIL='$SEALMAIL' \
    SEALMAIL_DEMO_DIR='$DEMO' LAB_PORT_BASE=$BASE sh '$TOP/tests/lab/demo.sh'; \
    echo DEMO-EXITED \$?; sleep 60"
check "the demo sets up and waits before opening sealmail" \
    tm_wait 180 'press Enter to go on'
check_match "the hints come first: the command line against the lab" \
    "^  \\. $DEMO/lab/lab.env\$" "$(tm_screen)"
check_match "... with the commands to try" "--home $DEMO/alice list" \
    "$(tm_screen)"
$TM send-keys -t demo Enter
check "the INBOX opens with the welcome note" \
    tm_wait 30 'Welcome to the sealmail demo'
check "... beside the forged message" tm_wait 5 'Forged: the meeting time'
$TM send-keys -t demo Q
check "after quitting the demo asks before stopping the lab" \
    tm_wait 20 'Stop the lab now\? \[Y/n\]'
check_match "... after printing the hints again" \
    'sealmail exited \(0\)\.' "$(tm_screen)"
up() {	# up PORT: something listens on 127.0.0.1:PORT
	python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5).close()' "$1"
}
check "... so the lab is still up while it asks" up $((BASE + 993))
$TM send-keys -t demo n Enter
check "n keeps the lab and says how to stop it" \
    tm_wait 10 "sh .*stop\\.sh $DEMO/lab"
check "the demo exits 0" tm_wait 10 'DEMO-EXITED 0'
check "the lab's pids are still there" test -s "$DEMO/lab/run/pids"
check "the lab still answers after the demo" up $((BASE + 993))
check "the printed command stops the lab" sh "$TOP/tests/lab/stop.sh" \
    "$DEMO/lab"
check_fails "... and then nothing answers" 'Connection refused' up $((BASE + 993))
t_done
