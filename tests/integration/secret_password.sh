# On a terminal: sync asks for the account password without echo, offers
# to keep it in the Secret Service, and shows a progress bar; the next
# sync finds the password there and needs no terminal. Driven through tmux.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
F="pwtest$$" N=60
alice_folder "$F"
mkdir -p "$T/home"
H=$(cd "$T/home" && pwd -P)
SOCK="sm-pw-$$"
ACCT="alice@example.test@mail.example.test"
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null
	rm -rf "$FD"
}
trap cleanup EXIT
secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null
i=1
while [ $i -le $N ]; do
	printf 'From: bob@example.test\nSubject: m%d\n\nbody %d\n' $i $i > "$FD/cur/1700000000.M${i}P$$.lab:2,"
	i=$((i + 1))
done
chown --reference="$MD" "$FD/cur/"*
alice_config "$H"

# screen_has REGEX: waits up to 20 s for the pane to show REGEX.
screen_has() {
	_i=0
	while [ $_i -lt 200 ]; do
		tmux -L "$SOCK" capture-pane -p -t sm > "$T/screen" 2>/dev/null
		grep -Eq -- "$1" "$T/screen" && return 0
		_i=$((_i + 1)); sleep 0.1
	done
	return 1
}
tmux -L "$SOCK" -f /dev/null new-session -d -s sm -x 150 -y 20 \
    "env DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS' XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' \
    '$SEALMAIL' --home '$H' sync --folder '$F'; echo EXIT=\$?; sleep 60"
check "the password is asked for" screen_has "Password for alice@example.test@mail.example.test:"
tmux -L "$SOCK" send-keys -t sm "$LAB_ALICE_PASS" Enter
check "keeping it in the Secret Service is offered" screen_has 'Keep it in the Secret Service\? \[y/N\]'
check_nomatch "the password was not echoed" "$LAB_ALICE_PASS" "$(cat "$T/screen")"
tmux -L "$SOCK" send-keys -t sm y Enter
check "the sync finishes (exit 0)" screen_has '^EXIT=0'
check_match "a progress bar with counts and rate was shown" "\\[#+ *\\] $N/$N +[0-9]+ msg/s" "$(cat "$T/screen")"
check_match "and a summary" "synced 1 folder\\(s\\).*$N new" "$(cat "$T/screen")"
check_eq "the Secret Service holds the password" "$LAB_ALICE_PASS" \
    "$(secret-tool lookup xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null)"

printf 'From: bob@example.test\nSubject: later\n\nlater\n' > "$FD/cur/1700000001.MlaterP$$.lab:2,"
chown --reference="$MD" "$FD/cur/"*
"$SEALMAIL" --home "$H" sync --folder "$F" --json </dev/null > "$T/s2.json" 2>"$T/err"; rc=$?
check_eq "the next sync needs no terminal" 0 "$rc"
check_eq "and fetches the new message" 1 "$(json "$T/s2.json" 'd["fetched"]')"
check_eq "--json is quiet on stderr" "" "$(cat "$T/err")"
secret-tool clear xdg:schema org.sealmail.Password account "$ACCT"
"$SEALMAIL" --home "$H" sync --folder "$F" </dev/null >/dev/null 2>"$T/err"; rc=$?
check_eq "without password, command or terminal the sync fails (1)" 1 "$rc"
check_match "and says where a password could come from" 'password-command' "$(tail -1 "$T/err")"
# keys import of a PKCS#12 with no passphrase given asks for it.
cp "$LAB_SMIME_DIR/alice.p12" "$T/alice.p12" && chmod 600 "$T/alice.p12"
# The first session steps aside before it goes, so that the server
# (which exits with its last session) is never between the two.
tmux -L "$SOCK" rename-session -t sm done 2>/dev/null
tmux -L "$SOCK" -f /dev/null new-session -d -s sm -x 150 -y 20 \
    "env DBUS_SESSION_BUS_ADDRESS='$DBUS_SESSION_BUS_ADDRESS' XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' \
    '$SEALMAIL' --home '$H' keys import '$T/alice.p12'; echo EXIT=\$?; sleep 60"
tmux -L "$SOCK" kill-session -t done 2>/dev/null
check "the PKCS#12 passphrase is asked for" screen_has "Passphrase for the PKCS#12 file:"
tmux -L "$SOCK" send-keys -t sm "$LAB_P12_PASS" Enter
check "the import succeeds (exit 0)" screen_has '^EXIT=0'
check_match "the identity is in the store" '"kind":"identity"' "$("$SEALMAIL" --home "$H" keys list --json)"
t_done
