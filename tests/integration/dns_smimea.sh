#!/bin/sh
# SMIMEA through `sealmail keys lookup` against a signed zone of the test's
# own (tests/integration/dns/zone.sh): secure and matching, DANE-EE from an
# untrusted CA, PKIX-EE with an untrusted chain, another address, a bogus
# sub-zone, an unsigned sub-zone, a secure denial, a record that changes
# after its TTL, a dead resolver, and a hash-only record that confirms a
# certificate the store already holds. Read by inspect: a signer from the
# untrusted CA with a record is valid by DANE; one expired is untrusted
# for it, though its record matches (and valid by DANE as of a time it was
# valid); one with no record is untrusted.
set -u
. "$TOP/tests/lib.sh"
lab_up || true
. "$TOP/tests/integration/dns/zone.sh"

dz_cert good good@dane.test trusted
dz_cert daneee daneee@dane.test untrusted
dz_cert pkixee pkixee@dane.test untrusted
dz_cert other other@dane.test trusted
dz_cert ttl1 ttl@dane.test untrusted
dz_cert ttl2 ttl@dane.test untrusted
dz_cert hash hash@dane.test untrusted
dz_cert send send@dane.test untrusted
dz_cert rdane rdane@dane.test untrusted
dz_cert rexp rexp@dane.test untrusted -40d 30
dz_cert rnone rnone@dane.test untrusted

rd() { dane_rdata_300 "$DZ_DIR/$1.pem" | sed "s/^3 0 0/$2/"; }
records() {
	printf '%s 300 %s\n' "$(smimea_owner good)" "$(rd good '3 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner daneee)" "$(rd daneee '3 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner pkixee)" "$(rd pkixee '1 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner wrong)" "$(rd other '3 0 0')"
	printf '%s 6 %s\n' "$(smimea_owner ttl)" "$(rd "$1" '3 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner send)" "$(rd send '3 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner hash)" \
	    "$(dane_rdata_311 "$DZ_DIR/hash.pem")"
	printf '%s 300 %s\n' "$(smimea_owner rdane)" "$(rd rdane '3 0 0')"
	printf '%s 300 %s\n' "$(smimea_owner rexp)" "$(rd rexp '3 0 0')"
}
records ttl1 | dz_publish && dz_serve ||
    { notok "the test zone is served"; t_done; }
ok "the test zone is served on port $DZ_PORT"

check "the trusted CA is a trust anchor" sm keys trust "$DZ_DIR/trusted.pem"

j=$T/out.json
look() { sm keys lookup --json "$1" > "$j" 2>"$T/err"; }
fp() { openssl x509 -in "$DZ_DIR/$1.pem" -outform DER |
    openssl dgst -sha256 | sed 's/.*= //'; }

# 1. Secure record, certificate from a trusted CA: found and matching.
check "lookup good@" look good@dane.test
check_eq "good: one certificate" 1 "$(json "$j" 'len(d["certificates"])')"
check_eq "good: source smimea" smimea "$(json "$j" 'd["certificates"][0]["source"]')"
check_eq "good: dnssec secure" secure "$(json "$j" 'd["certificates"][0]["dnssec"]')"
check_eq "good: 3 0 0" "3 0 0" "$(json "$j" '" ".join(str(d["certificates"][0][k]) for k in ("usage","selector","matching"))')"
check_eq "good: the published certificate" "$(fp good)" "$(json "$j" 'd["certificates"][0]["fingerprint"]')"
check_eq "good: email" '["good@dane.test"]' "$(json "$j" 'd["certificates"][0]["email"]')"
check_eq "good: trust pkix+dane" pkix+dane "$(json "$j" 'd["certificates"][0]["trust"]')"
check_eq "good: usable" true "$(json "$j" 'd["certificates"][0]["usable"]')"
check_eq "good: chain validation ok" ok "$(json "$j" 'd["certificates"][0]["chain"]')"
# Every member of the answer is named in sealmail(1)'s entry for lookup.
# shellcheck disable=SC2046 # the members are words
check_eq "sealmail(1) names every member of keys lookup --json" "" \
    "$(man_unnamed '^\.It Cm keys lookup' '^\.El' $(json "$j" \
    '" ".join(list(d.keys()) + list(d["certificates"][0].keys()))'))"

# 2. DANE-EE, certificate from no trusted CA: DNSSEC alone vouches.
check "lookup daneee@" look daneee@dane.test
check_eq "DANE-EE: trust dane" dane "$(json "$j" 'd["certificates"][0]["trust"]')"
check_eq "DANE-EE: PKIX does not hold" false "$(json "$j" 'd["certificates"][0]["pkix"]')"
check_eq "DANE-EE: usable" true "$(json "$j" 'd["certificates"][0]["usable"]')"

# 3. PKIX-EE with a chain to nothing trusted: refused.
check "lookup pkixee@" look pkixee@dane.test
check_eq "PKIX-EE untrusted: usage 1 shown" 1 "$(json "$j" 'd["certificates"][0]["usage"]')"
check_eq "PKIX-EE untrusted: not usable" false "$(json "$j" 'd["certificates"][0]["usable"]')"
check_eq "PKIX-EE untrusted: trust none" none "$(json "$j" 'd["certificates"][0]["trust"]')"
check_match "PKIX-EE untrusted: the chain is named" "chain does not validate" \
    "$(json "$j" 'd["certificates"][0]["why"]')"
check_eq "PKIX-EE untrusted: the chain validation result" \
    "unable to get local issuer certificate" "$(json "$j" 'd["certificates"][0]["chain"]')"

# 4. A record whose certificate is for another address: refused.
check "lookup wrong@" look wrong@dane.test
check_eq "other address: not usable" false "$(json "$j" 'd["certificates"][0]["usable"]')"
check_match "other address: says so" "not for wrong@dane.test" \
    "$(json "$j" 'd["certificates"][0]["why"]')"

# 5. Bogus sub-zone: a hard error naming the name; nothing shown.
check_fails "bogus: exit status 1, DNSSEC validation failed for the name" \
    "DNSSEC validation failed for $(smimea_owner alice)\._smimecert\.broken\.dane\.test" \
    sm keys lookup --json alice@broken.dane.test
check_eq "bogus: nothing on stdout" "" "$(cat "$T/.out")"

# 6. Unsigned sub-zone: shown as insecure, never used for trust.
check "lookup alice@unsigned." look alice@unsigned.dane.test
check_eq "insecure: dnssec insecure" insecure "$(json "$j" 'd["certificates"][0]["dnssec"]')"
check_eq "insecure: not usable" false "$(json "$j" 'd["certificates"][0]["usable"]')"
check_eq "insecure: trust none" none "$(json "$j" 'd["certificates"][0]["trust"]')"

# 7. No record: a secure denial is an empty array and exit 0.
check "lookup nobody@" look nobody@dane.test
check_eq "denial: empty array" "[]" "$(json "$j" 'd["certificates"]')"
check_eq "denial: secure" secure-denial "$(json "$j" 'd["dns"]')"

# 8. Sending (keys_find_recipient, what send calls): a recipient with no
# certificate in the store gets one from SMIMEA, and the source is named;
# one with none usable gets every reason.
kf() {
	_o=
	[ "$1" = -n ] && { _o=-n; shift; }
	"$TOOLS/keys_find" -r "127.0.0.1@$DZ_PORT" -a "$DZ_TA" -t 2 $_o \
	    "$DZ_HOME" "$SEALMAIL_PASSPHRASE_FILE" "$1"
}
check "send: send@ from DNS" kf send@dane.test
check_eq "send: source smimea" "source smimea" "$(head -1 "$T/.out")"
check_eq "send: the published certificate" "fingerprint $(fp send)" "$(tail -1 "$T/.out")"
check "send: send@ again, without DNS (the cache)" kf -n send@dane.test
check_eq "send: cached source smimea" "source smimea" "$(head -1 "$T/.out")"
check_fails "send: nobody@ has no certificate" \
    "no usable certificate for nobody@dane.test: no SMIMEA record .*secure denial" \
    kf nobody@dane.test
check_fails "send: pkixee@ is refused" \
    "chain does not validate" \
    kf pkixee@dane.test
check_fails "send: alice@unsigned. is refused" \
    "unsigned zone" \
    kf alice@unsigned.dane.test
check_fails "send: alice@broken. fails" \
    "DNSSEC validation failed" \
    kf alice@broken.dane.test

# 9. A record that changes after its TTL: the store follows.
check "ttl: first lookup" look ttl@dane.test
check_eq "ttl: first certificate" "$(fp ttl1)" "$(json "$j" 'd["certificates"][0]["fingerprint"]')"
check "ttl: second lookup, cached" look ttl@dane.test
check_eq "ttl: answered from the cache" cached "$(json "$j" 'd["dns"]')"
records ttl2 | dz_publish && dz_serve || notok "ttl: zone re-signed and reloaded"
check "ttl: lookup after the TTL (the clock 7 s ahead)" clock_ahead +7s \
    "$SEALMAIL" --home "$DZ_HOME" keys lookup --json ttl@dane.test
cp "$T/.out" "$j"
check_eq "ttl: asked DNS again" secure "$(json "$j" 'd["dns"]')"
check_eq "ttl: the new certificate" "$(fp ttl2)" "$(json "$j" 'd["certificates"][0]["fingerprint"]')"
check_eq "ttl: only the new one" 1 "$(json "$j" 'len(d["certificates"])')"
check_eq "ttl: the key store dropped the old one" "$(fp ttl2)" \
    "$(sm keys list --json 2>/dev/null | python3 -c 'import json,sys
d=json.load(sys.stdin)
print(",".join(c["fingerprint"] for c in d if "ttl@dane.test" in c["email"]))')"

# 10. A hash-only record (3 1 1) confirms a certificate already imported.
check "hash: import the peer certificate" sm keys import "$DZ_DIR/hash.pem"
check "lookup hash@" look hash@dane.test
check_eq "hash: from the store" store "$(json "$j" 'd["certificates"][0]["source"]')"
check_eq "hash: trust dane" dane "$(json "$j" 'd["certificates"][0]["trust"]')"
check_eq "hash: usable" true "$(json "$j" 'd["certificates"][0]["usable"]')"

# 11. Reading: DANE stands in for a trusted issuer, for nothing else. Each
# message is signed by its certificate from the untrusted CA; rexp's was
# valid from 40 to 10 days ago, and signed its message 35 days ago.
printf 'Hello,\nsigned.\n' > "$T/body"
# signed NAME [OFFSET]: $T/NAME.eml from NAME@dane.test, signed with the
# clock OFFSET away (faketime's "-35d"), now by default.
signed() {
	faketime -f "${2:-+0d}" openssl cms -sign -in "$T/body" -text \
	    -signer "$DZ_DIR/$1.pem" -inkey "$DZ_DIR/$1.key" \
	    -from "$1@dane.test" -to good@dane.test -subject "from $1" \
	    -out "$T/$1.eml"
}
insp() { sm inspect --json "$@" > "$j" 2>"$T/err"; }
v() { json "$j" "d[\"$1\"]"; }
for n in rdane rnone; do
	check "read: a message from $n@" signed "$n"
done
check "read: a message from rexp@, signed while its certificate was valid" \
    signed rexp -35d

check "read: inspect rdane@'s message" insp "$T/rdane.eml"
check_eq "read, record, sound but for its issuer: valid" valid "$(v signature)"
check_eq "read, record, sound but for its issuer: trust dane" dane "$(v trust)"
check_eq "read, record, sound but for its issuer: no finding" "[]" \
    "$(v findings)"

check "read: inspect rexp@'s message" insp "$T/rexp.eml"
check_eq "read, record, expired: untrusted, not valid" untrusted \
    "$(v signature)"
check_eq "read, record, expired: trust none" none "$(v trust)"
check_match "read, record, expired: a finding says it has expired" \
    "signer 1: the signer's certificate has expired" "$(v findings)"
check_match "read, record, expired: and when, after the signing" \
    "signer 1: the certificate expired at .*, after the message was signed" \
    "$(v findings)"
# Judged at a time it was valid, the same certificate is trusted by DANE:
# its validity is the verdict's to judge, at the verdict's time.
check "read: inspect rexp@'s message as of 20 days ago" \
    insp --time "@$(($(date +%s) - 20 * 86400))" "$T/rexp.eml"
check_eq "read, record, valid then: valid" valid "$(v signature)"
check_eq "read, record, valid then: trust dane" dane "$(v trust)"

check "read: inspect rnone@'s message" insp "$T/rnone.eml"
check_eq "read, no record: untrusted" untrusted "$(v signature)"
check_eq "read, no record: trust none" none "$(v trust)"
check_match "read, no record: a finding names the missing issuer" \
    "signer 1: unable to get local issuer certificate" "$(v findings)"

# 12. A dead resolver costs the configured timeout, not 17 s.
s=$(date +%s%N)
check_fails "dead resolver: net_dnsq fails" \
    'no answer from the resolver within 1 s' "$TOOLS/net_dnsq" -t 1 \
    -r "127.0.0.1@$DZ_DEAD_PORT" -a "$DZ_TA" "$(smimea_name good@dane.test)" SMIMEA
ms=$(( ($(date +%s%N) - s) / 1000000 ))
check_match "dead resolver: a timeout" "^error timeout" "$(cat "$T/.err")"
# The bounds leave room for a loaded machine and the sanitizers' start;
# they are far below what a resolver's own retries would take.
check "dead resolver: one lookup took $ms ms (timeout 1 s)" test "$ms" -lt 4000
mkdir -p "$T/deadhome"
dns_section "127.0.0.1@$DZ_DEAD_PORT" "$DZ_TA" 1 > "$T/deadhome/config"
s=$(date +%s%N)
check_fails "dead resolver: keys lookup exits 1" \
    'no answer from the resolver within 1 s \(the SMIMEA record of nobody2@dane\.test\)' \
    "$SEALMAIL" --home "$T/deadhome" keys lookup nobody2@dane.test
ms=$(( ($(date +%s%N) - s) / 1000000 ))
check_match "dead resolver: the last line says so" \
    "no answer from the resolver within 1 s" "$(tail -1 "$T/.err")"
check "dead resolver: keys lookup took $ms ms (timeout 1 s)" test "$ms" -lt 4000

t_done
