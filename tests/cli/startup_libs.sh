# What every process pays before its own work: the libraries the dynamic
# loader maps. libsecret and GLib are loaded only to ask the Secret
# Service, so they are not mapped by a command that does not need them.
. "$TOP/tests/lib.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
H="$T/home"
mkdir -p "$H"
secret "$T/pw" 'a startup passphrase'
# loaded CMD...: the libraries the loader mapped for CMD, one a line
loaded() { LD_DEBUG=files "$@" 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u; }

libs=$(loaded "$SEALMAIL" --version)
check_match "the loader's trace names what --version maps" 'file=libcrypto' "$libs"
check_nomatch "not libsecret, GIO, GObject or GLib" \
    'libsecret|libgio|libgobject|libglib' "$libs"
check_nomatch "not libunbound or libevent (loaded for a DNS lookup)" \
    'libunbound|libevent' "$libs"
# Linked: none of the libraries loaded on first use (GnuTLS, which the
# shared libetpan brings, maps libidn2 itself), and never GnuTLS or
# Berkeley DB, which libetpan's archive does not bring either.
needed=$(readelf -d "$SEALMAIL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
check_match "readelf lists what sealmail links" 'libcrypto' "$needed"
check_nomatch "neither libunbound, libidn2 nor libsecret is linked" \
    'libunbound|libidn2|libsecret' "$needed"
check_nomatch "nor GnuTLS or Berkeley DB" 'libgnutls|libdb' "$needed"

check "a store keyed by a passphrase" \
    "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys list
libs=$(loaded "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys list)
check_match "keys list opens it (SQLCipher mapped)" 'file=libsqlcipher' "$libs"
check_nomatch "without libsecret or GLib" 'libsecret|libglib' "$libs"
# OpenSSL's configuration file: a command that reads only the store never
# opens it. A FIFO as the file would hold whoever opened it until timeout
# killed it (124); keys lookup, which may connect, does open it.
mkfifo "$T/openssl.cnf"
for cmd in "keys list" "list" "search zebrafish"; do
	check "$cmd does not read OpenSSL's configuration file" \
	    env OPENSSL_CONF="$T/openssl.cnf" timeout 20 \
	    "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" $cmd
done
OPENSSL_CONF="$T/openssl.cnf" timeout 3 "$SEALMAIL" --home "$H" \
    --passphrase-file "$T/pw" keys lookup nobody@example.test \
    >/dev/null 2>&1
check_eq "keys lookup reads it (held until killed)" 124 "$?"

# A DNS lookup loads libunbound: here from a resolver that never answers
# (the discard port), so the lookup fails after its one second.
H2="$T/home-dns"
mkdir -p "$H2"
printf '[dns]\nresolver = 127.0.0.1@9\ntimeout = 1\n' > "$H2/config"
libs=$(loaded "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" \
    keys lookup nobody@example.test)
check_match "keys lookup loads libunbound" 'file=libunbound' "$libs"
# Without libunbound (the library hidden in a mount namespace of its
# own): the lookup fails and says what is missing; a listing still runs.
ub=$(ldconfig -p | awk '$1 == "libunbound.so.8" { print $NF; exit }')
hidden() {
	unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' \
	    "$ub" "$@"
}
check_error "without libunbound keys lookup says it is needed" 1 \
    'libunbound is needed for DNS lookups' hidden "$SEALMAIL" --home "$H2" \
    --passphrase-file "$T/pw" keys lookup nobody@example.test
check "without libunbound keys list runs" hidden "$SEALMAIL" --home "$H2" \
    --passphrase-file "$T/pw" keys list
t_done
