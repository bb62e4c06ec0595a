#!/bin/sh
# tests/data/revoke/mkseeds.sh: makes the fuzz target's fixtures (a CA, a
# leaf certificate it issued, a delegated OCSP responder) and its seeds:
# OCSP responses and CRLs made at 2026-12-01 00:00 UTC (the target judges
# at 00:30), bare and inside HTTP responses. Run from the top of the tree;
# needs faketime.
set -eu
D=tests/data/revoke
S=$D/seeds
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$S"
T='2026-12-01 00:00:00'
at() { faketime -f "@$T" "$@"; }
at openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout "$W/ca.key" -subj "/O=sealmail fuzz/CN=fuzz CA" \
    -days 7300 -addext "keyUsage = critical, keyCertSign, cRLSign" \
    -addext "basicConstraints = critical, CA:TRUE" -out "$D/ca.pem" \
    2>/dev/null
at sh tests/lab/revoke-cert.sh "$D/ca.pem" "$W/ca.key" "$W/leaf" \
    leaf@example.test http://127.0.0.1/ocsp http://127.0.0.1/ca.crl
at sh tests/lab/revoke-cert.sh "$D/ca.pem" "$W/ca.key" "$W/ocsp" \
    --ocsp-signer
cp "$W/leaf.pem" "$D/leaf.pem"
ser=$(openssl x509 -noout -serial -in "$D/leaf.pem" | cut -d= -f2)
printf 'V\t461231000000Z\t\t%s\tunknown\t/CN=leaf\n' "$ser" > "$W/good.txt"
printf 'R\t461231000000Z\t261130000000Z\t%s\tunknown\t/CN=leaf\n' "$ser" \
    > "$W/revoked.txt"
openssl ocsp -issuer "$D/ca.pem" -cert "$D/leaf.pem" -no_nonce \
    -reqout "$W/req.der" 2>/dev/null
for st in good revoked; do
	at openssl ocsp -index "$W/$st.txt" -CA "$D/ca.pem" \
	    -rsigner "$W/ocsp.pem" -rkey "$W/ocsp.key" -reqin "$W/req.der" \
	    -respout "$W/ocsp-$st.der" -nmin 60 2>/dev/null
	at openssl ocsp -index "$W/$st.txt" -CA "$D/ca.pem" \
	    -rsigner "$D/ca.pem" -rkey "$W/ca.key" -reqin "$W/req.der" \
	    -respout "$W/ocsp-ca-$st.der" -nmin 60 2>/dev/null
	echo 'unique_subject = no' > "$W/$st.txt.attr"
	echo 01 > "$W/crlnumber"
	printf '[ ca ]\ndefault_ca = f\n[ f ]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n' \
	    "$W/$st.txt" "$W/crlnumber" > "$W/ca.cnf"
	at openssl ca -gencrl -config "$W/ca.cnf" -cert "$D/ca.pem" \
	    -keyfile "$W/ca.key" -crldays 30 -out "$W/crl.pem" 2>/dev/null
	openssl crl -in "$W/crl.pem" -outform DER -out "$W/crl-$st.der"
done
# A seed is a mode byte (bit 0: CRL, bit 1: inside HTTP), then the bytes.
for f in ocsp-good ocsp-revoked ocsp-ca-good ocsp-ca-revoked crl-good \
    crl-revoked; do
	case $f in crl*) m0='\001' m1='\003' ;; *) m0='\000' m1='\002' ;; esac
	{ printf "$m0"; cat "$W/$f.der"; } > "$S/$f"
	{
		printf "$m1"
		printf 'HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n' \
		    "$(wc -c < "$W/$f.der")"
		cat "$W/$f.der"
	} > "$S/http-$f"
done
{
	printf '\002HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
	printf '%x\r\n' "$(wc -c < "$W/ocsp-good.der")"
	cat "$W/ocsp-good.der"
	printf '\r\n0\r\n\r\n'
} > "$S/http-chunked"
