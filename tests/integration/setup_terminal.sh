# sealmail setup on a terminal (driven through tmux): the password is asked
# without echo, the servers are found and proved, the account is written,
# an identity import is offered ("~/" expanded) and what to do next is
# printed. A second account set up beside it is not the default, and the
# hint says so.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
ACCT="alice@example.test@mail.example.test"
SOCK="sm-setupt-$$"
TM="tmux -L $SOCK"
cleanup() {
	$TM kill-server 2>/dev/null
	secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" \
	    2>/dev/null
}
trap cleanup EXIT
secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null
mkdir -p "$T/home" "$T/fakehome"
H=$(cd "$T/home" && pwd -P)
chmod 700 "$H"
printf '[dns]\nresolver = %s\ntrust-anchor = %s\n' "$LAB_DNS_RESOLVER" \
    "$LAB_TA" > "$H/config"
chmod 600 "$H/config"
cp "$LAB_SMIME_DIR/alice.p12" "$T/fakehome/alice.p12"
chmod 600 "$T/fakehome/alice.p12"

# run ARGS...: sealmail --home H ARGS in a new tmux session (sm1, sm2,
# ...: the server is never left without one, which would end it).
runs=0
run() {
	runs=$((runs + 1))
	TS=sm$runs
	$TM -f /dev/null new-session -d -s $TS -x 120 -y 40 \
	    "env HOME='$T/fakehome' DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS' \
	    XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' '$SEALMAIL' --home '$H' $*; \
	    echo EXIT=\$?; sleep 60"
}
run setup alice@example.test
check "the password is asked for" tm_wait 20 \
    "Password for alice@example.test at mail.example.test:"
$TM send-keys -t $TS "$LAB_ALICE_PASS" Enter
check "the account is added" tm_wait 30 "account alice@example.test added to"
check_match "both servers proved by DANE, login ok" \
    "smtp submissions://mail.example.test:$LAB_SUBMISSIONS_PORT: server DANE-EE, login ok" \
    "$(tm_screen)"
check_match "... found in DNSSEC-signed SRV records" \
    "servers from DNSSEC-signed SRV records" "$(tm_screen)"
check_nomatch "the password was not echoed" "$LAB_ALICE_PASS" "$(tm_screen)"
check "an identity import is offered" tm_wait 10 "PKCS#12 \\(.p12\\) file, or Enter to skip:"
$TM send-keys -t $TS "~/alice.p12" Enter
check "its passphrase is asked for" tm_wait 10 "Passphrase for the PKCS#12 file:"
$TM send-keys -t $TS "$LAB_P12_PASS" Enter
check "the identity is imported (~/ expanded)" tm_wait 20 \
    "identity imported from $T/fakehome/alice.p12"
check "what to do next is printed, and setup exits 0" tm_wait 10 "^EXIT=0"
check_match "... sync first" "^  sealmail sync +fetch, decrypt and judge" "$(tm_screen)"
check_nomatch "... no import hint once imported" "sealmail keys import FILE.p12" \
    "$(tm_screen)"
check_match "the identity is in the key store" '"kind":"identity"' \
    "$("$SEALMAIL" --home "$H" keys list --json </dev/null)"

run setup alice@example.test --account work \
    --imap "imap://mail.example.test:$LAB_IMAP_PORT" \
    --smtp "submission://mail.example.test:$LAB_SUBMISSION_PORT"
check "a second account: the password is asked for" tm_wait 20 \
    "Password for alice@example.test at mail.example.test:"
$TM send-keys -t $TS "$LAB_ALICE_PASS" Enter
check "... added" tm_wait 30 "account work added to"
check "... Enter skips the import" tm_wait 10 "or Enter to skip:"
$TM send-keys -t $TS Enter
check "... exits 0" tm_wait 10 "^EXIT=0"
check_match "... the hint names the account (it is not the default)" \
    "sealmail sync --account work" "$(tm_screen)"
check_match "... and still offers the import" "sealmail keys import FILE.p12" \
    "$(tm_screen)"
check "both accounts read back" "$SEALMAIL" --home "$H" config check
check_match "... two of them" "2 account" "$(cat "$T/.out")"

# The terminal program with no account offers the same dialogue, then opens.
secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null
mkdir -p "$T/home2"
H=$(cd "$T/home2" && pwd -P)
chmod 700 "$H"
printf '[dns]\nresolver = %s\ntrust-anchor = %s\n' "$LAB_DNS_RESOLVER" \
    "$LAB_TA" > "$H/config"
chmod 600 "$H/config"
run
check "the program without an account offers to set one up" tm_wait 20 \
    "No account is configured yet"
$TM send-keys -t $TS alice@example.test Enter
check "... the same dialogue asks the password" tm_wait 20 \
    "Password for alice@example.test at mail.example.test:"
$TM send-keys -t $TS "$LAB_ALICE_PASS" Enter
check "... proves the servers and adds the account" tm_wait 30 \
    "account alice@example.test added to $H/config"
check "... offers the identity import" tm_wait 10 "or Enter to skip:"
$TM send-keys -t $TS Enter
check "... and waits before opening the program" tm_wait 10 \
    "Press Enter to open sealmail"
$TM send-keys -t $TS Enter
check "the program opens with the new account" tm_wait 20 \
    "account alice@example.test added; S: sync"
$TM send-keys -t $TS S
# The INBOX is in the store once a sync has run (list names a folder it
# does not hold as an error).
i=0
while [ $i -lt 300 ] && ! "$SEALMAIL" --home "$H" list --folder INBOX \
    >/dev/null 2>&1; do
	sleep 0.1; i=$((i + 1))
done
check "S syncs with it: the INBOX is stored" "$SEALMAIL" --home "$H" list \
    --folder INBOX
$TM send-keys -t $TS q
check "q asks before quitting" tm_wait 10 "Quit sealmail\\?"
$TM send-keys -t $TS y
check "the program quits" tm_wait 10 "^EXIT=0"
check_match "the account is in the config" "\\[account alice@example.test\\]" \
    "$(cat "$H/config")"
t_done
