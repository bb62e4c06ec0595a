#!/bin/sh
# Reading with SMIMEA: a message from bob signed with the certificate the
# lab publishes in DNS (3 0 0) reads as trust "dane" when bob's CA is not
# trusted, "pkix+dane" when it is, and "none"/untrusted without a [dns]
# section. A certificate for bob that the records contradict is a warning
# and the signature is not valid, nor trusted at all, even with a trusted
# CA. A signer whose SMIMEA answer is bogus gets a warning and a finding,
# never "dane".
set -u
. "$TOP/tests/lib.sh"
if ! lab_up; then
	notok "the lab is up (LAB_ENV)"
	t_done
fi

unset DBUS_SESSION_BUS_ADDRESS
secret "$T/pass" 'read-dns'
export SEALMAIL_PASSPHRASE_FILE="$T/pass"
body=$T/body.txt
printf 'Hello Alice,\nthis is bob, signing.\n' > "$body"

# sign CERT KEY FROM OUT
sign() {
	openssl cms -sign -in "$body" -text -signer "$1" -inkey "$2" \
	    -from "$3" -to alice@example.test -subject "from $3" -out "$4"
}
# A CA of the test's own and certificates from it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/oca.key" -out "$T/oca.pem" -days 30 -subj "/CN=other CA" \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
mkcert() {
	openssl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" \
	    -out "$T/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=email:%s\nextendedKeyUsage=emailProtection\n' \
	    "$2" > "$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/oca.pem" -CAkey "$T/oca.key" \
	    -CAcreateserial -days 30 -extfile "$T/$1.ext" -out "$T/$1.pem" \
	    2>/dev/null
}
mkcert bob2 bob@example.test
mkcert broken alice@broken.example.test
check "bob's message, signed with the published certificate" \
    sign "$LAB_SMIME_DIR/bob.pem" "$LAB_SMIME_DIR/bob.key" bob@example.test \
    "$T/bob.eml"
check "a message signed with another certificate for bob" \
    sign "$T/bob2.pem" "$T/bob2.key" bob@example.test "$T/bob2.eml"
check "a message from the bogus sub-zone" \
    sign "$T/broken.pem" "$T/broken.key" alice@broken.example.test \
    "$T/broken.eml"

home() {
	mkdir -p "$T/$1"
	[ "${2:-}" = dns ] && printf '[dns]\nresolver = %s\ntrust-anchor = %s\ntimeout = 3\n' \
	    "$LAB_DNS_RESOLVER" "$LAB_TA" > "$T/$1/config"
	return 0
}
insp() { "$SEALMAIL" --home "$T/$1" inspect --json "$2" > "$T/v.json"; }
v() { json "$T/v.json" "d[\"$1\"]"; }

# bob's CA (the lab CA) is trusted by nobody here.
home dns dns
check "inspect bob's message with DNS" insp dns "$T/bob.eml"
check_eq "bob: trust dane" dane "$(v trust)"
check_eq "bob: signature valid" valid "$(v signature)"
check_eq "bob: signer" bob@example.test "$(v signer)"

home nodns
check "inspect bob's message without a [dns] section" insp nodns "$T/bob.eml"
check_eq "no DNS: trust none" none "$(v trust)"
check_eq "no DNS: untrusted" untrusted "$(v signature)"

home both dns
check "trust the lab CA" "$SEALMAIL" --home "$T/both" keys trust "$LAB_CA"
check "inspect bob's message, CA trusted, with DNS" insp both "$T/bob.eml"
check_eq "CA trusted: trust pkix+dane" pkix+dane "$(v trust)"
check_eq "CA trusted: valid" valid "$(v signature)"

# The other certificate chains to a trusted CA, but bob's SMIMEA names
# another one: a warning, and not valid.
check "trust the other CA" "$SEALMAIL" --home "$T/both" keys trust "$T/oca.pem"
check "inspect the contradicted message" insp both "$T/bob2.eml"
check_eq "contradiction: not valid (untrusted)" untrusted "$(v signature)"
check_eq "contradiction: trust none, though PKIX holds" none "$(v trust)"
check_match "contradiction: a finding says so" "SMIMEA records do not match" \
    "$(v findings)"

# Bogus: never dane; said on stderr and in the findings.
check "inspect the message from the bogus sub-zone" insp both "$T/broken.eml"
check_eq "bogus: trust is PKIX alone" pkix "$(v trust)"
check_match "bogus: a finding" "DNSSEC validation failed: bogus" "$(v findings)"
check_match "bogus: a warning naming the failure" \
    "warning: DNSSEC validation failed for [0-9a-f]{56}\._smimecert\.broken\.example\.test" \
    "$(cat "$T/.err")"

# A dead resolver: one timeout for the whole run, not one per message.
mkdir -p "$T/dead"
printf '[dns]\nresolver = 127.0.0.1@9\ntrust-anchor = %s\ntimeout = 1\n' \
    "$LAB_TA" > "$T/dead/config"
s=$(date +%s%N)
check "inspect three messages with the resolver gone" "$SEALMAIL" \
    --home "$T/dead" inspect --json "$T/bob.eml" "$T/bob.eml" "$T/bob2.eml"
ms=$(( ($(date +%s%N) - s) / 1000000 ))
check_eq "resolver gone: three verdicts, none dane" "none none none" \
    "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["trust"] for l in open(sys.argv[1])))' "$T/.out")"
check_match "resolver gone: a warning says so" \
    "warning: DNS lookup of [0-9a-f]{56}\._smimecert\.example\.test: no answer from the resolver within 1 s" \
    "$(cat "$T/.err")"
check "resolver gone: one timeout in all ($ms ms)" test "$ms" -lt 3500

t_done
