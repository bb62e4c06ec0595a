#!/bin/sh
# tests/lab/revoke-cert.sh CA.pem CA.key OUT EMAIL OCSP-URL CRL-URL
# tests/lab/revoke-cert.sh CA.pem CA.key OUT --ocsp-signer
#
# A P-256 key OUT.key and a certificate OUT.pem issued by CA, valid for ten
# years: an S/MIME certificate for EMAIL whose AIA names OCSP-URL and whose
# CRL distribution point is CRL-URL ("-" leaves either out), or a delegated
# OCSP responder's (extended key usage OCSPSigning).
set -eu
[ $# -ge 4 ] || { echo "usage: see tests/lab/revoke-cert.sh" >&2; exit 2; }
CA=$1 CAKEY=$2 OUT=$3
EXT=$OUT.ext
if [ "$4" = "--ocsp-signer" ]; then
	SUBJ="/O=sealmail lab/CN=sealmail lab OCSP responder"
	cat > "$EXT" <<'END'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
END
else
	[ $# -eq 6 ] || { echo "usage: see tests/lab/revoke-cert.sh" >&2; exit 2; }
	SUBJ="/O=sealmail lab/CN=$4"
	{
		# keyEncipherment: what OpenSSL asks of any S/MIME encryption key
		KA="keyEncipherment, keyAgreement"
		printf '%s\n' 'basicConstraints = critical, CA:FALSE' \
		    "keyUsage = critical, digitalSignature, nonRepudiation, $KA" \
		    'extendedKeyUsage = emailProtection' \
		    "subjectAltName = email:$4" \
		    'subjectKeyIdentifier = hash' \
		    'authorityKeyIdentifier = keyid'
		[ "$5" = - ] || echo "authorityInfoAccess = OCSP;URI:$5"
		[ "$6" = - ] || echo "crlDistributionPoints = URI:$6"
	} > "$EXT"
fi
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$OUT.key" 2>/dev/null
openssl req -new -key "$OUT.key" -subj "$SUBJ" -out "$OUT.csr" 2>/dev/null
openssl x509 -req -in "$OUT.csr" -CA "$CA" -CAkey "$CAKEY" \
    -set_serial "0x$(openssl rand -hex 12)" -days 3650 -sha256 \
    -extfile "$EXT" -out "$OUT.pem" 2>/dev/null
chmod 600 "$OUT.key"
rm -f "$OUT.csr" "$EXT"
