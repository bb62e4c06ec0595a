# Compression bombs (tests/data/mkbombs.py): eight nested CompressedData
# layers, twenty, one layer of 1 GiB, and an envelope whose plaintext
# inflates. Each is "error" with a finding, and costs at most 1 s of CPU
# and 64 MiB of memory more than an ordinary compressed message does.
# Attached messages (message/rfc822) are no S/MIME layers, and are
# bounded apart from them.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
cp "$D/bob.p12" "$D/p12-passphrase" "$T/" &&
    chmod 600 "$T/bob.p12" "$T/p12-passphrase"
check "the bombs are made" python3 "$TOP/tests/data/mkbombs.py" "$T/b" \
    "$D/bob.pem"
check "keys import bob.p12" "$SEALMAIL" --home "$H" --passphrase-file \
    "$T/pw" keys import "$T/bob.p12" --passphrase-file "$T/p12-passphrase"
run() {
	measure "$T/out.json" "$SEALMAIL" --home "$H" --passphrase-file \
	    "$T/pw" inspect --json "$1" 2>"$T/err"
}

# The cost of an ordinary message, the best of three.
base_ms=999999 base_kb=999999999
for i in 1 2 3; do
	set -- $(run "$T/b/plain.eml")
	[ "$4" -lt "$base_ms" ] && base_ms=$4
	[ "$2" -lt "$base_kb" ] && base_kb=$2
done
check_eq "an ordinary compressed message: its text" \
    "none The bottom of the bomb." \
    "$(json "$T/out.json" 'd["signature"] + " " + d["text"].strip()')"

for b in eight:inflates deep:"more than 8 S/MIME layers" huge:inflates \
    enc:inflates; do
	f=${b%%:*}
	set -- $(run "$T/b/$f.eml")
	check_eq "$f: exit 0" 0 "$3"
	check_eq "$f: signature error" error \
	    "$(json "$T/out.json" 'd["signature"]')"
	check_match "$f: a finding says why" "${b#*:}" \
	    "$(json "$T/out.json" 'd["findings"]')"
	check "$f: within 1 s of CPU more ($4 ms, ordinary $base_ms ms)" \
	    test $(($4 - base_ms)) -lt 1000
	check "$f: within 64 MiB more ($2 KiB, ordinary $base_kb KiB)" \
	    test $(($2 - base_kb)) -lt 65536
done
check_eq "enc: the envelope itself was opened" "decrypted aes-256-cbc" \
    "$(json "$T/out.json" 'd["encryption"] + " " + d["cipher"]')"

# forwards N NEST PAD: an entity with N plain messages attached, beside
# one another or (NEST 1) each inside the one before, attached message i
# saying "Forwarded text i.", the last one PAD lines longer.
forwards() {
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: multipart/mixed; boundary=b0z\r\n\r\n--b0z\r\n'
	printf 'Content-Type: text/plain\r\n\r\nHere they are.\r\n'
	_i=1
	while [ "$_i" -le "$1" ]; do
		_p=0
		[ "$2" = 1 ] && _p=$((_i - 1))
		printf -- '--b%dz\r\nContent-Type: message/rfc822\r\n\r\n' "$_p"
		printf 'From: c%d@example.test\r\nMIME-Version: 1.0\r\n' "$_i"
		printf 'Content-Type: multipart/mixed; boundary=b%dz\r\n\r\n' "$_i"
		printf -- '--b%dz\r\nContent-Type: text/plain\r\n\r\n' "$_i"
		printf 'Forwarded text %d.\r\n' "$_i"
		[ "$2" = 1 ] || printf -- '--b%dz--\r\n' "$_i"
		_i=$((_i + 1))
	done
	yes 'A line of the last attached message, to make it large.' |
	    head -n "$3" | sed 's/$/\r/'
	_i=0
	[ "$2" = 1 ] && _i=$1
	while [ "$_i" -ge 0 ]; do
		printf -- '--b%dz--\r\n' "$_i"
		_i=$((_i - 1))
	done
}
# message: the entity on stdin under alice's header fields.
message() {
	printf 'From: alice@example.test\r\nTo: bob@example.test\r\n'
	printf 'Subject: forwards\r\n'
	cat
}
# said: the signature and the findings of the verdict in out.json.
said() { json "$T/out.json" '[d["signature"]] + d["findings"]'; }
verdict() {
	sm inspect --json "$1" >"$T/out.json" 2>"$T/err"
	said
}
text() { json "$T/out.json" 'd["text"]'; }

check "keys trust ca.pem" sm keys trust "$D/ca.pem"
forwards 10 0 0 | message >"$T/ten.eml"
check_eq "ten attached messages: nothing to say of S/MIME layers" \
    '["none"]' "$(verdict "$T/ten.eml")"
check_match "ten attached messages: the text of each is shown" \
    "Forwarded text 10\." "$(text)"
# Alice's signature around them, eight layers deep (the most allowed),
# and the header fields protected in a message of their own.
{
	printf 'Content-Type: message/rfc822; forwarded=no\r\n\r\n'
	forwards 2 0 0 | message
} >"$T/fw.ent"
for k in 1 2 3 4 5 6 7 8; do
	openssl cms -sign -nodetach -in "$T/fw.ent" -md sha256 \
	    -signer "$D/alice.pem" -inkey "$D/alice.key" |
	    sed 's/\r$//; s/$/\r/' >"$T/fw.next" && mv "$T/fw.next" "$T/fw.ent"
done
message <"$T/fw.ent" >"$T/signed8.eml"
check_eq "eight signed layers around attached messages: valid" \
    '["valid"]' "$(verdict "$T/signed8.eml")"
check_eq "eight signed layers: the header fields shown are signed" signed \
    "$(json "$T/out.json" 'd["header_protection"]')"
check_match "eight signed layers: the attached messages' text is shown" \
    "Forwarded text 2\." "$(text)"

# Forty, each inside the one before, the last over 3 MB long: eight are read,
# each holding a copy of what is inside it, and no more.
forwards 1 1 60000 | message >"$T/one-deep.eml"
forwards 40 1 60000 | message >"$T/deep-fw.eml"
set -- $(run "$T/one-deep.eml")
one_ms=$4 one_kb=$2
set -- $(run "$T/deep-fw.eml")
check_eq "forty nested: exit 0" 0 "$3"
check_eq "forty nested: unsigned, and a finding says what is not shown" \
    '["none", "attached messages nested more than 8 deep; the text of those deeper is not shown"]' \
    "$(said)"
check "forty nested: within 1 s of CPU more ($4 ms, one $one_ms ms)" \
    test $(($4 - one_ms)) -lt 1000
check "forty nested: within 64 MiB more ($2 KiB, one $one_kb KiB)" \
    test $(($2 - one_kb)) -lt 65536
t_done
