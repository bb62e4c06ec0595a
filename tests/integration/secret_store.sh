# The store key in the lab's Secret Service (gnome-keyring): made on first
# use, 256 bits under the project's schema keyed by the home; the fallback
# with no bus; and a hung keyring daemon (SIGSTOP) costing no more than
# the deadline.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home"
mkdir -p "$H"
HREAL=$(cd "$H" && pwd -P)

"$SEALMAIL" --home "$H" keys trust "$LAB_CA" >"$T/out" 2>"$T/err"; rc=$?
check_eq "with the Secret Service the store is made without a passphrase" 0 "$rc"
check_eq "and nothing is said about passphrases" "" "$(cat "$T/err")"
check "store.db exists" test -s "$H/store.db"
check "no KDF file: the key is not derived from a passphrase" test ! -e "$H/store.kdf"
key=$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$HREAL" slot current 2>/dev/null)
check_match "the Secret Service holds a 256-bit key for this home" '^[0-9a-f]{64}$' "$key"
check_match "the store file does not start as plain SQLite" '^[0-9a-f]{32}$' "$(head -c 16 "$H/store.db" | od -An -v -tx1 | tr -d ' \n')"
check_nomatch "not 'SQLite format 3'" 'SQLite format 3' "$(head -c 16 "$H/store.db")"
out=$("$SEALMAIL" --home "$H" keys list --json 2>"$T/err"); rc=$?
check_eq "it opens again through the Secret Service" 0 "$rc"
check_match "and shows the anchor" '"kind":"anchor"' "$out"

# Four programs opening a fresh home at once agree on one key.
pids=
for i in 1 2 3 4; do
	"$SEALMAIL" --home "$T/h4" keys trust "$LAB_CA" >/dev/null 2>"$T/err$i" &
	pids="$pids $!"
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
check_eq "four first uses at once all succeed" 0 "$fails"
check_eq "and one store opens with the one key" 1 "$("$SEALMAIL" --home "$T/h4" keys list --json | json /dev/stdin 'len(d)')"

# Without the key in the Secret Service the store stays shut (the key
# the commands above kept for the session would open it: keep none).
printf '[security]\nstore-key-cache = 0\n' > "$H/config"
secret "$T/pw" 'pw'
(unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
 "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys list >/dev/null 2>"$T/err"); rc=$?
check_eq "no bus: a Secret Service store does not open with a passphrase (1)" 1 "$rc"
check_match "one line says there is no Secret Service" '^sealmail: no Secret Service' "$(head -1 "$T/err")"
check_match "the last line says a passphrase cannot open it" 'kept in the Secret Service' "$(tail -1 "$T/err")"
(unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
 "$SEALMAIL" --home "$H" keys list </dev/null >/dev/null 2>"$T/err"); rc=$?
check_eq "... nor without one and without a terminal (1)" 1 "$rc"
check_match "which says so, not to give --passphrase-file" \
    'kept in the Secret Service: no passphrase opens it$' "$(tail -1 "$T/err")"
# On a terminal nothing is asked that could not open it.
TM="tmux -L sm-secret-$$"
trap '$TM kill-server 2>/dev/null' EXIT
$TM new-session -d -s cmd -x 200 -y 10 "env -u DBUS_SESSION_BUS_ADDRESS \
    -u XDG_RUNTIME_DIR '$SEALMAIL' --home '$H' keys list; echo EXITED \$?; \
    sleep 30"
i=0; while [ $i -lt 50 ] && ! $TM capture-pane -p -t cmd | grep -q EXITED
do sleep 0.1; i=$((i + 1)); done
check_match "on a terminal: exit 1 at once, saying why" \
    'no passphrase opens it.*EXITED 1' \
    "$($TM capture-pane -p -t cmd | tr -d '\n')"
check_nomatch "... without asking for a passphrase" 'Passphrase for' \
    "$($TM capture-pane -p -t cmd)"
$TM kill-server

# No bus, fresh home: the passphrase fallback.
(unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
 "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw" keys trust "$LAB_CA" >/dev/null 2>"$T/err"); rc=$?
check_eq "no bus, fresh home: the store is made with the passphrase" 0 "$rc"
check_eq "with exactly one line of notice" 1 "$(wc -l < "$T/err")"
check "the KDF file is there" test -s "$T/h2/store.kdf"

# Moving the key: passphrase -> Secret Service -> a new passphrase.
"$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw" store keyring >/dev/null 2>"$T/err"; rc=$?
check_eq "store keyring moves a passphrase store into the Secret Service" 0 "$rc"
check "the KDF file is gone" test ! -e "$T/h2/store.kdf"
H2REAL=$(cd "$T/h2" && pwd -P)
check_match "the Secret Service holds its new key" '^[0-9a-f]{64}$' \
    "$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$H2REAL" slot current 2>/dev/null)"
out=$("$SEALMAIL" --home "$T/h2" keys list --json 2>"$T/err"); rc=$?
check_eq "it opens without a passphrase now" "0 1" "$rc $(printf '%s' "$out" | json /dev/stdin 'len(d)')"
secret "$T/pw2" 'a new passphrase'
"$SEALMAIL" --home "$T/h2" store passphrase --new-passphrase-file "$T/pw2" >/dev/null 2>"$T/err"; rc=$?
check_eq "store passphrase re-keys it under a new passphrase" 0 "$rc"
check "the KDF file is back" test -s "$T/h2/store.kdf"
check_eq "the Secret Service no longer holds a key for it" "" \
    "$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$H2REAL" slot current 2>/dev/null)"
check_fails "the old passphrase no longer opens it" \
    "store.db: wrong key or passphrase" "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw" keys list
check "the new one does" "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw2" keys list
check "and the store is intact" "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw2" store check

# A change of keying cut short after the re-key, before its commit: the
# next open finds the new key aside and finishes the change.
cp "$T/h2/store.kdf" "$T/kdf.pw2"
secret "$T/pw3" 'a third passphrase'
check "store passphrase again" "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw2" \
    store passphrase --new-passphrase-file "$T/pw3"
mv "$T/h2/store.kdf" "$T/h2/store.kdf.new" && cp "$T/kdf.pw2" "$T/h2/store.kdf"
check "cut short: the new passphrase opens it all the same" "$SEALMAIL" --home "$T/h2" \
    --passphrase-file "$T/pw3" store check
check "and the change is finished: nothing left aside" test ! -e "$T/h2/store.kdf.new"
check "the new passphrase opens it from now on" "$SEALMAIL" --home "$T/h2" \
    --passphrase-file "$T/pw3" keys list
check_fails "the old one does not" "store.db: wrong key or passphrase" \
    "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw2" keys list
# The same for a move into the Secret Service cut short.
cp "$T/h2/store.kdf" "$T/kdf.pw3"
check "store keyring" "$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw3" store keyring
k=$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$H2REAL" slot current)
printf %s "$k" | secret-tool store --label=pending xdg:schema org.sealmail.StoreKey home "$H2REAL" slot next
secret-tool clear xdg:schema org.sealmail.StoreKey home "$H2REAL" slot current
cp "$T/kdf.pw3" "$T/h2/store.kdf"
check "cut short: the store opens with the key left aside" "$SEALMAIL" --home "$T/h2" \
    --passphrase-file "$T/pw3" store check
check "and the passphrase is no longer used" test ! -e "$T/h2/store.kdf"
check_eq "the key is the current one now" "$k" \
    "$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$H2REAL" slot current)"
check "it opens through the Secret Service" "$SEALMAIL" --home "$T/h2" keys list

# A hung keyring daemon: the deadline decides.
kpid=$(awk '$1 == "keyring" { print $2 }' "$LAB_DIR/run/pids")
check_match "the lab's keyring PID is known" '^[0-9]+$' "$kpid"
kill -STOP "$kpid"
trap 'kill -CONT "$kpid" 2>/dev/null' EXIT
s=$(date +%s%N)
SEALMAIL_SECRET_TIMEOUT_MS=1000 "$SEALMAIL" --home "$H" keys list </dev/null >/dev/null 2>"$T/err"; rc=$?
ms=$(( ($(date +%s%N) - s) / 1000000 ))
kill -CONT "$kpid"
check_eq "a hung daemon: the command fails (1)" 1 "$rc"
check_match "it gave up within the deadline (${ms} ms)" '^([0-9]{1,3}|1[0-9]{3}|2[0-4][0-9]{2})$' "$ms"
check_match "and says the Secret Service did not answer in time" 'did not answer within 1000 ms' "$(head -1 "$T/err")"
s=$(date +%s%N)
"$SEALMAIL" --home "$H" keys list >/dev/null 2>&1; rc=$?
check_eq "the daemon continued: the store opens again" 0 "$rc"
t_done
