#!/bin/sh
# tests/lab/start.sh DIR: starts the sealmail lab in DIR (fresh or reused),
# every server bound to 127.0.0.1 on ports LAB_PORT_BASE + the usual number
# (LAB_PORT_BASE defaults to 10000), and writes DIR/lab.env:
#
#   a test CA, a server certificate (mail.example.test, localhost,
#   127.0.0.1) and S/MIME identities for alice and bob;
#   Dovecot: IMAP with STARTTLS (+143), IMAPS (+993), LMTP (+24);
#   Postfix: submission with STARTTLS (+587) and implicit TLS (+465), AUTH
#   through Dovecot only after TLS, and plain inbound SMTP (+25, no AUTH,
#   only @example.test), delivering to Dovecot over LMTP;
#   NSD (+53) serving example.test signed with DNSSEC, with TLSA and
#   SMIMEA records, a bogus sub-zone and an insecure one;
#   a private D-Bus session bus with gnome-keyring as Secret Service,
#   its default collection unlocked;
#   an OCSP responder and a CRL over HTTP (+880) for the lab CA, with
#   certificates that name them (tests/lab/revoke.py).
#
# A lab already running in DIR is stopped first. Whatever fails, everything
# this script started is stopped again (tests/lab/stop.sh, by PID). Nothing
# outside DIR is written. Needs root (Postfix's master).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/dnszone.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: LAB_PORT_BASE=N sh tests/lab/start.sh DIR" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "lab: needs root (Postfix's master runs only as root)" >&2
	exit 1
fi
BASE=${LAB_PORT_BASE:-10000}
case $BASE in
''|*[!0-9]*) echo "lab: LAB_PORT_BASE must be a number" >&2; exit 2 ;;
esac
if [ "$BASE" -lt 1024 ] || [ "$BASE" -gt 64000 ]; then
	echo "lab: LAB_PORT_BASE must lie between 1024 and 64000" >&2
	exit 2
fi
mkdir -p "$1" || exit 1
DIR=$(cd "$1" && pwd) || exit 1
case $DIR in
*[!A-Za-z0-9_./+-]*)
	echo "lab: $DIR: use a path of letters, digits and ._+-/ only" >&2
	exit 2 ;;
esac
if [ ${#DIR} -gt 80 ]; then
	echo "lab: $DIR is too long for the lab's sockets (80 at most)" >&2
	exit 2
fi

IMAP_PORT=$((BASE + 143)) IMAPS_PORT=$((BASE + 993))
SUBMISSION_PORT=$((BASE + 587)) SUBMISSIONS_PORT=$((BASE + 465))
SMTP_PORT=$((BASE + 25)) LMTP_PORT=$((BASE + 24)) DNS_PORT=$((BASE + 53))
ALICE_PASS=alice-pass BOB_PASS=bob-pass P12_PASS=lab-p12
KEYRING_PASS=lab-keyring

t0=$(date +%s%N)
ms() { echo $((($(date +%s%N) - t0) / 1000000)); }
say() { echo "lab: $*"; }

# fd 9 is this script's own stderr: a trap may run fail() while a function
# of this script has its stderr sent to a log. Daemons get it closed.
exec 9>&2
fail() {
	{ echo "lab: $*" >&9; } 2>/dev/null || echo "lab: $*" >&2
	sh "$HERE/stop.sh" "$DIR" >/dev/null 2>&1
	exit 1
}
trap 'fail "interrupted"' INT TERM HUP

# A previous lab in this directory, whole or partial, goes first.
sh "$HERE/stop.sh" "$DIR" >/dev/null 2>&1

# port_taken PORT: true when something listens on TCP PORT or holds UDP PORT.
port_taken() {
	_hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p="$_hex" 'index($2 " ", p) && $4 == "0A" { f = 1 }
		END { exit !f }' && return 0
	cat /proc/net/udp /proc/net/udp6 2>/dev/null |
	    awk -v p="$_hex" 'index($2 " ", p) { f = 1 } END { exit !f }'
}
for p in $IMAP_PORT $IMAPS_PORT $SUBMISSION_PORT $SUBMISSIONS_PORT \
    $SMTP_PORT $LMTP_PORT $DNS_PORT; do
	port_taken "$p" && fail "port $p is already in use (LAB_PORT_BASE=$BASE)"
done

umask 022
mkdir -p "$DIR/run" "$DIR/log" "$DIR/ca" "$DIR/smime" "$DIR/zone/keys" \
    "$DIR/nsd" "$DIR/dovecot/run" "$DIR/dovecot/state" "$DIR/postfix/conf" \
    "$DIR/postfix/data" "$DIR/mail/example.test" || fail "cannot create $DIR"
chmod 755 "$DIR"
: > "$DIR/run/pids"
rm -f "$DIR/lab.env"

# record NAME PID: remembers a process this script started, with its start
# time, for stop.sh.
record() {
	printf '%s %s %s\n' "$1" "$2" "$(dz_pid_start "$2")" >> "$DIR/run/pids"
}

# --- certificates (made once per directory) ---------------------------------
CNF=$HERE/conf/openssl.cnf
C=$DIR/ca S=$DIR/smime
# openssl.cnf's S/MIME profile takes the address from here; every use of the
# file needs it set.
LAB_CERT_EMAIL=unused@example.test
export LAB_CERT_EMAIL
# bücher.example.test in A-labels: bob's mail under a domain outside ASCII.
IDN_DOMAIN=xn--bcher-kva.example.test

# issue NAME KEY SUBJECT PROFILE: a certificate for KEY signed by the lab CA.
issue() {
	openssl req -new -config "$CNF" -key "$2" -subj "$3" -out "$1.csr" &&
	    openssl x509 -req -in "$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
		-set_serial "0x$(openssl rand -hex 12)" -days 3650 -sha256 \
		-extfile "$CNF" -extensions "$4" -out "$1.pem" 2>/dev/null &&
	    rm -f "$1.csr"
}

smime_id() {
	LAB_CERT_EMAIL=$2 issue "$S/$1" "$S/$3.key" \
	    "/O=sealmail lab/CN=$4" smime || return 1
	[ "$1" = "$3" ] || return 0
	openssl pkcs12 -export -in "$S/$1.pem" -inkey "$S/$1.key" \
	    -certfile "$C/ca.pem" -name "$4" -passout "pass:$P12_PASS" \
	    -out "$S/$1.p12"
}

make_certs() {
	openssl req -x509 -new -config "$CNF" -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
	    -subj "/O=sealmail lab/CN=sealmail lab CA" -days 3650 -sha256 \
	    -extensions ca -out "$C/ca.pem" 2>/dev/null || return 1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$C/server.key" 2>/dev/null &&
	    issue "$C/server" "$C/server.key" \
		"/O=sealmail lab/CN=mail.example.test" server &&
	    cat "$C/server.pem" "$C/ca.pem" > "$C/server-chain.pem" ||
	    return 1
	for u in alice bob; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		    -out "$S/$u.key" 2>/dev/null &
	done
	wait
	[ -s "$S/alice.key" ] && [ -s "$S/bob.key" ] || return 1
	smime_id alice alice@example.test alice "Alice Example" &&
	    smime_id bob bob@example.test bob "Bob Example" &&
	    smime_id alice-broken alice@broken.example.test alice \
		"Alice Broken" &&
	    smime_id alice-unsigned alice@unsigned.example.test alice \
		"Alice Unsigned" &&
	    smime_id bob-idn "bob@$IDN_DOMAIN" bob "Bob Buecher" || return 1
	chmod 600 "$C/ca.key" "$C/server.key" "$S"/*.key
	# Written last: its presence means the set is whole.
	printf '%s\n' "$P12_PASS" > "$S/p12-pass"
}
if [ ! -s "$S/p12-pass" ] || [ "$(cat "$S/p12-pass")" != "$P12_PASS" ] ||
    [ ! -s "$S/bob-idn.pem" ]; then
	rm -f "$C"/* "$S"/*
	make_certs || fail "could not make the certificates"
fi
# A passphrase file others may read is refused by sealmail.
chmod 600 "$S/p12-pass"
say "certificates ready at $(ms) ms"

# --- DNS: example.test and its two sub-zones ----------------------------------
Z=$DIR/zone
dz_keys example.test "$Z/keys" >/dev/null &&
    dz_keys broken.example.test "$Z/keys" >/dev/null ||
    fail "ldns-keygen failed"
serial=$(date +%s)
soa="@ IN SOA ns1.example.test. hostmaster.example.test. $serial 3600 600 86400 300"
# srv_records OWNER TARGET: RFC 6186 SRV records at OWNER for the lab's
# IMAP and submission ports, implicit TLS preferred (a lower priority).
srv_records() {
	_o=$1
	[ "$_o" = @ ] && _o= || _o=.$_o
	printf '_imaps._tcp%s IN SRV 0 1 %s %s\n' "$_o" $IMAPS_PORT "$2"
	printf '_imap._tcp%s IN SRV 10 1 %s %s\n' "$_o" $IMAP_PORT "$2"
	printf '_submissions._tcp%s IN SRV 0 1 %s %s\n' "$_o" \
	    $SUBMISSIONS_PORT "$2"
	printf '_submission._tcp%s IN SRV 10 1 %s %s\n' "$_o" \
	    $SUBMISSION_PORT "$2"
}
{
	printf '$ORIGIN example.test.\n$TTL 300\n%s\n' "$soa"
	printf '@ IN NS ns1.example.test.\n@ IN MX 10 mail.example.test.\n'
	printf 'ns1 IN A 127.0.0.1\nmail IN A 127.0.0.1\n'
	tlsa=$(dane_rdata_311 "$C/server.pem")
	for p in $IMAP_PORT $IMAPS_PORT $SUBMISSION_PORT $SUBMISSIONS_PORT; do
		printf '_%s._tcp.mail IN TLSA %s\n' "$p" "$tlsa"
	done
	# More TLSA records than sealmail takes from one answer (512): the
	# lookup fails, and PKIX decides.
	printf 'toomany IN A 127.0.0.1\n'
	i=0
	while [ $i -le 512 ]; do
		printf '_%s._tcp.toomany IN TLSA 3 1 1 %064x\n' $IMAPS_PORT $i
		i=$((i + 1))
	done
	for u in alice bob; do
		printf '%s._smimecert IN SMIMEA %s\n' "$(smimea_owner $u)" \
		    "$(dane_rdata_300 "$S/$u.pem")"
	done
	printf '%s._smimecert.%s IN SMIMEA %s\n' "$(smimea_owner bob)" \
	    "${IDN_DOMAIN%.example.test}" "$(dane_rdata_300 "$S/bob-idn.pem")"
	srv_records @ mail.example.test.
	# STARTTLS only: implicit TLS "not offered" (target "."), and a
	# less preferred record that must not be chosen.
	printf '_imaps._tcp.starttls IN SRV 0 0 0 .\n'
	printf '_imap._tcp.starttls IN SRV 0 1 %s mail.example.test.\n' \
	    $IMAP_PORT
	printf '_imap._tcp.starttls IN SRV 5 1 1 nowhere.example.test.\n'
	printf '_submission._tcp.starttls IN SRV 0 1 %s mail.example.test.\n' \
	    $SUBMISSION_PORT
	printf 'broken IN NS ns1.example.test.\n'
	dz_ds broken.example.test "$Z/keys"
	printf 'unsigned IN NS ns1.example.test.\n'
} > "$Z/example.test.zone" || fail "cannot write the zone"
{
	printf '$ORIGIN broken.example.test.\n$TTL 300\n%s\n' "$soa"
	printf '@ IN NS ns1.example.test.\n'
	printf '%s._smimecert IN SMIMEA %s\n' "$(smimea_owner alice)" \
	    "$(dane_rdata_300 "$S/alice-broken.pem")"
	srv_records @ mail.example.test.
} > "$Z/broken.example.test.zone"
{
	printf '$ORIGIN unsigned.example.test.\n$TTL 300\n%s\n' "$soa"
	printf '@ IN NS ns1.example.test.\n'
	printf '%s._smimecert IN SMIMEA %s\n' "$(smimea_owner alice)" \
	    "$(dane_rdata_300 "$S/alice-unsigned.pem")"
	# Unsigned SRV records: outside the zone at its apex, inside it
	# (to a name no certificate of the lab's holds) at "inside".
	srv_records @ mail.example.test.
	srv_records inside mail.inside.unsigned.example.test.
	printf 'mail.inside IN A 127.0.0.1\n'
} > "$Z/unsigned.example.test.zone"
dz_sign example.test "$Z/example.test.zone" "$Z/example.test.zone.signed" \
    "$Z/keys" && dz_sign broken.example.test "$Z/broken.example.test.zone" \
    "$Z/broken.example.test.zone.good" "$Z/keys" &&
    dz_corrupt "$Z/broken.example.test.zone.good" \
	"$Z/broken.example.test.zone.signed" ||
    fail "ldns-signzone failed"
dz_anchor example.test "$Z/keys" "$Z/example.test.ds" || fail "no DS"
say "zones signed at $(ms) ms"

# --- mail directories, users, maps ----------------------------------------------
# Dovecot stores mail as nobody and Postfix's master and daemons use their
# data directory as postfix: both must reach DIR. When a parent of DIR is
# private (as /root is), the two masters run in mount namespaces of their own
# in which DIR is bound onto an empty system directory, V; nothing changes
# outside them, and the configurations name V instead of DIR.
MAIL_UID=nobody MAIL_GID=nogroup
for u in alice bob; do
	mkdir -p "$DIR/mail/example.test/$u" || fail "cannot create mail dirs"
	chown "$MAIL_UID:$MAIL_GID" "$DIR/mail/example.test/$u"
done
# reaches USER PATH: true when USER may search the directory PATH.
reaches() {
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups \
	    test -x "$2" 2>/dev/null
}
V=$DIR
if ! reaches "$MAIL_UID" "$DIR" || ! reaches postfix "$DIR"; then
	V=
	for m in /srv /media /mnt; do
		if [ -d "$m" ] && reaches "$MAIL_UID" "$m" &&
		    reaches postfix "$m"; then
			V=$m
			break
		fi
	done
	[ -n "$V" ] || fail "users nobody and postfix cannot reach $DIR"
fi
# stop.sh knows a master by its PID file and DIR (or V) in its command line.
printf '%s\n' "$V" > "$DIR/run/view"
# in_view CMD...: runs CMD where DIR is seen as V.
in_view() {
	if [ "$V" = "$DIR" ]; then
		"$@"
	else
		unshare --mount --propagation private sh -c \
		    'mount --bind "$1" "$2" && shift 2 && exec "$@"' \
		    sh "$DIR" "$V" "$@"
	fi
}

{
	printf 'alice@example.test:{SHA512-CRYPT}%s::::::\n' \
	    "$(openssl passwd -6 "$ALICE_PASS")"
	printf 'bob@example.test:{SHA512-CRYPT}%s::::::\n' \
	    "$(openssl passwd -6 "$BOB_PASS")"
} > "$DIR/dovecot/users"
chmod 600 "$DIR/dovecot/users"

# fill TEMPLATE OUT: the template with the lab's names put in.
fill() {
	sed -e "s|@DIR@|$DIR|g" -e "s|@V@|$V|g" -e "s|@BASE@|$BASE|g" \
	    -e "s|@IMAP_PORT@|$IMAP_PORT|g" -e "s|@IMAPS_PORT@|$IMAPS_PORT|g" \
	    -e "s|@LMTP_PORT@|$LMTP_PORT|g" -e "s|@SMTP_PORT@|$SMTP_PORT|g" \
	    -e "s|@SUBMISSION_PORT@|$SUBMISSION_PORT|g" \
	    -e "s|@SUBMISSIONS_PORT@|$SUBMISSIONS_PORT|g" \
	    -e "s|@MAIL_UID@|$MAIL_UID|g" -e "s|@MAIL_GID@|$MAIL_GID|g" \
	    "$HERE/conf/$1" > "$2"
}

# Postfix's queue tree, made here rather than by "postfix check" (faster, and
# it touches nothing outside DIR).
Q=$DIR/postfix/queue
for d in active bounce corrupt defer deferred flush hold incoming private \
    saved trace; do
	mkdir -p "$Q/$d" && chown postfix:root "$Q/$d" && chmod 700 "$Q/$d"
done
mkdir -p "$Q/maildrop" "$Q/public" "$Q/pid" || fail "cannot make the queue"
chown postfix:postdrop "$Q/maildrop" "$Q/public"
chmod 730 "$Q/maildrop" && chmod 710 "$Q/public"
chown root:root "$Q/pid" && chmod 755 "$Q/pid"
chown postfix:root "$DIR/postfix/data" && chmod 700 "$DIR/postfix/data"
chmod 755 "$Q"

PC=$DIR/postfix/conf
fill main.cf.in "$PC/main.cf" && fill master.cf.in "$PC/master.cf" &&
    printf 'alice@example.test ok\nbob@example.test ok\n' > "$PC/vmailbox" &&
    printf '%s\n' 'alice@example.test alice@example.test' \
	'bob@example.test bob@example.test' > "$PC/sender_login" &&
    printf 'bob@%s bob@example.test\n' "$IDN_DOMAIN" > "$PC/valias" ||
    fail "cannot write Postfix's configuration"
# Postfix stalls ~2 s on a main.cf or map changed within the last second.
touch -d '-1 min' "$PC/main.cf" "$PC/master.cf" "$PC/vmailbox" \
    "$PC/sender_login" "$PC/valias"
fill dovecot.conf.in "$DIR/dovecot/dovecot.conf" ||
    fail "cannot write Dovecot's configuration"
# LAB_DOVECOT_EXTRA: settings a test adds (e.g. an imap_capability
# without MOVE); later lines win in Dovecot's configuration.
if [ -n "${LAB_DOVECOT_EXTRA:-}" ]; then
	printf '%s\n' "$LAB_DOVECOT_EXTRA" >>"$DIR/dovecot/dovecot.conf" ||
	    fail "cannot write Dovecot's configuration"
fi
say "configured at $(ms) ms"

# --- start the servers --------------------------------------------------------
# Every daemon gets /dev/null as stdin and stdout (a daemon holding the
# caller's pipe would hang it) and carries SEALMAIL_LAB_OWNER=DIR, by which
# stop.sh finds it after a partial start.
DV=$DIR/dovecot/run/master.pid
rm -f "$DV"
(
	export SEALMAIL_LAB_OWNER="$DIR"
	in_view dovecot -c "$V/dovecot/dovecot.conf"
) </dev/null >/dev/null 2>>"$DIR/log/dovecot.stderr" 9>&- ||
    fail "Dovecot did not start: $(tail -n 3 "$DIR/log/dovecot.stderr")"
# waitfile FILE: waits (5 s at most) for a daemon to write its PID file.
waitfile() {
	_i=0
	until [ -s "$1" ]; do
		_i=$((_i + 1))
		[ $_i -lt 250 ] || return 1
		sleep 0.02
	done
}
waitfile "$DV" || fail "Dovecot wrote no PID file"
record dovecot "$(tr -dc 0-9 < "$DV")"

PM=$Q/pid/master.pid
rm -f "$PM"
PD=$(postconf -h daemon_directory) || fail "postconf failed"
(
	export SEALMAIL_LAB_OWNER="$DIR" MAIL_CONFIG="$V/postfix/conf"
	in_view "$PD/master" -c "$V/postfix/conf" -w
) </dev/null >/dev/null 2>>"$DIR/log/postfix.stderr" 9>&- ||
    fail "Postfix did not start: $(tail -q -n 3 "$DIR/log/postfix.stderr" \
	"$DIR/log/postfix.log" 2>/dev/null)"
waitfile "$PM" || fail "Postfix wrote no PID file"
record postfix "$(tr -dc 0-9 < "$PM")"

dz_nsd_start "$DIR/nsd" "$DNS_PORT" \
    "example.test=$Z/example.test.zone.signed" \
    "broken.example.test=$Z/broken.example.test.zone.signed" \
    "unsigned.example.test=$Z/unsigned.example.test.zone" \
    2>>"$DIR/log/nsd.stderr" || fail "NSD did not start (see $DIR/nsd/nsd.log)"
record nsd "$DZ_NSD_PID"
say "servers started at $(ms) ms"

# --- the Secret Service ---------------------------------------------------------
SEC=$DIR/sec
mkdir -p "$SEC/home" "$SEC/run" && chmod 700 "$SEC" "$SEC/home" "$SEC/run"
rm -f "$SEC/run/bus"
fill bus.conf.in "$SEC/bus.conf"
BUS=unix:path=$SEC/run/bus
env SEALMAIL_LAB_OWNER="$DIR" dbus-daemon --config-file="$SEC/bus.conf" \
    --nofork --nopidfile </dev/null >/dev/null 2>>"$DIR/log/dbus.stderr" 9>&- &
record dbus $!
# sec_env CMD...: runs CMD in the Secret Service's private environment.
sec_env() {
	env -u DISPLAY -u WAYLAND_DISPLAY -u GNOME_KEYRING_CONTROL \
	    -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_CACHE_HOME \
	    SEALMAIL_LAB_OWNER="$DIR" HOME="$SEC/home" \
	    XDG_RUNTIME_DIR="$SEC/run" DBUS_SESSION_BUS_ADDRESS="$BUS" "$@"
}
bus_call() {
	sec_env dbus-send --session --print-reply --reply-timeout=2000 "$@" \
	    2>/dev/null
}
i=0
until bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetId >/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "the session bus did not come up"
	sleep 0.02
done
# The password is read verbatim: no newline.
printf %s "$KEYRING_PASS" | sec_env gnome-keyring-daemon --unlock \
    --components=secrets >"$SEC/keyring.out" 2>>"$DIR/log/keyring.stderr" \
    9>&- ||
    fail "gnome-keyring-daemon failed"
# It returns before it owns the name; a client calling earlier would race.
i=0
until bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets |
    grep -q 'boolean true'; do
	i=$((i + 1))
	[ $i -lt 250 ] || fail "the keyring did not take org.freedesktop.secrets"
	sleep 0.02
done
kpid=$(bus_call --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID \
    string:org.freedesktop.secrets | awk '/uint32/ { print $2 }')
[ -n "$kpid" ] || fail "cannot find the keyring's PID"
record keyring "$kpid"
bus_call --dest=org.freedesktop.secrets \
    /org/freedesktop/secrets/aliases/default \
    org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked |
    grep -q 'boolean false' || fail "the default keyring is not unlocked"
say "secret service up at $(ms) ms"

# --- revocation: an OCSP responder and a CRL over HTTP (+880) --------------
# The lab CA's OCSP responder (a delegated one, OCSPSigning) and its CRL,
# both at http://127.0.0.1:+880 (tests/lab/revoke.py), and two S/MIME
# certificates that name them: rv-good (good) and rv-revoked (revoked in
# both). Made once per directory and port.
REVOKE_PORT=$((BASE + 880))
R=$DIR/revoke
port_taken "$REVOKE_PORT" && fail "port $REVOKE_PORT is already in use"
# rv_line V|R CERT: CERT's line in the responder's index (R: revoked an
# hour ago).
rv_line() {
	_ser=$(openssl x509 -noout -serial -in "$2" | cut -d= -f2)
	_end=$(openssl x509 -noout -enddate -in "$2" | cut -d= -f2)
	_end=$(date -u -d "$_end" +%y%m%d%H%M%SZ)
	_rev=
	[ "$1" = R ] && _rev=$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)
	printf '%s\t%s\t%s\t%s\tunknown\t/CN=%s\n' "$1" "$_end" "$_rev" \
	    "$_ser" "${2##*/}"
}
rv_make() {
	mkdir -p "$R" && rm -f "$R"/* && cp "$C/ca.pem" "$R/ca.pem" || return 1
	_u=http://127.0.0.1:$REVOKE_PORT
	sh "$HERE/revoke-cert.sh" "$C/ca.pem" "$C/ca.key" "$R/ocsp" \
	    --ocsp-signer &&
	    sh "$HERE/revoke-cert.sh" "$C/ca.pem" "$C/ca.key" "$R/rv-good" \
		rv-good@example.test "$_u/ocsp" "$_u/lab.crl" &&
	    sh "$HERE/revoke-cert.sh" "$C/ca.pem" "$C/ca.key" "$R/rv-revoked" \
		rv-revoked@example.test "$_u/ocsp" "$_u/lab.crl" || return 1
	{ rv_line V "$R/rv-good.pem" && rv_line R "$R/rv-revoked.pem"; } \
	    > "$R/index.txt" || return 1
	echo 'unique_subject = no' > "$R/index.txt.attr"
	echo 01 > "$R/crlnumber"
	printf '[ ca ]\ndefault_ca = rv\n[ rv ]\ndatabase = %s\n%s\n%s\n' \
	    "$R/index.txt" "crlnumber = $R/crlnumber" \
	    'default_md = sha256' > "$R/ca.cnf"
	openssl ca -gencrl -config "$R/ca.cnf" -cert "$C/ca.pem" \
	    -keyfile "$C/ca.key" -crldays 30 -out "$R/lab.crl.pem" \
	    2>/dev/null &&
	    openssl crl -in "$R/lab.crl.pem" -outform DER -out "$R/lab.crl" ||
	    return 1
	echo "$REVOKE_PORT" > "$R/port"
}
if [ "$(cat "$R/port" 2>/dev/null)" != "$REVOKE_PORT" ] ||
    [ "$R/ca.pem" -ot "$C/ca.pem" ] ||
    [ "$R/port" -ot "$HERE/revoke-cert.sh" ]; then
	rv_make || fail "could not make the revocation certificates"
fi
env SEALMAIL_LAB_OWNER="$DIR" python3 "$HERE/revoke.py" \
    --port "$REVOKE_PORT" --dir "$R" --log "$DIR/log/revoke.log" \
    </dev/null >/dev/null 2>>"$DIR/log/revoke.stderr" 9>&- &
record revoke $!
say "OCSP and CRL started at $(ms) ms"

# --- wait for every port ----------------------------------------------------------
# greets PORT: true once a TCP connection to PORT gets a first line.
greets() {
	timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && read -r -t 2 l <&3 &&
	    [ -n "$l" ]' sh "$1" 2>/dev/null
}
# wait_ports TEST WHAT PORT...: up to 5 s for each PORT to pass TEST.
wait_ports() {
	_test=$1 _what=$2
	shift 2
	for p; do
		i=0
		until $_test "$p"; do
			i=$((i + 1))
			[ $i -lt 250 ] || fail "nothing $_what on port $p"
			sleep 0.02
		done
	done
}
wait_ports greets answers $IMAP_PORT $LMTP_PORT $SMTP_PORT $SUBMISSION_PORT
wait_ports port_taken listens $IMAPS_PORT $SUBMISSIONS_PORT $REVOKE_PORT

# --- lab.env --------------------------------------------------------------------
{
	echo "# The sealmail lab in $DIR (tests/lab/start.sh). Source it."
	for kv in "LAB_DIR=$DIR" "LAB_HOST=mail.example.test" \
	    "LAB_PORT_BASE=$BASE" \
	    "LAB_CA=$C/ca.pem" "LAB_CA_KEY=$C/ca.key" \
	    "LAB_IMAP_PORT=$IMAP_PORT" "LAB_IMAPS_PORT=$IMAPS_PORT" \
	    "LAB_SUBMISSION_PORT=$SUBMISSION_PORT" \
	    "LAB_SUBMISSIONS_PORT=$SUBMISSIONS_PORT" \
	    "LAB_SMTP_PORT=$SMTP_PORT" "LAB_LMTP_PORT=$LMTP_PORT" \
	    "LAB_DNS_PORT=$DNS_PORT" \
	    "LAB_ALICE=alice@example.test" "LAB_ALICE_PASS=$ALICE_PASS" \
	    "LAB_BOB=bob@example.test" "LAB_BOB_PASS=$BOB_PASS" \
	    "LAB_IDN_DOMAIN=$IDN_DOMAIN" \
	    "LAB_MAIL_DIR=$DIR/mail" \
	    "LAB_SMIME_DIR=$S" "LAB_P12_PASS=$P12_PASS" \
	    "LAB_DNS_RESOLVER=127.0.0.1@$DNS_PORT" \
	    "LAB_TA=$Z/example.test.ds" "LAB_ZONE_DIR=$Z" \
	    "LAB_DBUS_ADDRESS=$BUS" "DBUS_SESSION_BUS_ADDRESS=$BUS" \
	    "XDG_RUNTIME_DIR=$SEC/run" "LAB_KEYRING_HOME=$SEC/home" \
	    "LAB_KEYRING_PASS=$KEYRING_PASS" \
	    "LAB_REVOKE_PORT=$REVOKE_PORT" "LAB_REVOKE_DIR=$R"; do
		printf "export %s='%s'\n" "${kv%%=*}" "${kv#*=}"
	done
} > "$DIR/lab.env.tmp" && mv "$DIR/lab.env.tmp" "$DIR/lab.env" ||
    fail "cannot write lab.env"
trap - INT TERM HUP
say "up in $(ms) ms: . $DIR/lab.env"
