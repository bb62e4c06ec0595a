# Malformed input: truncated base64, a signature cut short, no closing
# boundary, a 200 KB header line, 500 nested multiparts, an empty file,
# random bytes. Each ends with exit 0 (a verdict) or 1 (one clear line on
# stderr), never with a crash, a sanitizer report, a hang or "valid".
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
check "keys trust ca.pem" sm keys trust "$D/ca.pem"

# More random input than the committed file: a few fresh ones each run.
for i in 1 2 3; do
	head -c $((i * 3000)) /dev/urandom >"$T/random-$i.eml"
done
for f in "$D"/malformed/*.eml "$T"/random-*.eml; do
	n=$(basename "$f")
	timeout 30 "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" \
	    inspect --json "$f" >"$T/out" 2>"$T/err"; rc=$?
	case $rc in
	0|1) ok "$n: exit $rc" ;;
	*) notok "$n: exit $rc (crash or hang)"; tail -3 "$T/err" ;;
	esac
	check_nomatch "$n: no sanitizer report" \
	    "AddressSanitizer|LeakSanitizer|runtime error" "$(cat "$T/err")"
	if [ "$rc" -eq 1 ]; then
		check_match "$n: one clear line" "^sealmail: [^ ].{4,}" \
		    "$(grep -v 'no Secret Service' "$T/err" | tail -1)"
		check_eq "$n: nothing on stdout" "" "$(cat "$T/out")"
	else
		check_nomatch "$n: never valid" '"signature":"valid"' \
		    "$(cat "$T/out")"
	fi
done

# A signed layer that cannot be read is still counted: "invalid", with the
# reason as a finding, for a multipart/signed without its signature part
# and for signed-data that is not CMS.
# mail HEADER-AND-BODY: a message from a to b, escapes (\r\n) expanded.
mail() {
	printf 'From: a@example.test\r\nTo: b@example.test\r\n'
	printf 'Subject: x\r\nMIME-Version: 1.0\r\n%b' "$1"
}
mail 'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n' \
    >"$T/one-part-signed.eml"
mail 'Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n' \
    >"$T/not-cms-signed.eml"
for c in "one-part-signed:a multipart/signed part without exactly one content and one S/MIME signature" \
    "not-cms-signed:a signed part that is not readable CMS"; do
	n=${c%%:*}
	sm inspect --json "$T/$n.eml" >"$T/$n.json" 2>/dev/null
	check_eq "$n: invalid, with its finding" "invalid ${c#*:}" \
	    "$(json "$T/$n.json" 'd["signature"] + " " + " ".join(d["findings"])')"
done

# from is null without exactly one From field naming exactly one mailbox;
# subject is "" without a Subject; both are what --json's types say.
fromof() {
	printf "$1\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nbody\n" |
	    sm inspect --json - >"$T/f.json" 2>/dev/null
	json "$T/f.json" 'repr(d["from"]) + " " + repr(d["subject"])'
}
check_eq "no From: from null, subject empty" "None ''" "$(fromof 'To: a@x.test')"
check_eq "two From fields: null" "None ''" \
    "$(fromof 'From: a@x.test\nFrom: b@x.test')"
check_eq "a From with no mailbox (a group): null" "None ''" \
    "$(fromof 'From: undisclosed:;')"
check_eq "a From with two mailboxes: null" "None ''" \
    "$(fromof 'From: a@x.test, b@x.test')"
check_eq "one mailbox: its addr-spec" "'a@x.test' 'hi'" \
    "$(fromof 'From: A <a@x.test>\nSubject: hi')"
t_done
