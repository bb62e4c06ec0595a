#!/bin/sh
# An EC recipient: carol's certificate (P-256) allows key agreement, not
# key encipherment, as RFC 5753 has it for ECDH. send --encrypt takes it
# (it used to refuse it as "not for encrypting e-mail"), and the message
# that goes out decrypts with carol's key in openssl cms (ECDH key
# agreement). An EC certificate that allows only signing is refused.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
D=$TOP/tests/data/smime
secret pw "store passphrase"
echo "$LAB_ALICE_PASS" >alicepw
mkdir -p "$T/alice"
{
	lab_account lab "$LAB_ALICE" "imap://mail.example.test:$LAB_IMAP_PORT" \
	    "submission://mail.example.test:$LAB_SUBMISSION_PORT" "$T/alicepw" \
	    'sign     = no' 'encrypt  = yes'
	lab_dns
} >"$T/alice/config"
A() { "$SEALMAIL" --home "$T/alice" --passphrase-file "$T/pw" "$@"; }
check "alice's identity" A keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "the lab CA trusted" A keys trust "$LAB_CA"
check "carol's EC certificate imported" A keys import "$D/carol.pem"
check "and its CA trusted" A keys trust "$D/ca.pem"
check_match "carol's key allows key agreement only" 'Key Agreement' \
    "$(openssl x509 -in "$D/carol.pem" -noout -ext keyUsage)"

# The lab knows no carol: a recording SMTP server (TLS, a certificate
# for the lab's name from a CA made here) takes the message instead.
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout sink-ca.key -out sink-ca.pem -days 30 -subj /CN=sink-test-ca
q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout sink.key -out sink.csr -subj "/CN=$LAB_HOST"
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$LAB_HOST" \
    >sink.ext
q openssl x509 -req -in sink.csr -CA sink-ca.pem -CAkey sink-ca.key \
    -CAcreateserial -days 30 -extfile sink.ext -out sink.pem
python3 "$TOP/tests/hostile/server.py" --proto smtp --mode sink \
    --cert sink.pem --key sink.key --record "$T/rec" --ready "$T/ready" \
    --silence 10 --lifetime 120 </dev/null >/dev/null 2>"$T/srv.err" &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
i=0
while [ ! -s "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$T/ready")
sed -i "s|^smtp .*|smtp     = submission://$LAB_HOST:$port|; s|^ca-file .*|ca-file  = $T/sink-ca.pem|" \
    "$T/alice/config"

printf 'From: %s\nTo: carol@example.test\nSubject: to carol %s\n\nfor an EC key %s\n' \
    "$LAB_ALICE" "$ID" "$ID" >msg.txt
A send --encrypt msg.txt >send.out 2>send.err; rc=$?
check_eq "send --encrypt to carol: exit 0" 0 "$rc"
check_nomatch "carol's certificate is not refused" 'not for encrypting' \
    "$(cat send.err)"
check_match "sent encrypted" 'sent .* to 1 recipient, not signed, aes-256' \
    "$(cat send.out)"
# The message data as the server took it, dots unstuffed.
python3 - "$T/rec" >sent.eml <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
body = d.split(b'DATA\r\n', 1)[1].split(b'\r\n.\r\n', 1)[0] + b'\r\n'
sys.stdout.buffer.write(b''.join(
    (l[1:] if l.startswith(b'.') else l) + b'\n'
    for l in body.split(b'\n')[:-1]))
PY
check_match "an enveloped message" 'application/(pkcs7|x-pkcs7)-mime' \
    "$(head -c 4000 sent.eml)"
openssl cms -decrypt -in sent.eml -recip "$D/carol.pem" -inkey "$D/carol.key" \
    -out dec.txt 2>dec.err; rc=$?
check_eq "openssl cms decrypts it with carol's EC key" 0 "$rc"
check_match "to the text alice wrote" "for an EC key $ID" "$(cat dec.txt)"
check_match "openssl sees a key agreement recipient" 'kari|KeyAgreeRecipientInfo' \
    "$(openssl cms -cmsout -print -in sent.eml 2>/dev/null | grep -io 'KeyAgreeRecipientInfo\|kari' | head -1)"

# An EC certificate for signing only is still not one to encrypt to.
openssl ecparam -name prime256v1 -out p256.pem
q openssl req -newkey ec:p256.pem -nodes -keyout dan.key -out dan.csr \
    -subj /CN=dan
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\nsubjectAltName=email:dan@example.test\n' \
    >dan.ext
q openssl x509 -req -in dan.csr -CA sink-ca.pem -CAkey sink-ca.key \
    -CAcreateserial -days 30 -extfile dan.ext -out dan.pem
check "dan's signing-only certificate imported" A keys import dan.pem
check "and its CA trusted" A keys trust sink-ca.pem
printf 'From: %s\nTo: dan@example.test\nSubject: to dan\n\nno\n' "$LAB_ALICE" \
    >dan.txt
check_error "send --encrypt to dan: refused, saying why" 1 \
    'dan@example.test.*not for encrypting e-mail' A send --encrypt dan.txt
t_done
