# The CMS objects made with the RFC 9216 sample keys (the LAMPS corpus,
# read in place: ../shared/interop/lamps, see its SOURCE.md), each framed
# as a minimal application/pkcs7-mime message: Ed25519 (RFC 8419, which
# OpenSSL 3.0's CMS layer cannot check) verifies, RSA-PSS and RSA-OAEP
# as ever, ChaCha20-Poly1305 is named, and a signature whose algorithm
# sealmail cannot check is "error", never "invalid".
. "$TOP/tests/lib.sh"
cli_home
lamps_corpus
C=$L/cms-examples
K=$L/rfc9216/examples-cms
V=$L/rfc9216/certvalidator

# frame DER FROM TYPE > message
frame() {
	printf 'From: %s\r\nTo: bob@smime.example\r\nSubject: %s\r\n' "$2" \
	    "$(basename "$1")"
	printf 'MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; '
	printf 'smime-type=%s; name=smime.p7m\r\n' "$3"
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	openssl base64 -in "$1"
}
# verdict FILE: "signature encryption cipher signer", one line
verdict() {
	sm inspect --json "$1" >"$T/out.json" 2>"$T/err" || return 1
	json "$T/out.json" \
	    '" ".join([d["signature"], d["encryption"], d["cipher"] or "-", d["signer"] or "-"])'
}

check "keys trust the RFC 9216 Ed25519 CA" sm keys trust \
    "$V/Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem"
check "keys trust the RFC 9216 RSA CA" sm keys trust \
    "$V/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"
openssl pkcs12 -export -in "$K/lamps-bob.encrypt.crt" \
    -inkey "$K/lamps-bob.decrypt.p8.pem" -passout pass:bob \
    -out "$T/bob.p12" 2>/dev/null && chmod 600 "$T/bob.p12"
secret "$T/bob.pass" 'bob'
check "keys import RFC 9216 Bob" sm keys import "$T/bob.p12" \
    --passphrase-file "$T/bob.pass"

# Ed25519, opaque, with signed attributes (SHA-512 messageDigest).
frame "$C/signedByCarlosEd25519.p7m" carlos@smime.example signed-data \
    >"$T/ed.eml"
check_eq "Ed25519 (RFC 8419): valid, by carlos" \
    "valid none - carlos@smime.example" "$(verdict "$T/ed.eml")"
check_eq "Ed25519: the signed text is shown" "This is some sample content." \
    "$(json "$T/out.json" 'd["text"]')"
check_eq "Ed25519: trust pkix" pkix "$(json "$T/out.json" 'd["trust"]')"

# alter DER PYTHON-EXPR > DER: byte surgery with d (a bytearray)
alter() {
	python3 -c 'import sys
d = bytearray(open(sys.argv[1], "rb").read())
exec(sys.argv[2])
sys.stdout.buffer.write(bytes(d))' "$1" "$2"
}
# The content altered: the messageDigest no longer matches.
alter "$C/signedByCarlosEd25519.p7m" \
    'i = d.find(b"sample"); d[i] ^= 0x20' >"$T/ed-content.der"
frame "$T/ed-content.der" carlos@smime.example signed-data >"$T/m.eml"
check_eq "Ed25519, content altered: invalid" \
    "invalid none - carlos@smime.example" "$(verdict "$T/m.eml")"
# The signature value altered: the signed attributes do not verify.
alter "$C/signedByCarlosEd25519.p7m" 'd[-1] ^= 0x01' >"$T/ed-sig.der"
frame "$T/ed-sig.der" carlos@smime.example signed-data >"$T/m.eml"
check_eq "Ed25519, signature altered: invalid" \
    "invalid none - carlos@smime.example" "$(verdict "$T/m.eml")"
check_match "and a finding says the signed attributes do not verify" \
    "signed attributes do not verify" "$(json "$T/out.json" 'd["findings"]')"
# The SignerInfo's algorithm made one no one knows (1.3.101.119): the
# signature cannot be checked at all, which is error, never invalid.
alter "$C/signedByCarlosEd25519.p7m" \
    'o = bytes.fromhex("06032b6570"); i = d.rfind(o); d[i + 4] = 0x77' \
    >"$T/ed-alg.der"
frame "$T/ed-alg.der" carlos@smime.example signed-data >"$T/m.eml"
check_eq "an unknown signature algorithm: error" \
    "error none - carlos@smime.example" "$(verdict "$T/m.eml")"
check_match "and a finding names it" \
    "signature algorithm cannot be checked \(1\.3\.101\.119\)" \
    "$(json "$T/out.json" 'd["findings"]')"

# Ed25519, detached: a multipart/signed over the exact sample content.
{
	printf 'From: carlos@smime.example\r\nTo: bob@smime.example\r\n'
	printf 'Subject: detached\r\nMIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/signed; '
	printf 'protocol="application/pkcs7-signature"; micalg=sha-512; '
	printf 'boundary=b\r\n\r\n--b\r\n'
	printf 'This is some sample content.'
	printf '\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n'
	printf 'Content-Transfer-Encoding: base64\r\n\r\n'
	openssl base64 -in "$C/signedByCarlosDetached.p7m"
	printf '\r\n--b--\r\n'
} >"$T/det.eml"
check_eq "Ed25519, detached: valid" "valid none - carlos@smime.example" \
    "$(verdict "$T/det.eml")"

# RSA PKCS#1 v1.5 and RSA-PSS signatures, and RSA-OAEP envelopes to Bob
# (alone, and beside Dana's X25519), as before.
while read -r f type want what; do
	frame "$C/$f.p7m" alice@smime.example "$type" >"$T/m.eml"
	check_eq "$what: $want" "$(echo "$want" | tr , ' ')" \
	    "$(verdict "$T/m.eml")"
done <<EOF
signedByAliceRSA signed-data valid,none,-,alice@smime.example RSA
signedByAliceRSAPSS signed-data valid,none,-,alice@smime.example RSA-PSS
encryptedForBobRSAOaep enveloped-data none,decrypted,aes-128-cbc,- RSA-OAEP
encryptedForBobAndDana enveloped-data none,decrypted,aes-128-cbc,- Bob+Dana
EOF
frame "$C/encryptedForBobRSAOaep.p7m" alice@smime.example enveloped-data \
    >"$T/oaep.eml"
verdict "$T/oaep.eml" >/dev/null
check_eq "RSA-OAEP: the text" "This is some sample content." \
    "$(json "$T/out.json" 'd["text"]')"

# ChaCha20-Poly1305 (RFC 8103): named, though not opened here.
frame "$C/authEnvelopedForBobChaCha20Poly1305.p7m" alice@smime.example \
    authEnveloped-data >"$T/chacha.eml"
check_eq "ChaCha20-Poly1305: the cipher is named" \
    "none undecryptable chacha20-poly1305 -" "$(verdict "$T/chacha.eml")"
# A content cipher with no name anywhere: its dotted OID.
alter "$C/authEnvelopedForBobChaCha20Poly1305.p7m" \
    'o = bytes.fromhex("060b2a864886f70d0109100312"); i = d.find(o); d[i + 12] = 0x7e' \
    >"$T/oid.der"
frame "$T/oid.der" alice@smime.example authEnveloped-data >"$T/oid.eml"
check_eq "an unknown content cipher: its dotted OID" \
    "none undecryptable 1.2.840.113549.1.9.16.3.126 -" \
    "$(verdict "$T/oid.eml")"
t_done
