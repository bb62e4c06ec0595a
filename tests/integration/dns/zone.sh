# tests/integration/dns/zone.sh: sourced by the dns_*.sh tests. Makes a
# small PKI and a DNSSEC-signed zone "dane.test" of their own (with a
# bogus sub-zone and an unsigned one), served by their own NSD, and a
# sealmail home whose [dns] section points at it.
#
# Sets: DZ_DIR, DZ_PORT, DZ_ZONE (the zone's directory), DZ_TA (anchor),
# DZ_HOME, SEALMAIL_PASSPHRASE_FILE; functions dz_cert, dz_publish,
# dz_serve, sm (sealmail in DZ_HOME).
#
# Certificates (RSA-2048, SAN email, EKU emailProtection): dz_cert NAME
# ADDRESS CA [OFFSET DAYS] makes $DZ_DIR/NAME.pem/.key issued by CA
# ("trusted" or "untrusted"), valid for ten years from now, or for DAYS
# from the clock OFFSET away (faketime's "-40d"). Only "trusted" is
# imported as a trust anchor by tests that want PKIX to hold.

. "$TOP/tests/lab/dnszone.sh"

DZ_DIR=$T/dz
DZ_ZONE=$DZ_DIR/zone
mkdir -p "$DZ_DIR" "$DZ_ZONE/keys"
# Ports of their own: beside the lab's, never on them.
if [ -n "${LAB_DNS_PORT:-}" ]; then
	DZ_PORT=$((LAB_DNS_PORT - 53 + 153))
else
	DZ_PORT=$((${LAB_PORT_BASE:-10000} + 153))
fi
DZ_DEAD_PORT=$((DZ_PORT + 1))
DZ_TA=$DZ_ZONE/dane.test.ds

# dz_ca NAME: a self-signed P-256 CA.
dz_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$DZ_DIR/$1.key" -out "$DZ_DIR/$1.pem" -days 3650 \
	    -subj "/CN=sealmail test $1 CA" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

dz_cert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$DZ_DIR/$1.key" \
	    -out "$DZ_DIR/$1.csr" -subj "/CN=$1" 2>/dev/null || return 1
	printf '%s\n' "subjectAltName=email:$2" \
	    "extendedKeyUsage=emailProtection" \
	    "keyUsage=critical,digitalSignature,keyEncipherment" \
	    "basicConstraints=CA:FALSE" > "$DZ_DIR/$1.ext"
	faketime -f "${4:-+0d}" openssl x509 -req -in "$DZ_DIR/$1.csr" \
	    -CA "$DZ_DIR/$3.pem" -CAkey "$DZ_DIR/$3.key" -CAcreateserial \
	    -days "${5:-3650}" -extfile "$DZ_DIR/$1.ext" \
	    -out "$DZ_DIR/$1.pem" 2>/dev/null
}

# dz_publish FILE: writes the zone dane.test with the SMIMEA lines read
# from stdin ("OWNERLABEL TTL RDATA"), signs it, and the two sub-zones.
dz_publish() {
	_soa="@ IN SOA ns1.dane.test. hostmaster.dane.test. $(date +%s) 3600 600 86400 60"
	{
		printf '$ORIGIN dane.test.\n$TTL 300\n%s\n' "$_soa"
		printf '@ IN NS ns1.dane.test.\nns1 IN A 127.0.0.1\n'
		while read -r _o _ttl _rd; do
			printf '%s._smimecert %s IN SMIMEA %s\n' "$_o" "$_ttl" "$_rd"
		done
		printf 'broken IN NS ns1.dane.test.\n'
		dz_ds broken.dane.test "$DZ_ZONE/keys"
		printf 'unsigned IN NS ns1.dane.test.\n'
	} > "$DZ_ZONE/dane.test.zone" &&
	dz_sign dane.test "$DZ_ZONE/dane.test.zone" \
	    "$DZ_ZONE/dane.test.zone.signed" "$DZ_ZONE/keys" >/dev/null
}

# dz_subzones: broken.dane.test (signed, then corrupted: bogus) and
# unsigned.dane.test (no DS in the parent: insecure), each with an
# SMIMEA for alice@ that name.
dz_subzones() {
	for _z in broken unsigned; do
		{
			printf '$ORIGIN %s.dane.test.\n$TTL 300\n' "$_z"
			printf '@ IN SOA ns1.dane.test. h.dane.test. 1 3600 600 86400 60\n'
			printf '@ IN NS ns1.dane.test.\n'
			printf '%s._smimecert IN SMIMEA %s\n' \
			    "$(smimea_owner alice)" \
			    "$(dane_rdata_300 "$DZ_DIR/alice-$_z.pem")"
		} > "$DZ_ZONE/$_z.dane.test.zone"
	done
	dz_sign broken.dane.test "$DZ_ZONE/broken.dane.test.zone" \
	    "$DZ_ZONE/broken.good" "$DZ_ZONE/keys" >/dev/null &&
	dz_corrupt "$DZ_ZONE/broken.good" "$DZ_ZONE/broken.dane.test.zone.signed"
}

dz_serve() {
	dz_nsd_start "$DZ_DIR/nsd" "$DZ_PORT" \
	    "dane.test=$DZ_ZONE/dane.test.zone.signed" \
	    "broken.dane.test=$DZ_ZONE/broken.dane.test.zone.signed" \
	    "unsigned.dane.test=$DZ_ZONE/unsigned.dane.test.zone"
}

dz_keys dane.test "$DZ_ZONE/keys" >/dev/null &&
    dz_keys broken.dane.test "$DZ_ZONE/keys" >/dev/null &&
    dz_anchor dane.test "$DZ_ZONE/keys" "$DZ_TA" || {
	echo "not ok - dns_zone: cannot make zone keys"; exit 1; }
dz_ca trusted && dz_ca untrusted &&
    dz_cert alice-broken alice@broken.dane.test untrusted &&
    dz_cert alice-unsigned alice@unsigned.dane.test untrusted &&
    dz_subzones || { echo "not ok - dns_zone: cannot make the PKI"; exit 1; }

# The store's key comes from a passphrase file: no Secret Service needed.
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
secret "$DZ_DIR/pass" 'dns-test-passphrase'
SEALMAIL_PASSPHRASE_FILE=$DZ_DIR/pass
export SEALMAIL_PASSPHRASE_FILE
DZ_HOME=$T/home
mkdir -p "$DZ_HOME"
dns_section "127.0.0.1@$DZ_PORT" "$DZ_TA" 2 > "$DZ_HOME/config"

sm() { "$SEALMAIL" --home "$DZ_HOME" "$@"; }

trap 'dz_nsd_stop "$DZ_DIR/nsd"' EXIT
