#!/bin/sh
# Header protection end to end in the lab: alice sends a signed and
# encrypted message to bob through Postfix; on the wire its Subject is
# "[...]" and the real one is only inside. After a sync of her Sent
# folder, list and show give the real Subject and search finds it by a
# word of it. Keywords and Comments, free text of the writer's, go only
# inside a sealed message (RFC 9788's hcp_baseline) and stay outside a
# signed one; a Subject holding a word longer than a line (a long link)
# is sent encoded, and reads back as written. The account keys
# header-protection and legacy-display turn each part off; a signed-only
# message carries hp="clear". The stored copy of one encrypted but not
# signed, as export prints it, has each field once: the protected one.
. "$TOP/tests/lib.sh"
lab_without_bus
# Alice's home, her account signing and encrypting.
alice_sender yes
ID=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# config [LINE]: alice's account, signing and encrypting, LINE added.
config() {
	sender_config "$H" "$LAB_IMAP_PORT" mail.example.test \
	    "$LAB_DNS_RESOLVER" yes "${1:-}"
}
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir

# arrived MSGID: bob's file holding MSGID (waits up to 10 s).
arrived() { maildir_find "$BOB_DIR" "$1"; }
outer_subject() { tr -d '\r' <"$1" | sed -n '/^$/q;s/^Subject: //p'; }
# bob_opens FILE: the plaintext bob's key gets from FILE.
bob_opens() {
	openssl cms -decrypt -in "$1" -recip "$LAB_SMIME_DIR/bob.pem" \
	    -inkey "$LAB_SMIME_DIR/bob.key" 2>/dev/null
}
# mail N SUBJECT [send option]: sends message N to bob; its file on arrival.
mail() {
	printf 'To: Bob <bob@example.test>\nSubject: %s\nMessage-ID: <hp-%s-%s@example.test>\n\nThe plans for %s.\n' \
	    "$2" "$1" "$ID" "$ID" >"m$1.txt"
	S send ${3:-} "m$1.txt" >/dev/null 2>"err$1" ||
	    { sed 's/^/#   /' "err$1" >&2; return 1; }
	arrived "hp-$1-$ID@example.test"
}

# --- the default: hp="cipher", "[...]" outside, an element inside -------
SUBJ="Zanzibar$ID harbour plans"
f=$(mail 1 "$SUBJ")
check "sealed: sent and arrived in bob's INBOX" test -n "$f"
check_eq "sealed: the Subject on the wire is [...]" "[...]" \
    "$(outer_subject "$f")"
check_nomatch "sealed: no word of it in clear" "Zanzibar" "$(cat "$f")"
p=$(bob_opens "$f" | tr -d '\r')
check_match "sealed: bob's key opens hp=\"cipher\"" 'hp="cipher"' "$p"
check_match "sealed: the real Subject is inside" "^Subject: $SUBJ\$" "$p"
check_match "sealed: with a Legacy Display Element" \
    'hp-legacy-display="1"' "$p"

S sync --folder Sent >/dev/null 2>err; rc=$?
check_eq "sync of alice's Sent exits 0" 0 "$rc"
S list --json --folder Sent >list.json
check_eq "list shows the real Subject, once" 1 \
    "$(json list.json "len([x for x in d if x['subject'] == '$SUBJ'])")"
# Only this test's: other tests leave in the lab's Sent mail alice sent
# without an identity, which no key of hers opens.
check_eq "list shows none of its messages as [...]" 0 \
    "$(json list.json "len([x for x in d if x['subject'] == '[...]' and '$ID' in (x['message_id'] or '')])")"
S search --json "Zanzibar$ID" >search.json
check_eq "search finds it by a word of its Subject" "$SUBJ" \
    "$(json search.json '",".join(x["subject"] for x in d)')"
id=$(json list.json "[x['id'] for x in d if x['subject'] == '$SUBJ'][0]")
S show --json "$id" >show.json
check_eq "show: protected, signed by alice, decrypted, to bob" \
    "encrypted|valid|decrypted|bob@example.test|$SUBJ" \
    "$(json show.json '"|".join([d["header_protection"], d["signature"], d["encryption"], " ".join(d["to"]), d["subject"]])')"
check_nomatch "show: the element is not in the text" 'Subject:' \
    "$(json show.json 'd["text"]')"

# --- Keywords and Comments: inside only when sealed -----------------------
printf 'To: Bob <bob@example.test>\nSubject: kw %s\nKeywords: Quagga%s merger\nComments: Okapi%s terms\nMessage-ID: <hp-5-%s@example.test>\n\nSee the terms.\n' \
    "$ID" "$ID" "$ID" "$ID" >m5.txt
check "keywords: sent" S send m5.txt
f=$(arrived "hp-5-$ID@example.test")
check "keywords: arrived" test -n "$f"
check_nomatch "keywords: no Keywords or Comments field outside" \
    "Quagga|Okapi|^Keywords:|^Comments:" "$(cat "$f")"
p=$(bob_opens "$f" | tr -d '\r')
check_match "keywords: Keywords is inside" "^Keywords: Quagga$ID merger\$" "$p"
check_match "keywords: Comments is inside" "^Comments: Okapi$ID terms\$" "$p"
check_nomatch "keywords: no HP-Outer records them outside" \
    '^HP-Outer: (Keywords|Comments):' "$p"
printf 'To: Bob <bob@example.test>\nSubject: kw signed %s\nKeywords: Quagga%s merger\nMessage-ID: <hp-6-%s@example.test>\n\nSigned.\n' \
    "$ID" "$ID" "$ID" >m6.txt
check "keywords, signed only: sent" S send --no-encrypt m6.txt
f=$(arrived "hp-6-$ID@example.test")
check_eq "keywords, signed only: Keywords stays outside" "Quagga$ID merger" \
    "$(tr -d '\r' <"$f" | sed -n '/^$/q;s/^Keywords: //p')"

# --- a word longer than a line: encoded, not refused ---------------------
LONG="see https://example.test/$ID/$(printf '%01100d' 0)"
f=$(mail 7 "$LONG" --no-encrypt)
check "a 1100-octet word in Subject: sent and arrived" test -n "$f"
check_eq "no line of it passes 998 octets" 0 \
    "$(awk 'length($0) > 998' "$f" | wc -l)"
check_eq "it reads back as written" "$LONG" "$(python3 -c '
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"),
                                   policy=email.policy.default)
print(m["Subject"])' "$f")"
check "and openssl cms verifies it" openssl cms -verify -in "$f" \
    -CAfile "$LAB_CA" -purpose smimesign -out /dev/null

# --- legacy-display = no -------------------------------------------------
config "legacy-display = no"
f=$(mail 2 "no element $ID")
check "no element: arrived" test -n "$f"
check_eq "no element: still [...] outside" "[...]" "$(outer_subject "$f")"
p=$(bob_opens "$f" | tr -d '\r')
check_match "no element: hp=\"cipher\" inside" 'hp="cipher"' "$p"
check_nomatch "no element: no hp-legacy-display" 'hp-legacy-display' "$p"

# --- header-protection = no ----------------------------------------------
config "header-protection = no"
f=$(mail 3 "unprotected $ID")
check "unprotected: arrived" test -n "$f"
check_eq "unprotected: the Subject is outside as written" "unprotected $ID" \
    "$(outer_subject "$f")"
check_nomatch "unprotected: no hp parameter inside" 'hp=' \
    "$(bob_opens "$f")"

# --- signed only ---------------------------------------------------------
config
f=$(mail 4 "signed only $ID" --no-encrypt)
check "signed only: arrived" test -n "$f"
check_eq "signed only: the Subject stays outside" "signed only $ID" \
    "$(outer_subject "$f")"
check_match "signed only: the signed entity says hp=\"clear\"" \
    'hp="clear"' "$(cat "$f")"

# --- encrypted, not signed: the stored copy has one header ---------------
SUBJ8="Okavango$ID unsigned plans"
f=$(mail 8 "$SUBJ8" --no-sign)
check "sealed, unsigned: arrived" test -n "$f"
check_eq "sealed, unsigned: [...] outside" "[...]" "$(outer_subject "$f")"
S sync --folder Sent >/dev/null 2>err
S list --json --folder Sent >list.json
id=$(json list.json "[x['id'] for x in d if x['subject'] == '$SUBJ8'][0]")
S show --json "$id" >show.json
check_eq "sealed, unsigned: show gives the protected Subject" \
    "encrypted|none|$SUBJ8" \
    "$(json show.json '"|".join([d["header_protection"], d["signature"], d["subject"]])')"
S export "$id" | tr -d '\r' | sed '/^$/q' >head.txt
check_eq "export: one Subject field, the real one" "$SUBJ8" \
    "$(sed -n 's/^Subject: //p' head.txt)"
check_eq "export: one From, one To, one Date, one Message-ID" "1 1 1 1" \
    "$(for n in From To Date Message-ID; do grep -c "^$n:" head.txt; done | tr '\n' ' ' | sed 's/ $//')"
t_done
