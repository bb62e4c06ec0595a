#!/bin/sh
# The lab's life cycle, on a lab of this test's own (ports LAB_PORT_BASE +
# 1300 and up, clear of the shared lab's): start.sh on a fresh directory
# writes lab.env as agreed; started again on the same directory it replaces
# the running lab; stop.sh leaves no process and no port behind, and is
# harmless a second time; an interrupted start and a start refused for a
# taken port leave nothing running either.
. "$TOP/tests/lib.sh"
lab_up
B=$((${LAB_PORT_BASE:-10000} + 1300))
D=$T/lab
START=$TOP/tests/lab/start.sh STOP=$TOP/tests/lab/stop.sh
PORTS="$((B + 143)) $((B + 993)) $((B + 587)) $((B + 465)) $((B + 25))
$((B + 24)) $((B + 53)) $((B + 880))"

# listening PORT: true when something listens on TCP PORT.
listening() {
	_hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$_hex" 'index($2 " ", p) && $4 == "0A" { f = 1 }
		END { exit !f }'
}
# alive FILE: prints the processes recorded in FILE (a copy of start.sh's
# run/pids: name, PID, start time) that still run.
alive() {
	while read -r _n _p _s; do
		_st=$(sed 's/^.*) //' "/proc/$_p/stat" 2>/dev/null |
		    cut -d' ' -f1,20)
		case $_st in
		"Z "*|"") ;;
		*" $_s") echo "recorded $_n $_p" ;;
		esac
	done < "$1"
}
# leftovers: prints every process that still belongs to the lab in D: by
# command line, by the mark start.sh puts in its daemons' environment, by
# a PID start.sh recorded, and any listener on the lab's ports.
leftovers() {
	pgrep -f "$D" | sed 's/^/cmdline /'
	grep -lzFx -e "SEALMAIL_LAB_OWNER=$D" -e "SEALMAIL_LAB_OWNER=$D/nsd" \
	    /proc/[0-9]*/environ 2>/dev/null | sed 's/^/environ /'
	for f in "$T"/pids.*; do
		[ -f "$f" ] && alive "$f"
	done
	for _p in $PORTS; do
		listening "$_p" && echo "port $_p"
	done
}
ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

for p in $PORTS; do
	if listening "$p"; then
		notok "port $p is free for this test's lab"
		t_done
	fi
done

t=$(date +%s%N)
check "start.sh on a fresh directory" env LAB_PORT_BASE=$B sh "$START" "$D"
echo "# fresh start: $(ms "$t") ms"
cp "$D/run/pids" "$T/pids.1" 2>/dev/null
check "lab.env exists" test -s "$D/lab.env"

# lab.env: sourceable by sh, every variable exported, the agreed values.
env -i PATH="$PATH" sh -c ". '$D/lab.env' && env" | sort > "$T/env"
e() { sed -n "s/^$1=//p" "$T/env"; }
check_eq "LAB_DIR" "$D" "$(e LAB_DIR)"
check_eq "LAB_HOST" mail.example.test "$(e LAB_HOST)"
check_eq "LAB_CA" "$D/ca/ca.pem" "$(e LAB_CA)"
check "LAB_CA_KEY is a key file" test -s "$(e LAB_CA_KEY)"
check_eq "LAB_IMAP_PORT" $((B + 143)) "$(e LAB_IMAP_PORT)"
check_eq "LAB_IMAPS_PORT" $((B + 993)) "$(e LAB_IMAPS_PORT)"
check_eq "LAB_SUBMISSION_PORT" $((B + 587)) "$(e LAB_SUBMISSION_PORT)"
check_eq "LAB_SUBMISSIONS_PORT" $((B + 465)) "$(e LAB_SUBMISSIONS_PORT)"
check_eq "LAB_SMTP_PORT" $((B + 25)) "$(e LAB_SMTP_PORT)"
check_eq "LAB_LMTP_PORT" $((B + 24)) "$(e LAB_LMTP_PORT)"
check_eq "LAB_DNS_PORT" $((B + 53)) "$(e LAB_DNS_PORT)"
check_eq "LAB_ALICE" alice@example.test "$(e LAB_ALICE)"
check_eq "LAB_BOB" bob@example.test "$(e LAB_BOB)"
check_match "LAB_ALICE_PASS and LAB_BOB_PASS are set" '^.+ .+$' \
    "$(e LAB_ALICE_PASS) $(e LAB_BOB_PASS)"
check "alice's Maildir is under DIR/mail" \
    test -d "$D/mail/example.test/alice/Maildir" -o \
    -d "$D/mail/example.test/alice"
n=0
for f in alice.pem alice.key alice.p12 bob.pem bob.key bob.p12; do
	[ -s "$(e LAB_SMIME_DIR)/$f" ] && n=$((n + 1))
done
check_eq "LAB_SMIME_DIR holds the six S/MIME files" 6 "$n"
check_match "LAB_P12_PASS is set" . "$(e LAB_P12_PASS)"
check_eq "LAB_DNS_RESOLVER" "127.0.0.1@$((B + 53))" "$(e LAB_DNS_RESOLVER)"
check "LAB_TA is a file" test -s "$(e LAB_TA)"
check "LAB_ZONE_DIR has the zone sources" \
    test -s "$(e LAB_ZONE_DIR)/example.test.zone"
check_match "LAB_DBUS_ADDRESS is a socket in DIR" "^unix:path=$D/" \
    "$(e LAB_DBUS_ADDRESS)"
check_eq "DBUS_SESSION_BUS_ADDRESS too" "$(e LAB_DBUS_ADDRESS)" \
    "$(e DBUS_SESSION_BUS_ADDRESS)"
check_match "XDG_RUNTIME_DIR is inside DIR" "^$D/" "$(e XDG_RUNTIME_DIR)"
check "the lab answers IMAPS" curl -s --ssl-reqd --cacert "$D/ca/ca.pem" \
    -u alice@example.test:"$(e LAB_ALICE_PASS)" \
    "imaps://127.0.0.1:$((B + 993))/INBOX" -X "UID SEARCH ALL"
ca1=$(openssl x509 -in "$D/ca/ca.pem" -noout -fingerprint -sha256)

t=$(date +%s%N)
check "start.sh again on the same, running directory" \
    env LAB_PORT_BASE=$B sh "$START" "$D"
echo "# restart over a running lab: $(ms "$t") ms"
cp "$D/run/pids" "$T/pids.2" 2>/dev/null
n=$(cat "$T/pids.1" "$T/pids.2" | cut -d' ' -f2 | sort | uniq -d | wc -l)
check_eq "it runs new processes, none of the first lab's" 0 "$n"
check_eq "... and it kept the CA" "$ca1" \
    "$(openssl x509 -in "$D/ca/ca.pem" -noout -fingerprint -sha256)"
check "the restarted lab answers IMAPS" \
    curl -s --ssl-reqd --cacert "$D/ca/ca.pem" \
    -u alice@example.test:"$(e LAB_ALICE_PASS)" \
    "imaps://127.0.0.1:$((B + 993))/INBOX" -X "UID SEARCH ALL"
check "the restarted lab submits mail" \
    swaks --server 127.0.0.1 --port $((B + 587)) --tls --tls-verify \
    --tls-ca-path "$D/ca/ca.pem" --auth PLAIN --auth-user alice@example.test \
    --auth-password "$(e LAB_ALICE_PASS)" --from alice@example.test \
    --to bob@example.test
check_match "the restarted lab answers DNS" 'IN[[:space:]]+A[[:space:]]+127.0.0.1' \
    "$(dig +norec -p $((B + 53)) @127.0.0.1 mail.example.test A)"
check_eq "... and the first lab's processes are all gone" "" \
    "$(alive "$T/pids.1")"
check_eq "the second lab's six daemons run" 6 "$(alive "$T/pids.2" | wc -l)"

t=$(date +%s%N)
check "stop.sh" sh "$STOP" "$D"
echo "# stop: $(ms "$t") ms"
check_eq "after stop.sh no process and no port is left" "" "$(leftovers)"
check_eq "pgrep -f on the lab directory finds nothing" "" "$(pgrep -af "$D")"
check "lab.env is gone with the lab" test ! -e "$D/lab.env"
check "stop.sh a second time is harmless" sh "$STOP" "$D"
check "stop.sh on a directory that never held a lab is harmless" \
    sh "$STOP" "$T/nothing-here"

# An interrupted start: TERM once Dovecot is recorded.
env LAB_PORT_BASE=$B sh "$START" "$D" >"$T/partial.log" 2>&1 &
sp=$!
i=0
until grep -q '^dovecot ' "$D/run/pids" 2>/dev/null || [ $i -ge 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
cp "$D/run/pids" "$T/pids.3" 2>/dev/null
kill -TERM "$sp"
wait "$sp"
rc=$?
check_match "the start was interrupted with Dovecot running" '^dovecot ' \
    "$(cat "$T/pids.3" 2>/dev/null)"
check_eq "an interrupted start.sh fails" 1 "$rc"
check_match "... saying so" 'interrupted' "$(cat "$T/partial.log")"
check_eq "... and leaves no process and no port" "" "$(leftovers)"

# A port in use: start.sh refuses and starts nothing.
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(60)' \
    $((B + 587)) </dev/null >/dev/null 2>&1 &
hp=$!
i=0
until listening $((B + 587)) || [ $i -ge 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
out=$(env LAB_PORT_BASE=$B sh "$START" "$D" 2>&1)
rc=$?
check_eq "start.sh with a taken port fails" 1 "$rc"
check_match "... naming the port" "port $((B + 587)) is already in use" "$out"
kill "$hp"
wait "$hp" 2>/dev/null
check_eq "... and leaves no process and no port" "" "$(leftovers)"

t=$(date +%s%N)
check "start.sh on the reused directory after all that" \
    env LAB_PORT_BASE=$B sh "$START" "$D"
echo "# start, directory reused: $(ms "$t") ms"
cp "$D/run/pids" "$T/pids.4" 2>/dev/null
check "stop.sh" sh "$STOP" "$D"
check_eq "nothing is left at the end" "" "$(leftovers)"
t_done
