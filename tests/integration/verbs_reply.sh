#!/bin/sh
# reply, reply --all, reply --list, forward, forward --attach and export
# against crafted mail synced from the lab's Dovecot: the header fields
# sync keeps (list --json), the reply's header exactly as the contract
# says, a reply that send takes as it is and whose copy in Sent carries
# the threading fields, and the reply oracle: a clear part around an
# envelope holding an earlier message's ciphertext to alice gives no byte
# of that plaintext or ciphertext to a reply or a forward, and says so.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
H=$T/home S=$LAB_SMIME_DIR
F="replytest$$"
alice_folder "$F"
trap 'rm -rf "$FD"' EXIT
mkdir -p "$H" gen
secret pw "store passphrase"
alice_config "$H" password
sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
n=0
deliver() {
	n=$((n + 1))
	f="$FD/cur/$(date +%s).M${n}P$$.lab:2,S"
	tr -d '\r' < "$1" > "$f" && chown --reference="$MD" "$f"
}
ID=$(date +%s)-$$
MARK="oraclemark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
MARK2="wholemark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# A group of three in Cc with alice among them, Reply-To, List-Post,
# References and a subject that has been replied to twice.
cat >gen/group.eml <<EOF
From: Carol <carol@example.test>
To: alice@example.test, dave@example.test
Cc: erin@example.test, Alice <ALICE@example.test>, frank@example.test
Reply-To: Bob <bob@example.test>
Subject: Re: RE: Aw: plans for the week
Date: Mon, 2 Nov 2026 10:00:00 +0000
Message-ID: <group-$ID@example.test>
References: <root-$ID@example.test>
 <mid-$ID@example.test>
List-Post: <mailto:team@example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

first line of the plans
second line
--b
Content-Type: application/pdf; name=agenda.pdf
Content-Disposition: attachment; filename=agenda.pdf

JVBERi0=
--b--
EOF
deliver gen/group.eml
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: no list\nMessage-ID: <plain-%s@example.test>\n\njust text\n' "$ID" >gen/plain.eml
deliver gen/plain.eml
# A list that takes no posts (RFC 2369 NO, with a comment), and one
# whose mailto: URL carries a subject.
printf 'From: news@example.test\nTo: alice@example.test\nSubject: no posts\nList-Post: NO (posting not allowed on this list)\n\nread only\n' >gen/nopost.eml
deliver gen/nopost.eml
printf 'From: help@example.test\nTo: alice@example.test\nSubject: with subject\nList-Post: <mailto:help@lists.example.test?subject=help%%20me&body=x>\n\nask\n' >gen/qpost.eml
deliver gen/qpost.eml
# Header-protected mail (RFC 9788, signed) through a list: the list adds
# List-Post outside the signed header section, as lists do.
printf 'From: bob@example.test\nTo: team@example.test\nSubject: protected post\nMessage-ID: <hplist-%s@example.test>\nContent-Type: text/plain; charset=us-ascii; hp="clear"\n\nto the whole team\n' \
    "$ID" > gen/hpent
openssl cms -sign -md sha256 -signer "$S/bob.pem" -inkey "$S/bob.key" \
    -in gen/hpent -crlfeol -out gen/hpsigned 2>/dev/null
{ printf 'From: bob@example.test\nTo: team@example.test\nSubject: protected post\n'
  printf 'Message-ID: <hplist-%s@example.test>\nDate: Mon, 2 Nov 2026 11:00:00 +0000\n' "$ID"
  printf 'List-Post: <mailto:team@example.test>\n'
  cat gen/hpsigned; } > gen/hplist.eml
deliver gen/hplist.eml

# An earlier message to alice, encrypted whole; then the attacker's:
# the same envelope between two clear parts.
printf 'Content-Type: text/plain\n\nthe earlier secret %s\n' "$MARK" >gen/b1
openssl smime -encrypt -aes256 -in gen/b1 -from bob@example.test \
    -to alice@example.test -subject "earlier" -out gen/enc.eml \
    "$S/alice.pem" 2>/dev/null
printf 'Content-Type: text/plain\n\nthe whole is %s\n' "$MARK2" >gen/b2
openssl smime -encrypt -aes256 -in gen/b2 -from bob@example.test \
    -to alice@example.test -subject "whole secret" -out gen/whole.eml \
    "$S/alice.pem" 2>/dev/null
sed '1,/^$/d' gen/enc.eml | tr -d '\r' >gen/enc.b64
CT_LINE=$(sed -n 5p gen/enc.b64)
{
	printf 'From: eve@example.test\nTo: alice@example.test\n'
	printf 'Subject: what is up\nMessage-ID: <oracle-%s@example.test>\n' "$ID"
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n'
	printf -- '--o\nContent-Type: text/plain\n\nplease read and reply\n'
	printf -- '--o\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	cat gen/enc.b64
	printf -- '--o\nContent-Type: text/plain\n\nthanks\n--o--\n'
} >gen/oracle.eml
# Signed by bob, with a list in Reply-To and Sender: a reply warns.
printf 'Content-Type: text/plain\n\nsigned to the list\n' >gen/b3
openssl smime -sign -md sha256 -in gen/b3 -signer "$S/bob.pem" \
    -inkey "$S/bob.key" -from bob@example.test -to alice@example.test \
    -subject "list signed" -out gen/ls.eml 2>/dev/null
sed -i '1i Reply-To: The List <team@lists.example.test>\
Sender: team-bounces@lists.example.test' gen/ls.eml
deliver gen/ls.eml
deliver gen/enc.eml
deliver gen/whole.eml
deliver gen/oracle.eml
rm -f gen/b1 gen/b2 gen/b3

check "alice's identity imported" sm keys import "$S/alice.p12" \
    --passphrase-file "$S/p12-pass"
check "the lab CA trusted" sm keys trust "$LAB_CA"
check "sync" sm sync --folder "$F"
sm list --json --folder "$F" >list.json
id_of() { json list.json "[x['id'] for x in d if x['subject']=='$1'][0]"; }
G=$(id_of 'Re: RE: Aw: plans for the week')
check_eq "list: account" alice "$(listed list.json "$G" account)"
check_eq "list: to" '["alice@example.test", "dave@example.test"]' \
    "$(listed list.json "$G" to)"
check_eq "list: cc" '["erin@example.test", "ALICE@example.test", "frank@example.test"]' \
    "$(listed list.json "$G" cc)"
check_eq "list: message_id" "<group-$ID@example.test>" \
    "$(listed list.json "$G" message_id)"
check_eq "list: references" "[\"<root-$ID@example.test>\", \"<mid-$ID@example.test>\"]" \
    "$(listed list.json "$G" references)"
check_eq "list: in_reply_to is null" null \
    "$(listed list.json "$G" in_reply_to)"
check_eq "list: one attachment" 1 \
    "$(listed list.json "$G" attachments)"
# RFC822.SIZE counts CRLF line ends; the Maildir file has LF.
check_eq "list: size is the original's" "$(sed 's/$/\r/' "$(ls "$FD"/cur/*M1P$$*)" | wc -c)" \
    "$(listed list.json "$G" size)"

# hdr FILE NAME: the value of a header field of a draft.
hdr() { sed '/^$/q' "$1" | grep -i "^$2:" | sed "s/^[^:]*: *//"; }
sm reply "$G" >r1.txt; rc=$?
check_eq "reply exits 0" 0 "$rc"
check_eq "reply: From is the address it was sent to" alice@example.test "$(hdr r1.txt From)"
check_eq "reply: To is Reply-To" bob@example.test "$(hdr r1.txt To)"
check_eq "reply: no Cc" "" "$(hdr r1.txt Cc)"
check_eq "reply: Re: once" "Re: plans for the week" "$(hdr r1.txt Subject)"
check_eq "reply: In-Reply-To" "<group-$ID@example.test>" "$(hdr r1.txt In-Reply-To)"
check_eq "reply: References" "<root-$ID@example.test> <mid-$ID@example.test> <group-$ID@example.test>" \
    "$(hdr r1.txt References)"
check_match "reply: the text quoted" '^> first line of the plans$' "$(cat r1.txt)"
check_match "reply: under one attribution line" '^On .*carol@example.test wrote:$' "$(cat r1.txt)"
sm reply --all "$G" >r2.txt
check_eq "reply --all: To is Reply-To" bob@example.test "$(hdr r2.txt To)"
check_nomatch "reply --all: alice is not in Cc" 'alice' "$(hdr r2.txt Cc | tr 'A-Z' 'a-z')"
check_eq "reply --all: Cc exactly" "dave@example.test, erin@example.test, frank@example.test" "$(hdr r2.txt Cc)"
sm reply --list "$G" >r3.txt
check_eq "reply --list: To is List-Post" team@example.test "$(hdr r3.txt To)"
check_eq "reply --list: Re: once" "Re: plans for the week" "$(hdr r3.txt Subject)"
P=$(id_of 'no list')
check_fails "reply --list without List-Post fails, saying so" \
    'has no List-Post field' sm reply --list "$P"
check_fails "reply --list to List-Post: NO says the list takes no posts" \
    'its list takes no posts \(List-Post: NO\)$' sm reply --list "$(id_of 'no posts')"
sm reply --list "$(id_of 'with subject')" >r5.txt; rc=$?
check_eq "reply --list to a mailto: URL with parameters exits 0" 0 "$rc"
check_eq "... to its address alone" help@lists.example.test "$(hdr r5.txt To)"
check_eq "... under its own Subject" "Re: with subject" "$(hdr r5.txt Subject)"
HP=$(id_of 'protected post')
check_eq "header-protected list mail: its header is the signed one" signed \
    "$(sm show --json "$HP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["header_protection"])')"
sm reply --list "$HP" >r6.txt 2>err; rc=$?
check_eq "reply --list to it: exit 0 (List-Post is read from outside)" 0 "$rc"
check_eq "... To is List-Post" team@example.test "$(hdr r6.txt To)"
check_eq "... under the signed Subject" "Re: protected post" "$(hdr r6.txt Subject)"
sm reply "$P" >r4.txt
check_eq "reply: To is From without Reply-To" bob@example.test "$(hdr r4.txt To)"
check_eq "reply: no References without a Message-ID chain" "<plain-$ID@example.test>" "$(hdr r4.txt References)"

# The reply as it is goes out; Dovecot's copy in Sent has the fields.
check "send takes the reply as it is" sm send r1.txt
SENT=$(grep -rlF -- "group-$ID" "$MD/.Sent/cur" "$MD/.Sent/new" 2>/dev/null | head -1)
# The header as one line per field (folds joined).
sent_hdr() { tr -d '\r' < "${SENT:-/dev/null}" | sed '/^$/q' | sed ':a;N;$!ba;s/\n[ \t]\+/ /g'; }
check_match "Sent holds the reply with In-Reply-To" "^In-Reply-To: <group-$ID@example.test>" "$(sent_hdr)"
check_match "and References" "^References: <root-$ID@example.test> <mid-$ID@example.test> <group-$ID@example.test>$" "$(sent_hdr)"

# The reply oracle.
O=$(id_of 'what is up')
check_eq "the attacker's message is partial" partial "$(listed list.json "$O" encryption)"
for v in "reply" "reply --all" "forward" "forward --attach"; do
	# shellcheck disable=SC2086
	sm $v --json "$O" >o.json; rc=$?
	check_eq "$v of the oracle exits 0" 0 "$rc"
	json o.json 'd["draft"]' >o.txt
	check_nomatch "$v: no byte of the earlier plaintext" "$MARK" "$(cat o.txt)"
	check_nomatch "$v: no line of its ciphertext" "$CT_LINE" "$(cat o.txt)"
	check_match "$v: omitted names the envelope" 'encrypted part' "$(json o.json 'd["omitted"]')"
	check_match "$v: a placeholder line says so" '\[.*encrypted part' "$(cat o.txt)"
done
sm forward --attach "$O" >fa.txt
check_match "forward --attach: the clear text is attached" 'please read and reply' "$(cat fa.txt)"
check_match "forward --attach: message/rfc822" 'Content-Type: message/rfc822' "$(cat fa.txt)"
W=$(id_of 'whole secret')
sm reply --json "$W" >w.json
check_eq "a reply to a whole encrypted message: encrypt true" true "$(json w.json 'd["encrypt"]')"
check_match "and it quotes the decrypted text" "> the whole is $MARK2" "$(json w.json 'd["draft"]')"
check_eq "nothing omitted" '[]' "$(json w.json 'd["omitted"]')"
sm forward --json "$W" >wf.json
check_eq "a forward of encrypted mail: encrypt true" true "$(json wf.json 'd["encrypt"]')"
check_match "forward: the original's fields in the body" '^From: bob@example.test$' "$(json wf.json 'd["draft"]')"
check_eq "forward: Subject Fwd:" "Fwd: whole secret" "$(json wf.json 'd["draft"]' | hdr /dev/stdin Subject)"
sm reply --json "$P" >p.json
check_eq "a reply to clear mail: encrypt false" false "$(json p.json 'd["encrypt"]')"
check_eq "sign true (the account signs)" true "$(json p.json 'd["sign"]')"

# A reply warns of a Reply-To or Sender that is not the signer.
L=$(id_of 'list signed')
check_eq "bob's signed list mail is valid" valid \
    "$(listed list.json "$L" signature)"
sm reply "$L" >l.txt 2>l.err; rc=$?
check_eq "reply to it exits 0" 0 "$rc"
check_eq "... to the Reply-To" team@lists.example.test "$(hdr l.txt To)"
check_match "... and warns that Reply-To is not the signer" \
    "^sealmail: warning: the Reply-To field names an address other than the signer's$" \
    "$(cat l.err)"
check_match "... and that Sender is not" \
    "warning: the Sender field names an address other than" "$(cat l.err)"
sm reply "$P" >/dev/null 2>l.err
check_nomatch "a reply to unsigned mail warns of nothing" warning \
    "$(cat l.err)"
sm forward "$L" >/dev/null 2>l.err
check_nomatch "a forward is not a reply: no warning" warning "$(cat l.err)"

# export: the stored (decrypted) message.
sm export "$W" >w.eml
check_match "export prints the decrypted message" "the whole is $MARK2" "$(cat w.eml)"
check_match "under the original's fields" '^Subject: whole secret' "$(tr -d '\r' < w.eml)"
# The inner entity's Content-Type under a MIME-Version, once.
w_hdr() { tr -d '\r' < w.eml | sed '/^$/q'; }
check_eq "export keeps MIME-Version with the inner Content-Type" \
    "MIME-Version: 1.0" "$(w_hdr | grep -i '^MIME-Version:')"
check_match "... which is the decrypted one" '^Content-Type: text/plain' \
    "$(w_hdr)"
check_fails "export of an unknown ID fails" "no message 999999" \
    sm export 999999
check_fails "reply --all --list is a usage error" \
    "reply: '--all' and '--list' exclude each other$" sm reply --all --list "$G"
rm -f o.txt o.json w.json wf.json w.eml r*.txt fa.txt l.txt l.err
t_done
