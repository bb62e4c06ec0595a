# Who the reader is shown as the sender: mailing-list mail signed by its
# author, with the list in Sender and Reply-To, is valid with both named
# in the findings; an address in a comment of From is read as shown, and
# From's addr-spec is found through it. Signed here with openssl by the
# identities of tests/data/smime.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
check "keys trust ca.pem" sm keys trust "$D/ca.pem"
printf 'Content-Type: text/plain\r\n\r\nTo the list.\r\n' >"$T/body"

# signed SIGNER HEADER-LINES...: a message signed by SIGNER, with the
# given header fields and a Date of now.
signed() {
	_s=$1
	shift
	printf '%s\r\n' "$@"
	printf 'To: list@lists.example.test\r\nSubject: to the list\r\n'
	printf 'Date: %s\r\n' "$(date -u '+%a, %d %b %Y %H:%M:%S +0000')"
	openssl cms -sign -in "$T/body" -md sha256 -signer "$D/$_s.pem" \
	    -inkey "$D/$_s.key" | sed 's/\r$//; s/$/\r/'
}
verdict() {
	sm inspect --json "$1" >"$T/out.json" 2>"$T/err"
	json "$T/out.json" '" ".join([d["signature"], d["from"] or "-", d["signer"] or "-"])'
}

signed alice 'From: Alice <alice@example.test>' \
    'Sender: list-bounces@lists.example.test' \
    'Reply-To: The List <list@lists.example.test>' \
    'List-Post: <mailto:list@lists.example.test>' >"$T/list.eml"
check_eq "mailing-list mail signed by its author: valid" \
    "valid alice@example.test alice@example.test" "$(verdict "$T/list.eml")"
check_match "a finding names the Sender field" \
    "the Sender field names an address other than the signer's" \
    "$(json "$T/out.json" 'd["findings"]')"
check_match "a finding names the Reply-To field" \
    "the Reply-To field names an address other than the signer's" \
    "$(json "$T/out.json" 'd["findings"]')"

# expect FILE "SIGNATURE FROM SIGNER" WHAT
expect() { check_eq "$3" "$2" "$(verdict "$1")"; }
# From's addr-spec is mallory's; the comment shows alice's, who signed.
signed alice 'From: mallory@evil.test (alice@example.test)' >"$T/c1.eml"
expect "$T/c1.eml" "mismatch mallory@evil.test alice@example.test" \
    "From: mallory@evil.test (alice@...), alice signs: mismatch"
# bob signs as himself, but the comment shows alice: mismatch.
signed bob 'From: bob@example.test (alice@example.test)' >"$T/c2.eml"
expect "$T/c2.eml" "mismatch bob@example.test bob@example.test" \
    "From: bob@... (alice@...), bob signs: mismatch"
check_match "and the finding says From shows another address" \
    "the From field shows an address other than the signer's" \
    "$(json "$T/out.json" 'd["findings"]')"
# A comment that shows no address changes nothing.
signed bob 'From: bob@example.test (Bob, at work)' >"$T/c3.eml"
expect "$T/c3.eml" "valid bob@example.test bob@example.test" \
    "From: bob@... (Bob, at work), bob signs: valid"
# A comment inside a quoted display name is not a comment.
signed bob 'From: "Bob (alice@example.test)" <bob@example.test>' \
    >"$T/c4.eml"
expect "$T/c4.eml" "mismatch bob@example.test bob@example.test" \
    "a display name showing alice's address, bob signs: mismatch"
t_done
