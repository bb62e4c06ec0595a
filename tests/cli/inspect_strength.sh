# Strength and time over the signer's whole chain, with certificates and
# messages made here by openssl (faketime for the clock): an ECDSA P-192
# signer, an RSA-1024 intermediate CA and a SHA-1-signed intermediate CA
# are each untrusted, beside a good intermediate that is valid; a
# signature made after the certificate expired, or before it was valid,
# is untrusted with a finding; a certificate that expired after the
# message was signed is untrusted, with a finding naming both times.
. "$TOP/tests/lib.sh"
cli_home
W=$T/pki
mkdir -p "$W"

cat >"$W/ext.cnf" <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
[ee]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=emailProtection
subjectAltName=email:alice@example.test
EOF
# cert NAME KEYSPEC ISSUER PROFILE DIGEST [FAKETIME DAYS]
cert() {
	openssl req -newkey "$2" -nodes -keyout "$W/$1.key" -out "$W/$1.csr" \
	    -subj "/CN=$1" 2>/dev/null &&
	faketime -f "${6:-+0d}" openssl x509 -req -in "$W/$1.csr" \
	    -CA "$W/$3.pem" -CAkey "$W/$3.key" -CAcreateserial \
	    -out "$W/$1.pem" -days "${7:-3650}" "-$5" -extfile "$W/ext.cnf" \
	    -extensions "$4" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/root.key" \
    -out "$W/root.pem" -subj "/CN=strength root" -days 3650 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl ecparam -name prime192v1 -out "$W/p192.param"
openssl ecparam -name prime256v1 -out "$W/p256.param"
cert good-ca rsa:2048 root ca sha256 &&
    cert rsa1024-ca rsa:1024 root ca sha256 &&
    cert sha1-ca rsa:2048 root ca sha1 &&
    cert p192 "ec:$W/p192.param" root ee sha256 &&
    cert p256 "ec:$W/p256.param" root ee sha256 &&
    cert via-good rsa:2048 good-ca ee sha256 &&
    cert via-rsa1024 rsa:2048 rsa1024-ca ee sha256 &&
    cert via-sha1 rsa:2048 sha1-ca ee sha256 &&
    cert short rsa:2048 root ee sha256 +0d 365 &&
    cert later rsa:2048 root ee sha256 +100d 365 &&
    cert gone rsa:2048 root ee sha256 -400d 365 &&
    ok "openssl made every certificate" ||
    notok "openssl made every certificate"
check "keys trust the root" sm keys trust "$W/root.pem"

printf 'Content-Type: text/plain\r\n\r\nStrength matters.\r\n' >"$W/body"
# msg SIGNER [CA] [FAKETIME]: a signed message from alice, dated when
# signed, its intermediate CA (if any) carried in the signature.
msg() {
	_d=$(faketime -f "${3:-+0d}" date -u '+%a, %d %b %Y %H:%M:%S +0000')
	printf 'From: alice@example.test\r\nTo: bob@example.test\r\n'
	printf 'Subject: %s\r\nDate: %s\r\n' "$1" "$_d"
	faketime -f "${3:-+0d}" openssl cms -sign -in "$W/body" -md sha256 \
	    -signer "$W/$1.pem" -inkey "$W/$1.key" \
	    ${2:+-certfile "$W/$2.pem"} | sed 's/\r$//; s/$/\r/'
}
# judge FILE: "signature" and the findings, one line
judge() {
	sm inspect --json "$1" >"$T/out.json" 2>"$T/err"
	json "$T/out.json" 'd["signature"]'
}

msg via-good good-ca >"$T/good.eml"
check_eq "a good intermediate CA: valid" valid "$(judge "$T/good.eml")"
msg p256 >"$T/p256.eml"
check_eq "an ECDSA P-256 signer: valid" valid "$(judge "$T/p256.eml")"

# weak WHAT SIGNER CA REGEX: untrusted, with a finding matching REGEX
weak() {
	msg "$2" "$3" >"$T/weak.eml"
	check_eq "$1: untrusted" untrusted "$(judge "$T/weak.eml")"
	check_match "$1: the finding says why" "$4" \
	    "$(json "$T/out.json" 'd["findings"]')"
}
weak "an ECDSA P-192 signer" p192 "" "signer's key is too weak"
weak "an RSA-1024 intermediate CA" via-rsa1024 rsa1024-ca \
    "a CA's key in the chain is too weak"
weak "a SHA-1-signed intermediate CA" via-sha1 sha1-ca \
    "signed with a weak digest \(MD5 or SHA-1\)"

# A 365-day certificate, the message signed 500 days on (its Date too):
# the certificate is valid now, but the signature was made after it ended.
msg short "" +500d >"$T/after.eml"
check_eq "signed after the certificate expired: untrusted" untrusted \
    "$(judge "$T/after.eml")"
check_match "and a finding says it was signed outside the validity" \
    "signer 1: signed at [-0-9T:]+Z, outside the certificate's validity" \
    "$(json "$T/out.json" 'd["findings"]')"
# A certificate valid from 100 days on, the message signed today and
# read 150 days on: signed before the certificate was valid.
msg later >"$T/before.eml"
later=$(date -u -d '+150 days' '+%Y-%m-%dT%H:%M:%SZ')
SEALMAIL_VERIFY_TIME=$later sm inspect --json "$T/before.eml" \
    >"$T/out.json" 2>/dev/null
check_eq "signed before the certificate was valid: untrusted" untrusted \
    "$(json "$T/out.json" 'd["signature"]')"
check_match "and a finding says it was signed outside the validity" \
    "outside the certificate's validity" \
    "$(json "$T/out.json" 'd["findings"]')"
# Valid from 400 days ago for 365 days; signed 100 days ago: expired
# since. Untrusted today, and the finding names both times.
msg gone "" -100d >"$T/gone.eml"
check_eq "a certificate expired since the signing: untrusted" untrusted \
    "$(judge "$T/gone.eml")"
na=$(openssl x509 -in "$W/gone.pem" -noout -enddate | sed 's/.*=//')
na=$(date -u -d "$na" '+%Y-%m-%dT%H:%M:%SZ')
check_match "the finding names when it expired and when it was signed" \
    "the certificate expired at $na, after the message was signed at [-0-9T:]+Z" \
    "$(json "$T/out.json" 'd["findings"]')"
t_done
