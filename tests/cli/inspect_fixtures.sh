# sealmail inspect --json over the fixtures of tests/data/smime (made by
# tests/data/mkfixtures.sh with openssl cms and gpgsm): one message per
# value of signature and encryption, the nestings, the attack classes and
# what gpgsm makes; each must give the verdict in expect.txt. Bob's and
# carol's identities come in through keys import, the CA through keys
# trust, as a user would do it. No Secret Service: the passphrase file.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
cp "$D/bob.p12" "$D/carol.p12" "$D/p12-passphrase" "$T/"
chmod 600 "$T/bob.p12" "$T/carol.p12" "$T/p12-passphrase"

check "keys import bob.p12" sm keys import "$T/bob.p12" \
    --passphrase-file "$T/p12-passphrase"
check "keys import carol.p12 (EC)" sm keys import "$T/carol.p12" \
    --passphrase-file "$T/p12-passphrase"
check "keys trust ca.pem" sm keys trust "$D/ca.pem"

# Every fixture in one inspect call (one process, one store key): one JSON
# object per line, in the order given; J/FILE.json holds each.
tab=$(printf '\t')
J=$T/j
mkdir "$J"
grep -v '^#' "$D/expect.txt" | cut -f1 | sed "s|^|$D/|" >"$T/files"
# shellcheck disable=SC2046 # the paths hold no blank
sm inspect --json $(cat "$T/files") >"$T/all.json" 2>"$T/err"; rc=$?
check_eq "every fixture in one call: exit 0" 0 "$rc"
check_eq "one verdict per fixture" "$(wc -l <"$T/files")" \
    "$(wc -l <"$T/all.json")"
i=0
while read -r f; do
	i=$((i + 1))
	sed -n "${i}p" "$T/all.json" >"$J/$(basename "$f").json"
done <"$T/files"

grep -v '^#' "$D/expect.txt" | while IFS=$tab read -r f sig enc ci sg; do
	got=$(json "$J/$f.json" \
	    '" ".join([d["signature"], d["encryption"], d["cipher"] or "-", d["signer"] or "-"])')
	check_eq "$f: $sig / $enc / $ci / $sg" "$sig $enc $ci $sg" "$got"
	case $enc in
	decrypted)
		check_match "$f: the decrypted text is shown" \
		    "This is a test message from Alice to Bob" \
		    "$(json "$J/$f.json" 'd["text"]')" ;;
	undecryptable)
		check_eq "$f: no byte of a failed envelope is shown" "" \
		    "$(json "$J/$f.json" 'd["text"]')" ;;
	esac
	[ "$t_fail" -eq 0 ] || echo "$f" >>"$T/failed"
done
[ -f "$T/failed" ] && t_fail=1

# EFAIL: the envelope among clear parts is never opened, never joined.
check_nomatch "EFAIL: the secret is not in the text" "SECRET-TEXT" \
    "$(cat "$J/enc-partial-efail.eml.json")"
check_nomatch "EFAIL: no decrypted copy is kept" "SECRET" \
    "$(json "$J/enc-partial-efail.eml.json" 'd.get("decrypted")')"

# coverage: which lines of the text a signature covers, and which came
# out of an envelope, in runs from line 1.
cov() {	# cov FILE: the runs as "line:signed:envelope ..."
	json "$J/$1.json" '" ".join("%d:%d:%d" % (c["line"], c["signed"], c["envelope"]) for c in d["coverage"])'
}
check_eq "coverage: an unsigned prefix, then the signed part" \
    "1:0:0 3:1:0" "$(cov sig-partial.eml)"
check_eq "coverage: a signed message is signed throughout" "1:1:0" \
    "$(cov sig-valid.eml)"
check_eq "coverage: signed, then encrypted: every line both" "1:1:1" \
    "$(cov nest-sign-encrypt.eml)"
check_eq "coverage: a plain message, nothing" "1:0:0" "$(cov plain.eml)"
check_eq "coverage: EFAIL's clear text did not come from the envelope" \
    "1:0:0" "$(cov enc-partial-efail.eml)"

# The members of the contract are all there, with the right types.
check_eq "the JSON object has every member of the contract" \
    "cc cipher date encryption from header_protection revocation signature signer signers subject text to trust" \
    "$(json "$J/gpgsm-sign-encrypt.eml.json" '" ".join(sorted(k for k in d if k not in ("findings", "coverage", "header_signed")))')"
check_eq "to, cc and date of the outer header" \
    '["bob@example.test"] [] 2026-01-01T00:00:00Z' \
    "$(json "$J/sig-valid.eml.json" '" ".join([json.dumps(d["to"]), json.dumps(d["cc"]), d["date"]])')"

# A Date far from the signing time is a finding beside the verdict.
check_match "a Date 6 hours from the signing time: a finding" \
    "Date header field is 360 minutes from the signing time" \
    "$(json "$J/sig-date-mismatch.eml.json" 'd["findings"]')"

# The human form names the verdict too.
sm inspect "$D/sig-valid.eml" >"$T/human" 2>/dev/null
check_match "inspect without --json: the signature line" \
    "^Signature: +valid by alice@example.test \(trust: pkix\)" \
    "$(grep '^Signature' "$T/human")"

# Several files: one JSON object per line, in order.
sm inspect --json "$D/sig-valid.eml" "$D/sig-invalid.eml" \
    "$D/enc-gcm256.eml" >"$T/many" 2>/dev/null
check_eq "three files, three verdicts in order" "valid invalid none" \
    "$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["signature"] for l in open(sys.argv[1])))' "$T/many")"

# Standard input.
sm inspect --json - <"$D/sig-valid-opaque.eml" >"$T/stdin.json" 2>/dev/null
check_eq "inspect reads - (standard input)" valid \
    "$(json "$T/stdin.json" 'd["signature"]')"

# A valid signer that is From is harvested for later encryption.
sm keys list --json >"$T/list.json" 2>/dev/null
check_match "the valid signer's certificate was harvested" \
    "alice@example.test" \
    "$(json "$T/list.json" '[x["email"] for x in d if x["source"]=="harvested"]')"
check_nomatch "an untrusted or mismatched signer is not harvested" \
    "eve@example.test" \
    "$(json "$T/list.json" '[x["email"] for x in d if x["source"]=="harvested"]')"

# Bare LF line ends are read as CRLF: the signature still holds.
tr -d '\r' <"$D/sig-valid.eml" >"$T/lf.eml"
sm inspect --json "$T/lf.eml" >"$T/lf.json" 2>/dev/null
check_eq "a message with bare LF line ends verifies" valid \
    "$(json "$T/lf.json" 'd["signature"]')"

# Usage errors exit 2.
sm inspect >/dev/null 2>&1; rc=$?
check_eq "inspect without a file is a usage error (2)" 2 "$rc"
sm inspect --json "$T/nonexistent.eml" >/dev/null 2>"$T/err"; rc=$?
check_eq "a missing file: exit 1" 1 "$rc"
check_match "and one line saying so" "^sealmail: .*nonexistent.eml" \
    "$(tail -1 "$T/err")"
t_done
