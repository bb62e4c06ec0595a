# A signature over an envelope at the message's root signs ciphertext
# only: when it verifies it is not counted (encrypted, then signed, reads
# as unsigned), but when it does not verify the message is invalid, as
# the contract says of any signature that does not verify, whatever a
# valid signature inside says. Built here with openssl by the identities
# of tests/data/smime: signed by alice, encrypted to bob, signed again by
# alice, and the same with one byte of the outer signature changed.
. "$TOP/tests/lib.sh"
fixture_home bob
printf 'Content-Type: text/plain\r\n\r\nThe plan is on.\r\n' >"$T/body"

crlf() { sed 's/\r$//; s/$/\r/'; }
# sign IN [options]: alice's S/MIME signature of IN, CRLF line ends.
sign() {
	_i=$1
	shift
	openssl cms -sign -in "$_i" -md sha256 -signer "$D/alice.pem" \
	    -inkey "$D/alice.key" "$@" | crlf
}
# encrypt IN: IN in an envelope to bob, CRLF line ends.
encrypt() {
	openssl cms -encrypt -aes-256-gcm -in "$1" "$D/bob.pem" | crlf
}
# flip: the S/MIME entity on stdin with the last byte of its last base64
# block (the CMS structure, whose last bytes are the signature value)
# changed.
flip() {
	python3 -c '
import base64, sys
lines = sys.stdin.buffer.read().split(b"\r\n")
cte = max(i for i, l in enumerate(lines)
    if l.lower().startswith(b"content-transfer-encoding: base64"))
start = lines.index(b"", cte) + 1
end = start
while end < len(lines) and lines[end] and not lines[end].startswith(b"--"):
    end += 1
der = bytearray(base64.b64decode(b"".join(lines[start:end])))
der[-1] ^= 0x01
b64 = base64.b64encode(bytes(der))
lines[start:end] = [b64[i:i + 64] for i in range(0, len(b64), 64)]
sys.stdout.buffer.write(b"\r\n".join(lines))'
}
# message FILE: the S/MIME entity on stdin under alice's header fields.
message() {
	{
		printf 'From: Alice <alice@example.test>\r\n'
		printf 'To: Bob <bob@example.test>\r\nSubject: nested\r\n'
		cat
	} >"$1"
}
verdict() {
	sm inspect --json "$1" >"$T/out.json" 2>"$T/err"
	json "$T/out.json" '" ".join([d["signature"], d["encryption"]])'
}
findings() { json "$T/out.json" '"\n".join(d["findings"])'; }

sign "$T/body" >"$T/s.ent"
encrypt "$T/s.ent" >"$T/se.ent"
sign "$T/se.ent" | message "$T/ses.eml"
check_eq "signed, encrypted, signed: valid" "valid decrypted" \
    "$(verdict "$T/ses.eml")"
sign "$T/se.ent" | flip | message "$T/ses-bad.eml"
check_eq "the outer signature altered: invalid" "invalid decrypted" \
    "$(verdict "$T/ses-bad.eml")"
check_match "a finding names the outer layer's signature" \
    "signature of S/MIME layer 1 from the outside, over an encrypted part, does not verify" \
    "$(findings)"
check_eq "the inner signer is still the one named" alice@example.test \
    "$(json "$T/out.json" 'd["signer"]')"
sign "$T/se.ent" -nodetach | flip | message "$T/ses-bad-opaque.eml"
check_eq "the outer opaque signature altered: invalid" "invalid decrypted" \
    "$(verdict "$T/ses-bad-opaque.eml")"

# Encrypted, then signed: a good signature over the envelope alone is
# not counted; a bad one is.
encrypt "$T/body" >"$T/e.ent"
sign "$T/e.ent" | message "$T/es.eml"
check_eq "encrypted, then signed: unsigned" "none decrypted" \
    "$(verdict "$T/es.eml")"
check_match "a finding says the signature is not counted" \
    "signs only ciphertext; it is not counted" "$(findings)"
sign "$T/e.ent" | flip | message "$T/es-bad.eml"
check_eq "encrypted, then signed, the signature altered: invalid" \
    "invalid decrypted" "$(verdict "$T/es-bad.eml")"

# Signed twice around the envelope: the failing one is named by its layer.
sign "$T/se.ent" | flip >"$T/ses-bad.ent"
sign "$T/ses-bad.ent" | message "$T/sses.eml"
check_eq "the middle signature altered: invalid" "invalid decrypted" \
    "$(verdict "$T/sses.eml")"
check_match "a finding names layer 2" \
    "signature of S/MIME layer 2 from the outside, over an encrypted part, does not verify" \
    "$(findings)"
# Beside other content, the same: an altered signature over an envelope
# inside a multipart/mixed is a signature that does not verify.
{
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary=mx\r\n\r\n'
	printf -- '--mx\r\nContent-Type: text/plain\r\n\r\nclear text\r\n'
	printf -- '--mx\r\n'
	sign "$T/e.ent" | flip
	printf '\r\n--mx--\r\n'
} | message "$T/mixed-bad.eml"
check_eq "an altered signature over an envelope beside text: invalid" \
    "invalid partial" "$(verdict "$T/mixed-bad.eml")"
check_match "a finding says it stands inside the message" \
    "signature inside the message, over an encrypted part, does not verify" \
    "$(findings)"

# CompressedData signs nothing: beside a part alice signed, its text is
# not covered, in a part of its own or in an alternative not shown.
# openssl here cannot compress (no zlib): mkbombs.py writes the DER.
# compressed TEXT: a compressed-data entity holding a text/plain TEXT.
compressed() {
	printf 'Content-Type: text/plain\r\n\r\n%s\r\n' "$1" >"$T/cin"
	python3 - "$T/cin" "$TOP/tests/data" <<'EOF2'
import base64, sys, zlib
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from mkbombs import compressed_der, entity
der = compressed_der(zlib.compress(open(sys.argv[1], 'rb').read()))
sys.stdout.buffer.write(entity(der))
EOF2
}
cov() {	# the coverage runs as "line:signed ..."
	json "$T/out.json" '" ".join("%d:%d" % (c["line"], c["signed"]) for c in d["coverage"])'
}
{
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary=mx\r\n\r\n--mx\r\n'
	sign "$T/body"
	printf '\r\n--mx\r\n'
	compressed 'PAY 10000 EUR TO MALLORY'
	printf '\r\n--mx--\r\n'
} | message "$T/mixed-cmp.eml"
check_eq "a signed part beside a compressed one: partial" "partial none" \
    "$(verdict "$T/mixed-cmp.eml")"
check_match "the compressed part's text is shown" "PAY 10000 EUR" \
    "$(json "$T/out.json" 'd["text"]')"
check_eq "only the signed part's line is covered" "1:1 3:0" "$(cov)"
{
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary=mx\r\n\r\n--mx\r\n'
	sign "$T/body"
	printf '\r\n--mx\r\n'
	printf 'Content-Type: multipart/alternative; boundary=alt\r\n\r\n'
	printf -- '--alt\r\nContent-Type: text/plain\r\n\r\nHello.\r\n'
	printf -- '--alt\r\n'
	compressed 'PAY 10000 EUR TO MALLORY'
	printf '\r\n--alt--\r\n--mx--\r\n'
} | message "$T/alt-cmp.eml"
check_eq "a compressed part in an alternative not shown: partial" \
    "partial none" "$(verdict "$T/alt-cmp.eml")"
check_eq "no line after the signed part's is covered" "1:1 3:0" "$(cov)"
check_nomatch "the alternative not shown is not shown" "PAY 10000 EUR" \
    "$(json "$T/out.json" 'd["text"]')"

# An alternative that is not shown is searched for S/MIME parts, which
# decide the verdict, but nothing they hold is shown: the reader would
# take it for the message (the MIME wrapping of "Johnny, You Are Fired!").
# alternative A B FILE: the entities in files A and B as the alternatives
# of a message, in that order.
alternative() {
	{
		printf 'MIME-Version: 1.0\r\n'
		printf 'Content-Type: multipart/alternative; boundary=alt\r\n'
		printf '\r\n--alt\r\n'
		cat "$1"
		printf '\r\n--alt\r\n'
		cat "$2"
		printf '\r\n--alt--\r\n'
	} | message "$3"
}
text() { json "$T/out.json" 'd["text"]'; }
printf 'Content-Type: text/plain\r\n\r\nYou are fired.\r\n' >"$T/plain.ent"
printf 'Content-Type: text/html\r\n\r\n<p>You are fired.</p>\r\n' >"$T/html.ent"
sign "$T/body" -nodetach >"$T/so.ent"
flip <"$T/s.ent" >"$T/s-bad.ent"
# plain_alone WHAT A B VERDICT: the alternatives A and B have VERDICT,
# and of them only the text/plain one is shown, no signature covering it.
plain_alone() {
	alternative "$T/$2" "$T/$3" "$T/alt.eml"
	check_eq "$1: $4" "$4" "$(verdict "$T/alt.eml")"
	check_eq "$1: only the text/plain is shown" "You are fired." "$(text)"
	check_eq "$1: and no signature covers it" "1:0" "$(cov)"
}
plain_alone "text/plain, then signed" plain.ent s.ent "partial none"
check_match "a finding says what the signed alternative holds is not shown" \
    "an S/MIME part is in an alternative that is not shown" "$(findings)"
plain_alone "opaque signed, then text/plain" so.ent plain.ent "partial none"
plain_alone "text/plain, then a bad signature" plain.ent s-bad.ent \
    "invalid none"
plain_alone "text/plain, then an envelope" plain.ent e.ent "none partial"
# The signed alternative shown, the HTML one not: only the signed text,
# all of it covered, and partial, for the HTML one no signature covers.
alternative "$T/html.ent" "$T/s.ent" "$T/alt.eml"
check_eq "HTML, then signed: partial" "partial none" \
    "$(verdict "$T/alt.eml")"
check_eq "HTML, then signed: the signed text is shown" "The plan is on." \
    "$(text)"
check_eq "HTML, then signed: all of it covered" "1:1" "$(cov)"
t_done
