#!/bin/sh
# What a reader is told of a signer's SMIMEA answer, against the lab's
# DNSSEC zone and its resolver: each case in its own words, none more than
# the truth. A secure denial (no record for the address in the signed
# zone, or no such domain in it) says nothing; an unsigned zone says the
# zone is not signed; a bogus answer says DNSSEC validation failed; a
# domain the resolver has no zone for (it answers SERVFAIL) and a resolver
# that does not answer say there was no answer from the resolver. A
# resolver that answered SERVFAIL for one domain is still asked for the
# next signer's; one that timed out is not asked again in the run.
set -u
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS
secret "$T/pass" 'dns-findings'
export SEALMAIL_PASSPHRASE_FILE="$T/pass"
printf 'Hello Bob,\nsigned.\n' >"$T/body"
# A CA of the test's own, trusted by nobody: PKIX never vouches here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/oca.key" -out "$T/oca.pem" -days 30 -subj "/CN=other CA" \
    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
# signed ADDRESS: $T/ADDRESS.eml, signed by a certificate for ADDRESS.
signed() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=email:%s\nextendedKeyUsage=emailProtection\n' \
	    "$1" >"$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/oca.pem" -CAkey "$T/oca.key" \
	    -CAcreateserial -days 30 -extfile "$T/$1.ext" -out "$T/$1.pem" \
	    2>/dev/null &&
	openssl cms -sign -in "$T/body" -text -signer "$T/$1.pem" \
	    -inkey "$T/$1.key" -from "$1" -to bob@example.test \
	    -subject "from $1" -out "$T/$1.eml"
}
for a in carol@example.test alice@nosuch.example.test \
    alice@unsigned.example.test alice@broken.example.test alice@nozone.test; do
	check "a message signed for $a" signed "$a"
done
check "bob's message, signed with the certificate the lab publishes" \
    openssl cms -sign -in "$T/body" -text -signer "$LAB_SMIME_DIR/bob.pem" \
    -inkey "$LAB_SMIME_DIR/bob.key" -from bob@example.test \
    -to alice@example.test -subject "from bob" -out "$T/bob.eml"
mkdir -p "$T/h"
printf '[dns]\nresolver = %s\ntrust-anchor = %s\ntimeout = 3\n' \
    "$LAB_DNS_RESOLVER" "$LAB_TA" >"$T/h/config"
insp() { "$SEALMAIL" --home "$T/h" inspect --json "$T/$1.eml" >"$T/v.json"; }
f() { json "$T/v.json" '"\n".join(d["findings"])'; }
# Every word said of DNS, SMIMEA or DANE.
dnsword='SMIMEA|DANE|DNSSEC|resolver|zone|lookup'

# Secure denials: nothing said at all.
for a in carol@example.test alice@nosuch.example.test; do
	check "$a: inspect" insp "$a"
	check_nomatch "$a (secure denial): no finding about DNS" "$dnsword" \
	    "$(f)"
	check_eq "$a: no warning" "" "$(cat "$T/.err")"
	check_eq "$a: trust none" none "$(json "$T/v.json" 'd["trust"]')"
done
check "keys lookup of a name the signed zone denies" "$SEALMAIL" \
    --home "$T/h" keys lookup --json alice@nosuch.example.test
check_eq "keys lookup: its dns word unchanged" secure-denial \
    "$(json "$T/.out" 'd["dns"]')"

# The unsigned zone: it says so, and nothing of a failure.
check "unsigned zone: inspect" insp alice@unsigned.example.test
check_match "unsigned zone: the zone is not signed" \
    '^signer 1: the zone is not signed .*DANE was not checked' "$(f)"
check_nomatch "unsigned zone: nothing failed" 'fail|bogus|no answer' "$(f)"
check_eq "unsigned zone: no warning" "" "$(cat "$T/.err")"
check_eq "unsigned zone: trust none" none "$(json "$T/v.json" 'd["trust"]')"

# Bogus: validation failed, and said on stderr too.
check "bogus zone: inspect" insp alice@broken.example.test
check_match "bogus zone: DNSSEC validation failed: bogus" \
    '^signer 1: DNSSEC validation failed: bogus SMIMEA answer; DANE was not checked' \
    "$(f)"
check_nomatch "bogus zone: not called unsigned or unanswered" \
    'not signed|no answer' "$(f)"
check_match "bogus zone: a warning" 'warning: DNSSEC validation failed for' \
    "$(cat "$T/.err")"

# A domain the resolver has no zone for: it answers SERVFAIL.
check "no zone: inspect" insp alice@nozone.test
check_match "no zone: no answer from the resolver" \
    '^signer 1: no answer from the resolver for SMIMEA; DANE was not checked' \
    "$(f)"
check_nomatch "no zone: not called bogus" 'bogus|DNSSEC' "$(f)"
check_match "no zone: the warning names what the resolver said" \
    'warning: DNS lookup of .*nozone\.test: the resolver answered SERVFAIL' \
    "$(cat "$T/.err")"

# SERVFAIL for one domain leaves the resolver asked for the next one.
check "no zone, then bob, in one run" "$SEALMAIL" --home "$T/h" \
    inspect --json "$T/alice@nozone.test.eml" "$T/bob.eml"
check_eq "after a SERVFAIL, bob's signature is still trusted by DANE" \
    "none dane" "$(python3 -c 'import json,sys
print(" ".join(json.loads(l)["trust"] for l in open(sys.argv[1])))' "$T/.out")"

# A resolver that does not answer: said once, no wait for the next.
mkdir -p "$T/dead"
printf '[dns]\nresolver = 127.0.0.1@9\ntrust-anchor = %s\ntimeout = 1\n' \
    "$LAB_TA" >"$T/dead/config"
check "resolver gone: inspect two messages" "$SEALMAIL" --home "$T/dead" \
    inspect --json "$T/bob.eml" "$T/carol@example.test.eml"
check_eq "resolver gone: both say there was no answer" "1 1" \
    "$(python3 -c 'import json,sys
print(" ".join(str(sum("no answer from the resolver for SMIMEA" in x
    for x in json.loads(l)["findings"])) for l in open(sys.argv[1])))' \
    "$T/.out")"
check_nomatch "resolver gone: not called bogus or unsigned" \
    'bogus|not signed' "$(cat "$T/.out")"
t_done
