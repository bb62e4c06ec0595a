#!/bin/sh
# The lab's DNS: with the lab's trust anchor (LAB_TA), delv reports the
# SMIMEA records of alice and bob, the TLSA records of the four mail ports
# and mail's address as fully validated, and their data is what the lab's
# certificates say; the broken sub-zone fails validation, the unsigned one
# answers without it. Then tests/lab/dnszone.sh signs and serves a zone of
# this test's own, and a corrupted copy of it.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up (LAB_ENV)"; t_done; }
. "$TOP/tests/lab/dnszone.sh"

check_eq "LAB_DNS_RESOLVER names the lab's DNS port" \
    "127.0.0.1@$LAB_DNS_PORT" "$LAB_DNS_RESOLVER"
check_match "LAB_TA holds example.test's DS (ECDSAP256SHA256, SHA-256)" \
    '^example\.test\.[[:space:]]+([0-9]+[[:space:]]+)?IN[[:space:]]+DS[[:space:]]+[0-9]+ 13 2 [0-9a-fA-F]{64}$' \
    "$(cat "$LAB_TA")"

# A delv trust-anchors clause made from LAB_TA itself.
awk '{ printf "trust-anchors {\n\t%s initial-ds %s %s %s \"%s\";\n};\n",
    $1, $(NF - 3), $(NF - 2), $(NF - 1), $NF }' "$LAB_TA" > "$T/anchors"
v() {
	delv @127.0.0.1 -p "$1" -a "$T/anchors" +root=example.test "$2" "$3" \
	    2>&1
}
# rdata NAME TYPE: the record's data, hex upper-cased and joined.
rdata() {
	dig +short +norec -p "$LAB_DNS_PORT" @127.0.0.1 "$1" "$2" |
	    awk '{ printf "%s %s %s ", $1, $2, $3
		for (i = 4; i <= NF; i++) printf "%s", toupper($i)
		print "" }'
}
upper() { awk '{ printf "%s %s %s %s\n", $1, $2, $3, toupper($4) }'; }

for u in alice bob; do
	n=$(smimea_owner "$u")._smimecert.example.test
	out=$(v "$LAB_DNS_PORT" "$n" SMIMEA)
	check_match "delv: $u's SMIMEA is fully validated" \
	    '^; fully validated' "$out"
	check_eq "$u's SMIMEA is 3 0 0 and the DER of $u.pem" \
	    "$(dane_rdata_300 "$LAB_SMIME_DIR/$u.pem" | upper)" \
	    "$(rdata "$n" SMIMEA)"
done
check_eq "smimea_owner alice is RFC 8162's label" \
    2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db \
    "$(smimea_owner alice)"

srv=$T/served.pem
openssl s_client -connect "127.0.0.1:$LAB_IMAPS_PORT" </dev/null 2>/dev/null |
    openssl x509 > "$srv"
for p in "$LAB_IMAP_PORT" "$LAB_IMAPS_PORT" "$LAB_SUBMISSION_PORT" \
    "$LAB_SUBMISSIONS_PORT"; do
	n=_$p._tcp.mail.example.test
	check_match "delv: TLSA $n is fully validated" '^; fully validated' \
	    "$(v "$LAB_DNS_PORT" "$n" TLSA)"
	check_eq "TLSA $n is 3 1 1 of the served certificate's key" \
	    "$(dane_rdata_311 "$srv" | upper)" "$(rdata "$n" TLSA)"
done
out=$(v "$LAB_DNS_PORT" mail.example.test A)
check_match "delv: mail.example.test A 127.0.0.1, fully validated" \
    'fully validated' "$out"
check_match "... and it is 127.0.0.1" 'mail\.example\.test\..*IN[[:space:]]+A[[:space:]]+127\.0\.0\.1' "$out"
out=$(v "$LAB_DNS_PORT" "$(smimea_owner carol)._smimecert.example.test" SMIMEA)
check_match "delv: no SMIMEA for carol, and the denial is validated" \
    'negative response, fully validated' "$out"

n=$(smimea_owner alice)._smimecert.broken.example.test
out=$(v "$LAB_DNS_PORT" "$n" SMIMEA)
check_match "delv: alice@broken.example.test fails validation" \
    'resolution failed: broken trust chain' "$out"
check_nomatch "... and nothing from it is called validated" \
    'fully validated|unsigned answer' "$out"
check_match "the broken zone does serve the record (so a validator must refuse it)" \
    '^3 0 0 ' "$(rdata "$n" SMIMEA)"

n=$(smimea_owner alice)._smimecert.unsigned.example.test
out=$(v "$LAB_DNS_PORT" "$n" SMIMEA)
check_match "delv: alice@unsigned.example.test is insecure (unsigned answer)" \
    '^; unsigned answer' "$out"
check_match "... and has data" 'IN[[:space:]]+SMIMEA[[:space:]]+3 0 0' "$out"
check_nomatch "... which is never called validated" 'fully validated' "$out"
check_match "the unsigned zone's certificate is for alice@unsigned.example.test" \
    'email:alice@unsigned.example.test' \
    "$(rdata "$n" SMIMEA | awk '{ print $4 }' | python3 -c 'import sys
sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' |
	openssl x509 -inform DER -noout -ext subjectAltName)"

# dnszone.sh: a zone of this test's own, on a port the lab does not use.
port=$((LAB_PORT_BASE + 1354))
K=$T/keys
check "dz_keys makes a KSK and a ZSK" dz_keys own.test "$K"
ds1=$(dz_ds own.test "$K")
check "dz_keys a second time keeps them" dz_keys own.test "$K"
check_eq "... so the DS stays the same" "$ds1" "$(dz_ds own.test "$K")"
cat > "$T/own.zone" <<ZONE
\$ORIGIN own.test.
\$TTL 300
@ IN SOA ns.own.test. h.own.test. 1 3600 600 86400 300
@ IN NS ns.own.test.
ns IN A 127.0.0.1
$(smimea_owner alice)._smimecert IN SMIMEA $(dane_rdata_300 "$LAB_SMIME_DIR/alice.pem")
_443._tcp IN TLSA $(dane_rdata_311 "$srv")
ZONE
check "dz_sign signs it" dz_sign own.test "$T/own.zone" "$T/own.signed" "$K"
check "dz_corrupt makes a bogus copy" \
    dz_corrupt "$T/own.signed" "$T/own.bogus"
check "dz_delv_anchor writes the anchor" \
    dz_delv_anchor own.test "$K" "$T/own.anchors"
check "dz_nsd_start serves it" \
    dz_nsd_start "$T/nsd" "$port" "own.test=$T/own.signed"
out=$(delv @127.0.0.1 -p "$port" -a "$T/own.anchors" +root=own.test \
    "$(smimea_owner alice)._smimecert.own.test" SMIMEA 2>&1)
check_match "own zone: SMIMEA fully validated" '^; fully validated' "$out"
check_match "own zone: TLSA fully validated" '^; fully validated' \
    "$(delv @127.0.0.1 -p "$port" -a "$T/own.anchors" +root=own.test \
    _443._tcp.own.test TLSA 2>&1)"
pid=$(cut -d' ' -f1 "$T/nsd/nsd.pid")
check "dz_nsd_stop stops it" dz_nsd_stop "$T/nsd"
dz_running "$pid"
check_eq "... its PID is gone" 1 "$?"
check "dz_nsd_stop a second time is harmless" dz_nsd_stop "$T/nsd"
check "dz_nsd_start serves the corrupted copy" \
    dz_nsd_start "$T/nsd" "$port" "own.test=$T/own.bogus"
out=$(delv @127.0.0.1 -p "$port" -a "$T/own.anchors" +root=own.test \
    "$(smimea_owner alice)._smimecert.own.test" SMIMEA 2>&1)
check_match "corrupted zone: validation fails" 'resolution failed' "$out"
check_nomatch "corrupted zone: nothing validated" 'fully validated' "$out"
dz_nsd_stop "$T/nsd"
t_done
