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
# libetpan's archive (the default) leaves GnuTLS and what it brings out of
# every process; the shared libetpan (ETPAN_STATIC=0) maps them.
libs=$(loaded "$SEALMAIL" --version)
if printf '%s' "$needed" | grep -q libetpan; then
	check_match "the shared libetpan maps GnuTLS" 'file=libgnutls' "$libs"
else
	gnutls_family='libgnutls|libdb|libnettle|libhogweed|libgmp|libidn2'
	gnutls_family="$gnutls_family|libunistring|libtasn1|libp11"
	check_nomatch "--version maps no GnuTLS, nettle, GMP or libidn2" \
	    "$gnutls_family" "$libs"
fi

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
# hide LIB CMD...: runs CMD with the library LIB (a soname) unreadable.
hide() {
	_lib=$(ldconfig -p | awk -v n="$1" '$1 == n { print $NF; exit }')
	shift
	unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' \
	    "$_lib" "$@"
}
check_error "without libunbound keys lookup says it is needed" 1 \
    'libunbound is needed for DNS lookups' hide libunbound.so.8 \
    "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" \
    keys lookup nobody@example.test
check "without libunbound keys list runs" hide libunbound.so.8 \
    "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys list
# libidn2, for a domain outside ASCII: hidden, such a lookup says so (the
# shared libetpan's GnuTLS cannot start without it, so it maps it).
if printf '%s' "$needed" | grep -q libetpan; then
	libs=$(loaded "$SEALMAIL" --version)
	check_match "the shared libetpan maps libidn2" 'file=libidn2' "$libs"
else
	u=$(printf 'a@m\303\274nchen.de')
	check_error "without libidn2 a domain outside ASCII says it is needed" \
	    1 'libidn2 is needed for a domain outside ASCII' \
	    hide libidn2.so.0 "$SEALMAIL" --home "$H2" \
	    --passphrase-file "$T/pw" keys lookup "$u"
fi
t_done
