# A store keyed in the Secret Service: the key the first process fetches
# is kept in the session keyring (possessor only, with a timeout), so the
# next processes of the login session do not ask the Secret Service at
# all: they open the store with the keyring daemon stopped (SIGSTOP) or
# with no session bus, and do not load libsecret. A kept key that no longer fits is dropped and the
# Secret Service asked; a change of keying drops it; store-key-cache = 0
# keeps nothing and asks every time.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home"
mkdir -p "$H"
HREAL=$(cd "$H" && pwd -P)
sm() { "$SEALMAIL" --home "$H" "$@"; }
# kept: the /proc/keys line of the key kept for the store in $H as a store
# keyed in the Secret Service (its description: SHA-256 of the store's
# path, a NUL, and the word secret-service)
kept() {
	d=$(printf '%s\0secret-service' "$HREAL" | sha256sum | cut -c1-32)
	grep " user .*sealmail:store:$d: " /proc/keys
}
kpid=$(awk '$1 == "keyring" { print $2 }' "$LAB_DIR/run/pids")
check_match "the lab's keyring PID is known" '^[0-9]+$' "$kpid"
trap 'kill -CONT "$kpid" 2>/dev/null' EXIT
# stopped CMD...: runs CMD with the keyring daemon stopped and a deadline
# of 2 s for the Secret Service; prints the milliseconds it took.
stopped() {
	kill -STOP "$kpid"
	_s=$(date +%s%N)
	SEALMAIL_SECRET_TIMEOUT_MS=2000 "$@" </dev/null >"$T/out" 2>"$T/err"
	_rc=$?
	_ms=$(( ($(date +%s%N) - _s) / 1000000 ))
	kill -CONT "$kpid"
	echo "$_rc $_ms"
}

check "the first command makes the store, its key in the Secret Service" \
    sm keys trust "$LAB_CA"
check "no KDF file" test ! -e "$H/store.kdf"
line=$(kept)
check_match "the key is kept: a user key of 64 bytes" \
    'user +sealmail:store:[0-9a-f]{32}: 64$' "$line"
check_match "possessor only: view, read, write, search, setattr" \
    ' 2f000000 ' "$line"
check_match "with a timeout of at most store-key-cache's 900 s" \
    ' (1[0-5]|[0-9])m ' "$line"
check_nomatch "the description does not name the store's path" "$H" "$line"

set -- $(stopped sm keys list)
check_eq "the keyring daemon stopped: the next process opens the store" 0 "$1"
check "at once, not after the deadline (${2} ms)" test "$2" -lt 1500
check_match "and lists the anchor" '^anchor ' "$(cat "$T/out")"
check_eq "without a word on stderr" "" "$(cat "$T/err")"
# loaded: the libraries the dynamic loader mapped for a command, by name
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u; }
check_nomatch "it does not even load libsecret or GLib" \
    'libsecret|libgio|libglib' "$(loaded sm keys list)"
out=$(env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR \
    "$SEALMAIL" --home "$H" keys list 2>"$T/err" </dev/null); rc=$?
check_eq "no session bus at all: it opens all the same" 0 "$rc"
check_eq "and says nothing of a passphrase" "" "$(cat "$T/err")"

# A kept key that does not fit (a stale one, or planted): dropped, and the
# Secret Service asked; the right one is kept again.
k0=$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$HREAL" \
    slot current)
d=$(printf '%s\0secret-service' "$HREAL" | sha256sum | cut -c1-32)
python3 - "sealmail:store:$d" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
# keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0), then add_key
ring = libc.syscall(250, 0, ctypes.c_long(-3), 0)
data = os.urandom(64)
if ring < 0 or libc.syscall(248, b"user", sys.argv[1].encode(), data,
        ctypes.c_size_t(64), ctypes.c_long(ring)) < 0:
	sys.exit("add_key: errno %d" % ctypes.get_errno())
EOF
check_eq "a wrong key is planted in its place" 0 $?
check "the store opens all the same, through the Secret Service" sm keys list
check_eq "with the key it holds, not a new one" "$k0" \
    "$(secret-tool lookup xdg:schema org.sealmail.StoreKey home "$HREAL" \
    slot current)"
set -- $(stopped sm keys list)
check_eq "and the right key is kept again: it opens without the daemon" \
    "0" "$1"

# A change of keying drops the kept key.
id=$(kept | cut -d' ' -f1)
check "store keyring gives the store a new key" sm store keyring
check_eq "the key kept for the old one is dropped" "" \
    "$(grep "^$id " /proc/keys)"
check "the new key opens it" sm keys list
set -- $(stopped sm keys list)
check_eq "and is kept in turn" 0 "$1"
secret "$T/pw" 'a passphrase now'
check "store passphrase re-keys it under a passphrase" \
    sm store passphrase --new-passphrase-file "$T/pw"
check_eq "nothing is kept for it as a Secret Service store" "" "$(kept)"
check "store keyring moves it back" sm --passphrase-file "$T/pw" store keyring
check "and it opens through the Secret Service" sm keys list
set -- $(stopped sm keys list)
check_eq "whose key is kept again" 0 "$1"

# store-key-cache = 0: every process asks the Secret Service.
printf '[security]\nstore-key-cache = 0\n' > "$H/config"
set -- $(stopped sm keys list)
check_eq "store-key-cache = 0: with the daemon stopped the store stays shut" \
    1 "$1"
check_match "after the deadline (${2} ms)" \
    'did not answer within 2000 ms' "$(cat "$T/err")"
check "with the daemon running it opens" sm keys list
check_match "loading libsecret to ask it" 'file=libsecret-1\.so' \
    "$(loaded sm keys list)"
H2="$T/home2"
mkdir -p "$H2"
printf '[security]\nstore-key-cache = 0\n' > "$H2/config"
check "a new store under store-key-cache = 0" \
    "$SEALMAIL" --home "$H2" keys trust "$LAB_CA"
H2REAL=$(cd "$H2" && pwd -P)
d=$(printf '%s\0secret-service' "$H2REAL" | sha256sum | cut -c1-32)
check_eq "keeps nothing" "" "$(grep "sealmail:store:$d" /proc/keys)"
t_done
