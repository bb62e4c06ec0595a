# A store keyed by a passphrase (no Secret Service): the key scrypt derives
# is kept in the session keyring, possessor only, so that the next process
# neither derives it again (no 128 MiB of scrypt) nor needs the
# passphrase; a wrong passphrase still fails; a change of passphrase drops
# it; store-key-cache = 0 keeps nothing.
. "$TOP/tests/lib.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
H=$T/home
mkdir -p "$H"
secret "$T/pw" 'kept store pass phrase'
secret "$T/bad" 'not the pass phrase'
secret "$T/new" 'the next pass phrase'
sm() { "$SEALMAIL" --home "$H" "$@"; }
# peak KB of a sealmail process
peak() {
	/usr/bin/time -f '%M' -o "$T/peak" "$SEALMAIL" --home "$H" "$@" \
	    >/dev/null 2>&1
	rc=$?
	tail -1 "$T/peak"
	return $rc
}
# kept: the /proc/keys line of the key kept for this store as it is keyed
# now (its description: SHA-256 of the store's path, a NUL, store.kdf)
kept() {
	d=$({ printf '%s\0' "$(cd "$H" && pwd -P)"; cat "$H/store.kdf"; } |
	    sha256sum | cut -c1-32)
	grep " user .*sealmail:store:$d: " /proc/keys
}

check "the first command makes the store" sm --passphrase-file "$T/pw" keys list
line=$(kept)
check_match "a user key of 64 bytes (the key and the passphrase's MAC) is kept" \
    'user +sealmail:store:[0-9a-f]{32}: 64$' "$line"
check_match "possessor only: view, read, write, search, setattr; nothing for the user or others" \
    ' 2f000000 ' "$line"
check_match "with a timeout" ' (1[0-5]|[0-9])m ' "$line"
check_nomatch "the description does not name the store's path" "$H" "$line"

kb=$(peak --passphrase-file "$T/pw" list); rc=$?
check_eq "the next process opens the store with it" 0 "$rc"
check "without scrypt's 128 MiB (peak $kb KB)" test "$kb" -lt 65536
kb=$(peak list </dev/null); rc=$?
check_eq "and with no passphrase and no terminal" 0 "$rc"

check_error "a wrong passphrase still fails" 1 'wrong key or passphrase' \
    sm --passphrase-file "$T/bad" list

printf '[security]\nstore-key-cache = 0\n' > "$H/config"
check_error "store-key-cache = 0: nothing kept, a passphrase is needed" 1 \
    'passphrase-file' sm list
kb=$(peak --passphrase-file "$T/pw" list); rc=$?
check_eq "and it is derived again" 0 "$rc"
check "with scrypt's memory (peak $kb KB)" test "$kb" -gt 131072
rm -f "$H/config"

check_error "with no terminal, store passphrase names the option it reads" \
    1 'no terminal to ask for the new passphrase: give --new-passphrase-file' \
    sm --passphrase-file "$T/pw" store passphrase </dev/null
check "the passphrase changes" sm --passphrase-file "$T/pw" store passphrase \
    --new-passphrase-file "$T/new"
id=${line%% *}
check_eq "the kept key is dropped" "" "$(grep "^$id " /proc/keys)"
check_error "the old passphrase fails" 1 'wrong key or passphrase' \
    sm --passphrase-file "$T/pw" list
check "the new one opens it" sm --passphrase-file "$T/new" list
check_match "and the new key is kept" ': 64$' "$(kept)"
kb=$(peak list </dev/null); rc=$?
check_eq "and opens the store without a passphrase" 0 "$rc"
t_done
