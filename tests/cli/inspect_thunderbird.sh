# Thunderbird's S/MIME test messages (the interop corpus "thunderbird",
# made with NSS; see its SOURCE.md): each must give the verdict
# Thunderbird's own tests expect for it
# (mailnews/mime/test/unit/test_smime_decrypt.js and
# mail/test/browser/smime/*.js), translated to the contract's values:
#
#   Thunderbird			contract
#   sig_good: true		signature "valid"
#   sig: true, sig_good: false	signature anything but "valid"
#   sig: false			signature "none"
#   enc: true			encryption "decrypted"
#   enc: false			encryption "none" (or "partial" where an
#				envelope stands beside other content)
#   check_text			the text shows it
#
# Where Thunderbird ignores a signature around an envelope (bug 1806161:
# it signs ciphertext only), sealmail does too when that signature
# verifies: such a layer is named in the findings and not counted. One
# that does not verify is not ignored: the contract makes a message with
# any signature that does not verify "invalid", first in its order. Seven
# files carry a signature around the envelope that does not match it
# (openssl cms -verify fails on each): the two outer-smime-bad-sig files,
# made so on purpose; alice.dsig.SHA256.multipart.env.dsig, whose envelope
# was put in after signing; and the four alice.env.dsig files, whose
# signatures were made over the envelope part with bare LF line ends, not
# over its canonical CRLF form that RFC 8551 signs (they verify only once
# the CRs are taken out). They read "invalid" where Thunderbird shows the
# verdict inside. Thunderbird's "enc: false" for the
# encrypt-then-sign files reflects only the order of its status events;
# the message is decrypted and shown, and sealmail says "decrypted".
. "$TOP/tests/lib.sh"
cli_home
interop thunderbird
secret "$T/nss" 'nss'
for p in smime/Bob.p12 smime/Dave.p12 smime-interop/Fran.p12 \
    smime-interop/Fran-ec.p12; do
	cp "$D/$p" "$T/" && chmod 600 "$T/$(basename "$p")"
done
# The OpenPGP-wrapped envelopes are to the 2023 Bob, from the 2023 Alice.
cp "$D/smime-2023/Bob.p12" "$T/Bob-2023.p12" && chmod 600 "$T/Bob-2023.p12"
check "keys trust TestCA.pem" sm keys trust "$D/smime/TestCA.pem"
check "keys trust the 2023 TestCA.pem" sm keys trust \
    "$D/smime-2023/TestCA.pem"
for p in Bob Dave Fran Fran-ec Bob-2023; do
	check "keys import $p.p12" sm keys import "$T/$p.p12" \
	    --passphrase-file "$T/nss"
done

AB='This is a test message from Alice to Bob.'
FR='This is a test message to Fran.'
# file | signature | encryption | text shown ("-": not checked) | text never
cat >"$T/expect" <<EOF2
smime/alice.env.eml|none|decrypted|$AB|-
smime/alice.dsig.SHA1.multipart.bad.eml|!valid|none|-|-
smime/alice.dsig.SHA1.multipart.env.eml|!valid|decrypted|$AB|-
smime/alice.dsig.SHA1.multipart.eml|!valid|none|$AB|-
smime/alice.dsig.SHA1.multipart.mismatch-econtent.eml|!valid|none|-|-
smime/alice.dsig.SHA256.multipart.bad.eml|!valid|none|-|-
smime/alice.dsig.SHA256.multipart.eml|valid|none|$AB|-
smime/alice.future.dsig.SHA256.multipart.eml|valid|none|-|-
smime/alice.dsig.SHA256.multipart.env.eml|valid|decrypted|$AB|-
smime/alice.dsig.SHA256.multipart.mismatch-econtent.eml|!valid|none|-|-
smime/alice.dsig.SHA384.multipart.bad.eml|!valid|none|-|-
smime/alice.dsig.SHA384.multipart.eml|valid|none|$AB|-
smime/alice.dsig.SHA384.multipart.env.eml|valid|decrypted|$AB|-
smime/alice.dsig.SHA384.multipart.mismatch-econtent.eml|!valid|none|-|-
smime/alice.dsig.SHA512.multipart.bad.eml|!valid|none|-|-
smime/alice.dsig.SHA512.multipart.eml|valid|none|$AB|-
smime/alice.dsig.SHA512.multipart.env.eml|valid|decrypted|$AB|-
smime/alice.dsig.SHA512.multipart.mismatch-econtent.eml|!valid|none|-|-
smime/alice.sig.SHA1.opaque.eml|!valid|none|$AB|-
smime/alice.sig.SHA1.opaque.env.eml|!valid|decrypted|$AB|-
smime/alice.sig.SHA256.opaque.eml|valid|none|$AB|-
smime/alice.sig.SHA256.opaque.env.eml|valid|decrypted|$AB|-
smime/alice.sig.SHA384.opaque.eml|valid|none|$AB|-
smime/alice.sig.SHA384.opaque.env.eml|valid|decrypted|$AB|-
smime/alice.sig.SHA512.opaque.eml|valid|none|$AB|-
smime/alice.sig.SHA512.opaque.env.eml|valid|decrypted|$AB|-
smime/alice.env.sig.SHA1.opaque.eml|!valid|decrypted|$AB|-
smime/alice.env.dsig.SHA1.multipart.eml|invalid|decrypted|$AB|-
smime/alice.env.sig.SHA256.opaque.eml|!valid|decrypted|$AB|-
smime/alice.env.dsig.SHA256.multipart.eml|invalid|decrypted|$AB|-
smime/alice.env.sig.SHA384.opaque.eml|!valid|decrypted|$AB|-
smime/alice.env.dsig.SHA384.multipart.eml|invalid|decrypted|$AB|-
smime/alice.env.sig.SHA512.opaque.eml|!valid|decrypted|$AB|-
smime/alice.env.dsig.SHA512.multipart.eml|invalid|decrypted|$AB|-
smime-manual/alice.env.mixed.dsig.SHA256.multipart.eml|!valid|!decrypted|-|-
smime-manual/alice.dsig.SHA256.multipart.env.dsig.eml|invalid|decrypted|$AB|-
smime-manual/outer-smime-bad-sig-inner-smime-enc-sig.eml|invalid|decrypted|$AB|-
smime-manual/outer-smime-bad-sig-inner-smime-enc.eml|invalid|decrypted|$AB|-
smime/alice.env.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml|!valid|decrypted|-|-
smime/alice.env.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml|!valid|decrypted|-|-
smime/alice.env.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml|!valid|decrypted|-|-
smime/alice.env.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml|!valid|decrypted|-|-
smime/alice.env.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml|!valid|decrypted|-|-
smime/alice.env.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml|!valid|decrypted|-|-
smime/alice.env.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml|!valid|decrypted|-|-
smime/alice.env.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml|!valid|decrypted|-|-
smime/alice.plain.sig.SHA1.opaque.dave.sig.SHA1.opaque.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA1.multipart.dave.sig.SHA1.opaque.eml|!valid|none|-|-
smime/alice.plain.sig.SHA256.opaque.dave.sig.SHA256.opaque.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA256.multipart.dave.sig.SHA256.opaque.eml|!valid|none|-|-
smime/alice.plain.sig.SHA384.opaque.dave.sig.SHA384.opaque.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA384.multipart.dave.sig.SHA384.opaque.eml|!valid|none|-|-
smime/alice.plain.sig.SHA512.opaque.dave.sig.SHA512.opaque.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA512.multipart.dave.sig.SHA512.opaque.eml|!valid|none|-|-
smime/alice.plain.sig.SHA1.opaque.dave.dsig.SHA1.multipart.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA1.multipart.dave.dsig.SHA1.multipart.eml|!valid|none|-|-
smime/alice.plain.sig.SHA256.opaque.dave.dsig.SHA256.multipart.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA256.multipart.dave.dsig.SHA256.multipart.eml|!valid|none|-|-
smime/alice.plain.sig.SHA384.opaque.dave.dsig.SHA384.multipart.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA384.multipart.dave.dsig.SHA384.multipart.eml|!valid|none|-|-
smime/alice.plain.sig.SHA512.opaque.dave.dsig.SHA512.multipart.eml|!valid|none|-|-
smime/alice.plain.dsig.SHA512.multipart.dave.dsig.SHA512.multipart.eml|!valid|none|-|-
smime-interop/fran-oaep_ossl.env|none|decrypted|$FR|-
smime-interop/fran-oaep-label_ossl.env|none|decrypted|$FR|-
smime-interop/fran-oaep-sha256hash_ossl.env|none|decrypted|$FR|-
smime-interop/fran-oaep-sha256hash-sha256mgf_ossl.env|none|decrypted|$FR|-
smime-interop/fran-ec_ossl-aes128-sha256.env|none|decrypted|$FR|-
smime-interop/fran-ec_ossl-aes256-sha512.env|none|decrypted|$FR|-
browser-smime-data/alice.html.sig.SHA256.opaque.eml|!valid|none|$AB|-
smime/alice.html.sig.SHA256.opaque.eml|valid|none|$AB|-
smime/alice.html.sig.SHA256.opaque.env.eml|valid|decrypted|$AB|-
browser-smime-data/nested-sigs.eml|!valid|none|level 2|-
browser-smime-data/multipart-alternative.eml|!valid|partial|-|SECRET-TEXT
browser-smime-data/alice.dsig.SHA256.multipart.in.mixed.eml|partial|none|$AB|-
smime-manual/outer-pgp-sig-inner-smime-enc.eml|none|decrypted|$AB|-
smime-manual/outer-pgp-sig-inner-smime-enc-sig.eml|valid|decrypted|$AB|-
browser-smime-data/alice.dsig.SHA256.multipart.in.mixed.with.header.eml|partial|none|$AB|-
EOF2

while IFS='|' read -r f sig enc text never; do
	sm inspect --json "$D/$f" >"$T/out.json" 2>"$T/err"; rc=$?
	if [ "$rc" -ne 0 ]; then
		notok "$f: exit $rc"; tail -2 "$T/err"; continue
	fi
	gs=$(json "$T/out.json" 'd["signature"]')
	ge=$(json "$T/out.json" 'd["encryption"]')
	case $sig in
	!*) [ "$gs" != "${sig#!}" ] && ok "$f: signature $gs (not ${sig#!})" ||
		notok "$f: signature $gs, Thunderbird says not ${sig#!}" ;;
	*) check_eq "$f: signature" "$sig" "$gs" ;;
	esac
	case $enc in
	!*) [ "$ge" != "${enc#!}" ] && ok "$f: encryption $ge (not ${enc#!})" ||
		notok "$f: encryption $ge, expected not ${enc#!}" ;;
	*) check_eq "$f: encryption" "$enc" "$ge" ;;
	esac
	[ "$text" = - ] || check_match "$f: the text shows \"$text\"" \
	    "$text" "$(json "$T/out.json" 'd["text"]')"
	[ "$never" = - ] || check_nomatch "$f: \"$never\" is never shown" \
	    "$never" "$(cat "$T/out.json")"
done <"$T/expect"

# Where sealmail's contract differs from Thunderbird: a Date six hours
# after the signing time ("future") is shown beside a valid signature,
# not a reason to call the signer someone else.
sm inspect --json "$D/smime/alice.future.dsig.SHA256.multipart.eml" \
    >"$T/out.json" 2>/dev/null
check_match "future Date: a finding names the Date" \
    "Date header field is [0-9]+ minutes from the signing time" \
    "$(json "$T/out.json" 'd["findings"]')"
# An OpenPGP signature around an S/MIME envelope: the envelope is the
# message; the OpenPGP layer, which sealmail does not check, is named.
for f in outer-pgp-sig-inner-smime-enc outer-pgp-sig-inner-smime-enc-sig; do
	sm inspect --json "$D/smime-manual/$f.eml" >"$T/out.json" 2>/dev/null
	check_match "$f: a finding names the OpenPGP layer" \
	    "OpenPGP signature around the message was not checked" \
	    "$(json "$T/out.json" 'd["findings"]')"
done
check_eq "outer-pgp-sig-inner-smime-enc-sig: the inner signer" \
    Alice@example.com "$(json "$T/out.json" 'd["signer"]')"
t_done
