# The IETF LAMPS header-protection vectors (RFC 9788 and the drafts before
# it), read in place from the shared interop corpus (its SOURCE.md says
# where each file comes from; nothing of it is copied here). Every vector
# that protects its header fields shows the protected Subject, From, To
# and Date, says where they came from in header_protection, and shows no
# Legacy Display Element as text; the vectors without header protection
# show their outer fields as before. A signed vector whose outer Subject
# and Cc were changed in transit still shows the signed ones, with a
# finding for each.
#
# LAMPS_DIR names the corpus (default: the interop corpus "lamps" beside the
# repository).
. "$TOP/tests/lib.sh"
cli_home
lamps_corpus
secret "$T/bobpw" bob

# RFC 9216 Bob (header-protection/) as a PKCS#12, and the drafts' Bob
# (protected-headers/bob.p12 is PEM-armoured).
openssl pkcs12 -export -passout file:"$T/bobpw" -out "$T/bob9216.p12" \
    -inkey "$L/rfc9216/examples-cms/lamps-bob.decrypt.p8.pem" \
    -in "$L/rfc9216/examples-cms/lamps-bob.encrypt.crt" \
    -certpbe AES-256-CBC -keypbe AES-256-CBC -macalg sha256
sed -n '/BEGIN PKCS12/,/END PKCS12/p' "$L/protected-headers/bob.p12" |
    grep -v -- ----- | base64 -d >"$T/bobph.p12"
chmod 600 "$T/bob9216.p12" "$T/bobph.p12"
check "keys import RFC 9216 Bob" sm keys import "$T/bob9216.p12" \
    --passphrase-file "$T/bobpw"
check "keys import the drafts' Bob" sm keys import "$T/bobph.p12" \
    --passphrase-file "$T/bobpw"
check "keys trust the RFC 9216 RSA CA" sm keys trust \
    "$L/rfc9216/certvalidator/Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem"
check "keys trust the drafts' sample CA" sm keys trust \
    "$L/protected-headers/sample-ca.pem"

BC="BarCorp contract signed, let's go!"
# file | header_protection | signature | encryption | subject | date
cat >"$T/expect" <<EOF
header-protection/smime-one-part.eml|none|valid|none|smime-one-part|2021-02-20T15:01:02Z
header-protection/smime-multipart-complex.eml|none|valid|none|smime-multipart-complex|2021-02-20T17:02:02Z
header-protection/smime-enc-signed.eml|none|valid|decrypted|smime-enc-signed|2021-02-20T15:03:02Z
header-protection/smime-multipart-injected.eml|signed|valid|none|smime-multipart-injected|2021-02-20T15:07:02Z
header-protection/smime-one-part-wrapped.eml|signed|valid|none|smime-one-part-wrapped|2021-02-20T15:04:02Z
header-protection/smime-enc-signed-injected-strong.eml|encrypted|valid|decrypted|smime-enc-signed-injected-strong|2021-02-20T15:12:02Z
header-protection/smime-enc-signed-injected-strong-legacy.eml|encrypted|valid|decrypted|smime-enc-signed-injected-strong-legacy|2021-02-20T15:13:02Z
header-protection/smime-enc-signed-wrapped-strong.eml|encrypted|valid|decrypted|smime-enc-signed-wrapped-strong|2021-02-20T15:11:02Z
header-protection/smime-enc-signed-complex-injected-strong-legacy.eml|encrypted|valid|decrypted|smime-enc-signed-complex-injected-strong-legacy|2021-02-20T17:13:02Z
protected-headers/smime-onepart-signed.eml|signed|valid|none|The FooCorp contract|2019-11-27T00:06:00Z
protected-headers/smime-multipart-signed.eml|signed|valid|none|The FooCorp contract|2019-11-27T00:03:00Z
protected-headers/smime-sign+enc.eml|encrypted|valid|decrypted|$BC|2019-11-27T08:15:00Z
protected-headers/smime-sign+enc+legacy-disp.eml|encrypted|valid|decrypted|$BC|2019-11-27T08:24:00Z
protected-headers/smime-enc+legacy-disp.eml|encrypted|none|decrypted|$BC|2019-11-27T08:27:00Z
EOF
n=0
while IFS='|' read -r f hp sig enc subj date; do
	n=$((n + 1))
	sm inspect --json "$L/$f" >"$T/out.json" 2>"$T/err"
	got=$(json "$T/out.json" '"|".join([d["header_protection"], d["signature"], d["encryption"], d["subject"], d["date"] or "-"])' 2>/dev/null)
	check_eq "$f: $hp, $sig, $enc, Subject and Date shown" \
	    "$hp|$sig|$enc|$subj|$date" "$got"
	got=$(json "$T/out.json" '" ".join([d["from"] or "-"] + d["to"] + d["cc"])' 2>/dev/null)
	check_eq "$f: From alice, To bob" \
	    "alice@smime.example bob@smime.example" "$got"
	text=$(json "$T/out.json" 'd["text"]' 2>/dev/null)
	check_nomatch "$f: no header field line is shown as text" \
	    '^(Subject|From|To|Date): ' "$text"
	check_match "$f: the text is there" '(message|Bob)' "$text"
	check_nomatch "$f: no finding about the outer fields" 'outer' \
	    "$(json "$T/out.json" 'd["findings"]' 2>/dev/null)"
done <"$T/expect"
check_eq "every header-protection vector was read" 9 \
    "$(grep -c '^header-protection/' "$T/expect")"
check "and every header-protection vector is on the list" test \
    "$(ls "$L"/header-protection/*.eml | wc -l)" -eq 9

# The Subject swapped in transit, a Cc added: the signed ones are shown.
sed -e '0,/^Subject: The FooCorp contract/s//Subject: URGENT - wire 10k/' \
    -e '0,/^To: Bob Babbage/s//Cc: eve@evil.example\nTo: Bob Babbage/' \
    "$L/protected-headers/smime-multipart-signed.eml" >"$T/swap.eml"
check_match "the swapped copy has the outer Subject changed" \
    '^Subject: URGENT' "$(head -12 "$T/swap.eml")"
sm inspect --json "$T/swap.eml" >"$T/swap.json" 2>"$T/err"
check_eq "swapped: the signed Subject is shown, valid, no Cc" \
    "The FooCorp contract|valid|signed|[]" \
    "$(json "$T/swap.json" '"|".join([d["subject"], d["signature"], d["header_protection"], json.dumps(d["cc"])])')"
f=$(json "$T/swap.json" 'd["findings"]')
check_match "swapped: a finding names the changed Subject" \
    'outer Subject field differs from the signed one' "$f"
check_match "swapped: a finding names the added Cc" \
    'outer Cc field is not in the signed header section' "$f"

# Whether a signature covers the protected section: under the signature
# of a signed and encrypted vector, not in an encrypted-only one.
sm inspect --json "$L/protected-headers/smime-sign+enc.eml" >"$T/out.json" \
    2>"$T/err"
check_eq "signed and encrypted: header_signed" true \
    "$(json "$T/out.json" 'd["header_signed"]')"
sm inspect --json "$L/protected-headers/smime-enc+legacy-disp.eml" \
    >"$T/out.json" 2>"$T/err"
check_eq "encrypted only: not header_signed" false \
    "$(json "$T/out.json" 'd["header_signed"]')"

# Anyone can encrypt to Bob: an envelope whose protected section (no
# signature around it) names alice and a Subject of its own, around a
# part alice really signed, under an outer From of mallory's. The
# protected fields are shown, but said to be covered by no signature,
# and the outer From that differs is a finding.
S=$TOP/tests/data/smime
check "keys trust the fixtures' CA" sm keys trust "$S/ca.pem"
printf 'Content-Type: text/plain\r\n\r\nSee you on Monday.\r\n' >"$T/body"
{
	printf 'Content-Type: multipart/mixed; boundary=hp; hp="cipher"\r\n'
	printf 'From: alice@example.test\r\nTo: bob@smime.example\r\n'
	printf 'Subject: You are fired\r\n'
	printf 'Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n\r\n--hp\r\n'
	openssl cms -sign -in "$T/body" -md sha256 -signer "$S/alice.pem" \
	    -inkey "$S/alice.key" | sed 's/\r$//; s/$/\r/'
	printf '\r\n--hp--\r\n'
} >"$T/hp.ent"
{
	printf 'From: mallory@evil.test\r\nTo: bob@smime.example\r\n'
	printf 'Subject: [...]\r\nDate: Thu, 01 Jan 2026 00:00:00 +0000\r\n'
	openssl cms -encrypt -aes-256-gcm -in "$T/hp.ent" \
	    "$L/rfc9216/examples-cms/lamps-bob.encrypt.crt" |
	    sed 's/\r$//; s/$/\r/'
} >"$T/fired.eml"
sm inspect --json "$T/fired.eml" >"$T/out.json" 2>"$T/err"
check_eq "encrypted only around a signed part: from, subject, verdict" \
    "alice@example.test|You are fired|encrypted|False|partial|decrypted" \
    "$(json "$T/out.json" '"|".join([d["from"], d["subject"], d["header_protection"], str(d["header_signed"]), d["signature"], d["encryption"]])')"
f=$(json "$T/out.json" 'd["findings"]')
check_match "encrypted only: a finding names the outer From" \
    'outer From field differs from the protected one, which no signature covers' \
    "$f"
check_nomatch "encrypted only: the obscured Subject is no finding" \
    'outer Subject' "$f"
t_done
