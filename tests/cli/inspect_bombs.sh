# Compression bombs (tests/data/mkbombs.py): eight nested CompressedData
# layers, twenty, one layer of 1 GiB, and an envelope whose plaintext
# inflates. Each is "error" with a finding, and costs at most 1 s of CPU
# and 64 MiB of memory more than an ordinary compressed message does.
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
t_done
