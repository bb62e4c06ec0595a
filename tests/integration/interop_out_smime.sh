#!/bin/sh
# What sealmail signs and encrypts must verify and decrypt with other
# programs: openssl cms (OpenSSL 3), gpgsm (GnuPG 2.2) and NSS's cmsutil. A private test
# CA, RSA-2048 and EC P-256 identities are made here with openssl(1); the
# messages are made by tests/tools/crypto_seal with the code sealmail
# sends with. Every plaintext is compared byte for byte with the entity
# sealmail signed or encrypted.
#
# gpgsm 2.2.40 cannot decrypt AuthEnvelopedData at all ("error getting
# IV": it reads the GCM parameters as a CBC IV, whoever made the message),
# and crashes importing an EC PKCS#12, so gpgsm decrypts the CBC/RSA cases
# and openssl cms decrypts every case.
. "$TOP/tests/lib.sh"
SEAL=$TOOLS/crypto_seal
cd "$T" || exit 1

# --- a CA and three identities ------------------------------------------
cp "$TOP/tests/data/ext.cnf" ext.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=sealmail interop CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
mkid() {	# name kind keyspec
	openssl req -newkey "$3" -nodes -keyout "$1.key" -out "$1.csr" \
	    -subj "/CN=$1" 2>/dev/null &&
	EMAIL=$1@example.test openssl x509 -req -in "$1.csr" -CA ca.pem \
	    -CAkey ca.key -CAcreateserial -out "$1.pem" -days 30 \
	    -extfile ext.cnf -extensions "$2" 2>/dev/null
}
openssl ecparam -name prime256v1 -out p256.pem
mkid alice rsa rsa:2048 && mkid bob rsa rsa:2048 && mkid carol ec ec:p256.pem
check "test CA and identities made" test -s alice.pem -a -s bob.pem -a -s carol.pem

# gpgsm: a private home, the CA trusted, offline, alice's key imported.
echo interop >pw
gpgsm_home "$T/gnupg" ca.pem alice pw

# --- helpers -----------------------------------------------------------
# split_signed MSG ENT SIG: the signed entity and the DER signature of the
# (first) multipart/signed in MSG, bytes as they stand.
split_signed() {
	python3 - "$@" <<'EOF'
import base64, re, sys
d = open(sys.argv[1], 'rb').read()
b = re.search(rb'boundary="([^"]+)"', d).group(1)
parts = d.split(b'\r\n--' + b)
ent = parts[1][2:]
sig = parts[2][2:]
sig = sig[sig.index(b'\r\n\r\n') + 4:]
open(sys.argv[2], 'wb').write(ent)
open(sys.argv[3], 'wb').write(base64.b64decode(sig))
EOF
}

# canonical MSG: 1 when every line is CRLF-ended 7-bit of <= 998 octets.
canonical() {
	python3 - "$1" <<'EOF'
import sys
d = open(sys.argv[1], 'rb').read()
ok = d.endswith(b'\r\n') and all(c < 0x80 for c in d) and b'\r\n' in d
for l in d.split(b'\r\n')[:-1]:
    if len(l) > 998 or b'\r' in l or b'\n' in l:
        ok = False
sys.exit(0 if ok else 1)
EOF
}

# gpgsm_verify SIG DATA: the status lines of a detached verification.
gpgsm_verify() {
	gpgsm --batch --status-fd 1 --verify "$1" "$2" 2>/dev/null
}

cat >msg.txt <<'EOF'
From: Alice Exämple <alice@example.test>
To: Bob <bob@example.test>, Carol <carol@example.test>
Subject: Grüße — interop test
X-Mailer-Test: yes

Hello Bob,
ünïcode text, a line with trailing space 
From the start of a line, and a dot line:
.
EOF
python3 -c 'print("x" * 2000)' >>msg.txt

# --- signing: RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256 ----------------------
for v in rsa pss ec; do
	case $v in
	rsa)	opts="--sign alice.pem alice.key" ;;
	pss)	opts="--sign alice.pem alice.key --pss" ;;
	ec)	opts="--sign carol.pem carol.key" ;;
	esac
	# shellcheck disable=SC2086
	check "$v: sealmail signs" $SEAL $opts --entity $v.ent msg.txt $v.eml
	check "$v: the message is 7-bit CRLF, lines <= 998" canonical $v.eml
	check "$v: openssl cms verifies it against the CA" \
	    openssl cms -verify -in $v.eml -CAfile ca.pem -purpose smimesign \
	    -out $v.out
	check "$v: what openssl says was signed is the entity, byte for byte" \
	    cmp $v.out $v.ent
	split_signed $v.eml $v.part $v.sig
	check "$v: the signed part in the message is the entity" \
	    cmp $v.part $v.ent
	st=$(gpgsm_verify $v.sig $v.part)
	check_match "$v: gpgsm says good signature" '^\[GNUPG:\] GOODSIG ' "$st"
	check_match "$v: gpgsm trusts the chain" '^\[GNUPG:\] TRUST_FULLY' "$st"
done
st=$(openssl cms -cmsout -print -inform DER -in pss.sig)
check_match "pss: the SignerInfo names RSASSA-PSS" 'rsassaPss' "$st"
st=$(openssl cms -cmsout -print -inform DER -in ec.sig)
check_match "ec: the SignerInfo names ECDSA with SHA-256" \
    'ecdsa-with-SHA256' "$st"
check_match "the digest is SHA-256" 'sha256' "$st"

caps=$($SEAL --caps rsa.sig alice.pem | tr '\n' ' ')
check_eq "SMIMECapabilities: AES-256-GCM, AES-128-GCM, AES-256-CBC" \
    "known aes-256-gcm aes-128-gcm aes-256-cbc " "$caps"
order=$(openssl cms -cmsout -print -inform DER -in rsa.sig |
    grep -Eo 'aes-(256|128)-(gcm|cbc)' | tr '\n' ' ')
check_eq "openssl reads the capabilities in that order" \
    "aes-256-gcm aes-128-gcm aes-256-cbc " "$order"
st=$(openssl cms -cmsout -print -inform DER -in rsa.sig)
check_match "a signing time is signed" 'signingTime' "$st"
n=$(openssl pkcs7 -inform DER -in rsa.sig -print_certs | grep -c 'BEGIN CERT')
check_eq "the signature carries the signer's certificate" 1 "$n"
check "with --chain the CA goes along too" \
    $SEAL --sign alice.pem alice.key --chain ca.pem msg.txt chain.eml
split_signed chain.eml chain.part chain.sig
n=$(openssl pkcs7 -inform DER -in chain.sig -print_certs | grep -c 'BEGIN CERT')
check_eq "two certificates in the chained signature" 2 "$n"

# A relay (or a Maildir) that turns CRLF into LF does not break it.
tr -d '\r' <rsa.eml >rsa-lf.eml
check "a signed message stored with LF still verifies" \
    openssl cms -verify -in rsa-lf.eml -CAfile ca.pem -out /dev/null
# The long line came through quoted-printable, and decodes to the input.
python3 - rsa.ent <<'EOF' >long.txt
import email, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read())
sys.stdout.write(m.get_payload(decode=True).decode('utf-8').replace('\r\n', '\n'))
EOF
check "the text decodes back to what was written" \
    sh -c 'sed "1,/^\$/d" msg.txt | cmp - long.txt'

# --- encryption -------------------------------------------------------
body_of() { tr -d '\r' <"$1" | sed '1,/^$/d' | base64 -d >"$2"; }

# Bob's capabilities are unknown: AES-256-CBC EnvelopedData.
c=$($SEAL --sign alice.pem alice.key --rcpt bob.pem --entity cbc.ent \
    msg.txt cbc.eml)
check_eq "unknown capabilities: AES-256-CBC" aes-256-cbc "$c"
check_match "smime-type=enveloped-data" 'smime-type=enveloped-data' \
    "$(cat cbc.eml)"
check "the encrypted message is 7-bit CRLF" canonical cbc.eml
check "openssl cms decrypts it as bob" openssl cms -decrypt -in cbc.eml \
    -recip bob.pem -inkey bob.key -out cbc.dec
check "openssl cms decrypts it as alice (the sender)" openssl cms -decrypt \
    -in cbc.eml -recip alice.pem -inkey alice.key -out cbc.dec2
check "both get the same bytes" cmp cbc.dec cbc.dec2
st=$(openssl cms -cmsout -print -in cbc.eml)
check_match "content cipher aes-256-cbc" 'aes-256-cbc' "$st"
check "the decrypted message verifies" openssl cms -verify -in cbc.dec \
    -CAfile ca.pem -out cbc.inner
check "and its signed content is the entity, byte for byte" \
    cmp cbc.inner cbc.ent
body_of cbc.eml cbc.der
check "gpgsm decrypts the CBC envelope as alice" sh -c \
    'gpgsm --batch --pinentry-mode loopback --passphrase-fd 0 --decrypt cbc.der <pw >cbc.gdec'
check "gpgsm's plaintext is the same bytes" cmp cbc.gdec cbc.dec
split_signed cbc.gdec cbc.gpart cbc.gsig
st=$(gpgsm_verify cbc.gsig cbc.gpart)
check_match "gpgsm verifies the signature inside" '^\[GNUPG:\] GOODSIG ' "$st"

# Every recipient known to read AES-256-GCM: AuthEnvelopedData.
c=$($SEAL --sign alice.pem alice.key --rcpt-gcm bob.pem --rcpt-gcm carol.pem \
    --entity gcm.ent msg.txt gcm.eml)
check_eq "all read GCM: AES-256-GCM" aes-256-gcm "$c"
check_match "smime-type=authEnveloped-data" \
    'smime-type=authEnveloped-data' "$(cat gcm.eml)"
st=$(openssl cms -cmsout -print -in gcm.eml)
check_match "content cipher aes-256-gcm" 'aes-256-gcm' "$st"
check_match "a 16-byte tag" 'INTEGER *:10|aes-ICVlen: 16' \
    "$(body_of gcm.eml gcm.der; openssl asn1parse -inform DER -in gcm.der)"
for who in bob carol alice; do
	check "openssl cms decrypts the GCM envelope as $who" \
	    openssl cms -decrypt -in gcm.eml -recip $who.pem -inkey $who.key \
	    -out gcm.$who
done
check "the EC recipient gets the same bytes" cmp gcm.bob gcm.carol
check "the GCM plaintext verifies, signed content = entity" sh -c \
    'openssl cms -verify -in gcm.bob -CAfile ca.pem -out gcm.inner && cmp gcm.inner gcm.ent'
check_match "the EC recipient: ECDH with the SHA-256 KDF" \
    'dhSinglePass-stdDH-sha256kdf-scheme' "$st"
# A flipped byte in the ciphertext fails the tag check.
python3 - gcm.der <<'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
d[len(d) - 60] ^= 1
open('gcm-bad.der', 'wb').write(d)
EOF
check_fails "a tampered GCM envelope does not decrypt" \
    "Error decrypting CMS structure" openssl cms -decrypt \
    -inform DER -in gcm-bad.der -recip bob.pem -inkey bob.key -out bad.out

# One recipient whose capabilities are unknown brings everyone to CBC.
c=$($SEAL --rcpt-gcm bob.pem --rcpt carol.pem --self alice.pem msg.txt mix.eml)
check_eq "one unknown recipient: AES-256-CBC" aes-256-cbc "$c"
check "the EC recipient decrypts the CBC envelope" openssl cms -decrypt \
    -in mix.eml -recip carol.pem -inkey carol.key -out mix.dec
check "encrypted only: the plaintext is the entity" sh -c \
    "$SEAL --rcpt bob.pem --self alice.pem --entity enc.ent msg.txt enc.eml >/dev/null &&
    openssl cms -decrypt -in enc.eml -recip bob.pem -inkey bob.key -out enc.dec &&
    cmp enc.dec enc.ent"
check_nomatch "encrypted only: no signature inside" 'multipart/signed' \
    "$(cat enc.dec)"
check_fails "no private key of a stranger opens it" "no matching recipient" \
    openssl cms -decrypt \
    -in enc.eml -recip carol.pem -inkey carol.key -out /dev/null

# --- NSS (the library Thunderbird reads S/MIME with) ---------------------
# cmsutil from NSS 3.87 reads RSA and ECDSA signatures and RSA key
# transport with AES-CBC; it knows neither AuthEnvelopedData nor ECDH key
# agreement, which is why a recipient whose capabilities are unknown gets
# AES-256-CBC.
NSSDB=sql:$T/nss
mkdir "$T/nss"
check "an NSS database with the CA trusted" sh -c \
    "certutil -N --empty-password -d $NSSDB &&
    certutil -A -d $NSSDB -n ca -t C,C,C -i ca.pem"
check "NSS imports alice's PKCS#12" pk12util -i alice.p12 -d "$NSSDB" \
    -w pw
# nss_verify SIG ENT: cmsutil's verdict on a detached signature.
nss_verify() {
	cmsutil -D -i "$1" -c "$2" -d "$NSSDB" -n -h 2 2>&1
}
for v in rsa pss ec; do
	st=$(nss_verify $v.sig $v.ent)
	check_match "$v: NSS says good signature" \
	    'signer0.status=GoodSignature' "$st"
done
check "NSS decrypts the CBC envelope as alice (the sender)" \
    cmsutil -D -i cbc.der -d "$NSSDB" -o cbc.nss
check "NSS's plaintext is the same bytes" cmp cbc.nss cbc.dec
split_signed cbc.nss cbc.npart cbc.nsig
check_match "NSS verifies the signature inside" \
    'signer0.status=GoodSignature' "$(nss_verify cbc.nsig cbc.npart)"

gpgconf --kill gpg-agent	# gpgsm started it in our GNUPGHOME
t_done
