#!/bin/sh
# ^C typed while the compose screen's send runs does not cut the send off.
# A submission server in front of the lab's Postfix (slowaccept.py) takes
# the message, delivers it and holds back its 250; ^C is typed at the
# terminal meanwhile, and the quit it asks about said yes to. The program
# ends, but the send it started hears the 250 and finishes: the message
# leaves the outbox (it is not left in doubt), and bob has it exactly
# once.
. "$TOP/tests/lib.sh"
ui_alice uisi "ui sendint passphrase"
alice_identity
trap '$TM kill-server 2>/dev/null; rm -rf "$FD"; kill $slow 2>/dev/null' EXIT
slow_relay 4
# waitfile FILE: up to 15 s for FILE to exist.
waitfile() {
	_i=0
	while [ ! -s "$1" ] && [ $_i -lt 150 ]; do sleep 0.1; _i=$((_i + 1)); done
	[ -s "$1" ]
}
check "the holding submission server is up" waitfile "$T/ready"
sed -i "s|^smtp = .*|smtp = submission://mail.example.test:$(cat "$T/ready")|" \
    "$H/config"
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: interrupted $ID\nMessage-ID: <uisi-$ID@example.test>/' "\$1"
printf 'sent while ^C was typed\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_press "the compose screen" '^Send\?  y:send' m
$TM send-keys -t ui y
check "the server took the message and holds its answer" waitfile "$T/accepted"
$TM send-keys -t ui C-c
check "^C asks before quitting" wait_for 'Quit sealmail\? \(y/N\)'
$TM send-keys -t ui y
check "y ends the program" wait_for 'EXITED'
i=0
while [ $i -lt 150 ] && [ "$(S outbox --json 2>/dev/null)" != "[]" ]; do
	sleep 0.1; i=$((i + 1))
done
check_eq "the send finished: the outbox is empty, nothing in doubt" "[]" \
    "$(S outbox --json 2>/dev/null)"
check_eq "bob received it exactly once" 1 "$(bob_got "uisi-$ID")"
check_nomatch "it is no draft" "interrupted $ID" "$(S draft list 2>/dev/null)"
t_done
