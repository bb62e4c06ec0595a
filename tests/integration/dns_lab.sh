#!/bin/sh
# The lab's zone through libunbound (net/dns via net_dnsq) and through
# sealmail: alice's and bob's SMIMEA are DNSSEC-secure and carry the lab's
# certificates, the TLSA of the IMAP port is secure, the SMIMEA in the
# broken sub-zone is bogus (a hard error, its data never shown), and the
# one in the unsigned sub-zone is insecure.
set -u
. "$TOP/tests/lib.sh"
if ! lab_up; then
	notok "the lab is up (LAB_ENV)"
	t_done
fi
. "$TOP/tests/lab/dnszone.sh"

q() { "$TOOLS/net_dnsq" -r "$LAB_DNS_RESOLVER" -a "$LAB_TA" -t 3 "$@"; }
der_hex() { openssl x509 -in "$1" -outform DER | od -An -v -tx1 | tr -d ' \n'; }

for u in alice bob; do
	check "$u: SMIMEA lookup" q "$(smimea_name "$u@example.test")" SMIMEA
	check_eq "$u: DNSSEC secure" "status secure" "$(sed -n 1p "$T/.out")"
	check_eq "$u: 3 0 0 with the lab's certificate" \
	    "rr 030000$(der_hex "$LAB_SMIME_DIR/$u.pem")" \
	    "$(grep '^rr ' "$T/.out")"
done

check "TLSA of the IMAP port" q "_$LAB_IMAP_PORT._tcp.$LAB_HOST" TLSA
check_eq "TLSA: DNSSEC secure" "status secure" "$(sed -n 1p "$T/.out")"
check_match "TLSA: 3 1 1" "^rr 030101[0-9a-f]{64}$" "$(grep '^rr ' "$T/.out")"
check "mail A" q "$LAB_HOST" A
check_eq "mail A: 127.0.0.1, secure" "status secure|rr 7f000001" \
    "$(sed -n '1p;/^rr/p' "$T/.out" | paste -sd'|')"

check "no such user: a secure denial" q "$(smimea_name nobody@example.test)" SMIMEA
check_eq "no such user: secure-denial, NXDOMAIN" "status secure-denial|nxdomain 1" \
    "$(sed -n '1p;3p' "$T/.out" | paste -sd'|')"

check_fails "broken sub-zone: bogus is an error" \
    '^error dnssec: DNSSEC validation failed for [0-9a-f]+\._smimecert\.broken\.example\.test' \
    q "$(smimea_name alice@broken.example.test)" SMIMEA
check_match "broken sub-zone: DNSSEC validation failed" \
    "^error dnssec: DNSSEC validation failed for $(smimea_owner alice)\._smimecert\.broken\.example\.test" \
    "$(cat "$T/.err")"
check_eq "broken sub-zone: no record printed" "" "$(grep '^rr' "$T/.out")"

check "unsigned sub-zone: answered" q "$(smimea_name alice@unsigned.example.test)" SMIMEA
check_eq "unsigned sub-zone: insecure" "status insecure" "$(sed -n 1p "$T/.out")"

# The same through sealmail, with a [dns] section for the lab.
unset DBUS_SESSION_BUS_ADDRESS
secret "$T/pass" 'lab-dns'
export SEALMAIL_PASSPHRASE_FILE="$T/pass"
mkdir -p "$T/home"
printf '[dns]\nresolver = %s\ntrust-anchor = %s\ntimeout = 3\n' \
    "$LAB_DNS_RESOLVER" "$LAB_TA" > "$T/home/config"
check "keys lookup bob" "$SEALMAIL" --home "$T/home" keys lookup --json \
    "$LAB_BOB"
cp "$T/.out" "$T/bob.json"
check_eq "bob: one certificate from SMIMEA" "smimea secure" \
    "$(json "$T/bob.json" 'd["certificates"][0]["source"] + " " + d["certificates"][0]["dnssec"]')"
check_eq "bob: DANE-EE, trusted through DNSSEC (the lab CA is not an anchor)" \
    "dane true" \
    "$(json "$T/bob.json" 'd["certificates"][0]["trust"] + " " + str(d["certificates"][0]["usable"]).lower()')"
check_fails "keys lookup alice@broken: exit 1" \
    'DNSSEC validation failed for [0-9a-f]+\._smimecert\.broken\.example\.test' \
    "$SEALMAIL" --home "$T/home" \
    keys lookup --json alice@broken.example.test
check_match "alice@broken: the last line names the failure" \
    "DNSSEC validation failed for $(smimea_owner alice)\._smimecert\.broken\.example\.test" \
    "$(tail -1 "$T/.err")"
check_eq "alice@broken: nothing on stdout" "" "$(cat "$T/.out")"

t_done
