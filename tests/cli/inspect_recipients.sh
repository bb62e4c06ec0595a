# An envelope with several RecipientInfos that name the same key (sent
# twice to bob's certificate): each is tried in turn, so a damaged first
# one does not make the message undecryptable; with every one damaged the
# message is undecryptable and no byte of the content is shown. The same
# for AES-256-GCM and AES-256-CBC, and for ECDH (key agreement) where the
# key is an EC one.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
# bob's identity (RSA) and carol's (EC).
for p in bob carol p12-passphrase; do
	f=$p.p12
	[ "$p" = p12-passphrase ] && f=$p
	cp "$D/$f" "$T/" && chmod 600 "$T/$f"
done
for p in bob carol; do
	check "keys import $p.p12" sm keys import "$T/$p.p12" \
	    --passphrase-file "$T/p12-passphrase"
done
printf 'Content-Type: text/plain\r\n\r\nfor bob: the words are ours\r\n' \
    >"$T/body"

# damage IN OUT N...: OUT is IN (DER) with one byte of the encrypted key
# of the Nth RecipientInfo (from 1, in their order) changed. An RSA
# encrypted key is the 256-octet OCTET STRING of a KeyTransRecipientInfo;
# an ECDH one the 40-octet OCTET STRING of a RecipientEncryptedKey.
damage() {
	_in=$1 _out=$2
	shift 2
	openssl asn1parse -inform DER -in "$_in" >"$T/asn1" &&
	python3 - "$_in" "$_out" "$T/asn1" "$@" <<'PY'
import re, sys
data = bytearray(open(sys.argv[1], 'rb').read())
keys = []
for line in open(sys.argv[3]):
    m = re.match(r'\s*(\d+):d=\d+\s+hl=(\d+)\s+l=\s*(\d+)\s+prim:\s+OCTET STRING',
                 line)
    if m and int(m.group(3)) in (256, 40):
        keys.append(int(m.group(1)) + int(m.group(2)))
for n in sys.argv[4:]:
    off = keys[int(n) - 1] + 7
    data[off] ^= 0x5a
open(sys.argv[2], 'wb').write(data)
print(len(keys))
PY
}
# mail DER OUT: OUT is a message from alice whose body is the envelope DER.
mail() {
	{
		printf 'From: alice@example.test\r\nTo: bob@example.test\r\n'
		printf 'Subject: twice to one key\r\n'
		openssl cms -cmsout -inform DER -in "$1" -outform SMIME |
		    sed 's/\r$//; s/$/\r/'
	} >"$2"
}
insp() { sm inspect --json "$1" >"$T/v.json"; }
v() { json "$T/v.json" "d[\"$1\"]"; }

# twice CIPHER CERT NAME: an envelope to CERT twice, then the four cases.
twice() {
	check "$3: an envelope to one certificate twice" openssl cms -encrypt -"$1" \
	    -in "$T/body" -outform DER -out "$T/$3.der" "$2" "$2"
	check_eq "$3: two encrypted keys in it" 2 \
	    "$(damage "$T/$3.der" "$T/$3-none.der")"
	damage "$T/$3.der" "$T/$3-first.der" 1 >/dev/null
	damage "$T/$3.der" "$T/$3-second.der" 2 >/dev/null
	damage "$T/$3.der" "$T/$3-both.der" 1 2 >/dev/null
	for c in none first second; do
		mail "$T/$3-$c.der" "$T/$3-$c.eml"
		check "$3, $c damaged: inspect" insp "$T/$3-$c.eml"
		check_eq "$3, $c damaged: decrypted" decrypted \
		    "$(v encryption)"
		check_match "$3, $c damaged: the text" \
		    '^for bob: the words are ours' "$(v text)"
	done
	mail "$T/$3-both.der" "$T/$3-both.eml"
	check "$3, both damaged: inspect" insp "$T/$3-both.eml"
	check_eq "$3, both damaged: undecryptable" undecryptable \
	    "$(v encryption)"
	check_nomatch "$3, both damaged: no word of it shown" 'words' \
	    "$(v text)"
}
twice aes-256-gcm "$D/bob.pem" gcm
twice aes-256-cbc "$D/bob.pem" cbc
twice aes-256-gcm "$D/carol.pem" ecdh
t_done
