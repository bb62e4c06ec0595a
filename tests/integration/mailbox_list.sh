#!/bin/sh
# list --thread, --sort, --reverse and the query language of list and
# search, over crafted mail synced from the lab's Dovecot: a reply whose
# parent never arrived, two threads with one subject, a References loop,
# signed, mis-signed, encrypted and attached mail, every operator and a
# few mixed, malformed queries (exit 2, the place named), and a word of
# an encrypted message found in its decrypted text but not its ciphertext.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
S="$LAB_SMIME_DIR"
alice_store_home "mailboxtest$$"
ID=$(date +%s)-$$
MARK="sealedmark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
# plain TAG FROM TO DATE SUBJECT BODY [HEADER...]: a clear message whose
# Message-ID is <TAG-ID@example.test>.
plain() {
	_f="$T/gen/$1.eml"
	{
		printf 'From: %s\nTo: %s\nDate: %s\nSubject: %s\n' "$2" "$3" \
		    "$4" "$5"
		printf 'Message-ID: <%s-%s@example.test>\n' "$1" "$ID"
		shift 6
		for h in "$@"; do printf '%s\n' "$h"; done
		printf '\n%s\n' "$BODY"
	} > "$_f"
}
# mid TAG: the Message-ID of TAG.
mid() { printf '<%s-%s@example.test>' "$1" "$ID"; }

BODY="where shall we meet for lunch, quokka"
plain A 'Bob <bob@example.test>' alice@example.test \
    'Mon, 2 Nov 2026 09:00:00 +0000' lunch "$BODY" 'Cc: dave@example.test'
alice_deliver "$T/gen/A.eml" S
# B answers a message that never arrived (mid), itself an answer to A.
BODY="the cafe by the river"
plain B carol@example.test \
    '=?UTF-8?Q?Alice_L=C3=AFddell?= <alice@example.test>' \
    'Mon, 2 Nov 2026 11:00:00 +0000' 'Re: lunch' "$BODY" \
    "In-Reply-To: $(mid mid)" "References: $(mid A) $(mid mid)"
alice_deliver "$T/gen/B.eml"
BODY="lunch on friday"
plain C '"Dave Diver" <dave@example.test>' bob@example.test \
    'Mon, 2 Nov 2026 10:00:00 +0000' lunch "$BODY" \
    'Cc: alice@example.test'
alice_deliver "$T/gen/C.eml" FS
# D and E each claim to answer the other.
BODY="round and round"
plain D erin@example.test alice@example.test \
    'Sun, 1 Nov 2026 08:00:00 +0000' circle "$BODY" \
    "In-Reply-To: $(mid E)" "References: $(mid E)"
alice_deliver "$T/gen/D.eml" S
plain E erin@example.test alice@example.test \
    'Sun, 1 Nov 2026 08:30:00 +0000' 'Re: circle' "$BODY" \
    "In-Reply-To: $(mid D)" "References: $(mid D)"
alice_deliver "$T/gen/E.eml" S
# signed TAG FROM DATE SUBJECT: signed by bob, From as given.
signed() {
	printf 'signed text about narwhals\n' > "$T/gen/b"
	openssl smime -sign -in "$T/gen/b" -signer "$S/bob.pem" \
	    -inkey "$S/bob.key" -from "$2" -to alice@example.test \
	    -subject "$4" -text -out "$T/gen/s.eml" 2>/dev/null
	{
		printf 'Date: %s\nMessage-ID: %s\n' "$3" "$(mid "$1")"
		cat "$T/gen/s.eml"
	} > "$T/gen/$1.eml"
}
# Signed now: a Date far from the signing time would be a mismatch. The
# rest come later still; all of them after the first five.
export TZ=UTC
NOW=$(date +%s)
[ "$NOW" -gt "$(date -d 2026-11-06 +%s)" ] || { notok "the clock is past the fixtures' dates"; t_done; }
TOMORROW=$(date -d @$((NOW + 86400)) +%F)
signed F bob@example.test "$(date -R -d @"$NOW")" 'signed hello'
alice_deliver "$T/gen/F.eml" S
signed G carol@example.test "$(date -R -d @$((NOW + 60)))" 'not really bob'
alice_deliver "$T/gen/G.eml" S
printf 'Content-Type: text/plain\n\nthe secret is %s\n' "$MARK" > "$T/gen/b2"
openssl smime -encrypt -aes256 -in "$T/gen/b2" -from bob@example.test \
    -to alice@example.test -subject sealed -out "$T/gen/enc.eml" \
    "$S/alice.pem" 2>/dev/null
rm -f "$T/gen/b2"
{
	printf 'Date: %s\nMessage-ID: %s\n' "$(date -R -d "$TOMORROW 09:00")" \
	    "$(mid H)"
	cat "$T/gen/enc.eml"
} > "$T/gen/H.eml"
alice_deliver "$T/gen/H.eml"
# A word of the envelope's base64 (letters and digits only, as the
# full-text index splits words), to look for in vain.
CWORD=$(sed '1,/^$/d' "$T/gen/enc.eml" | sed -n 6p | tr -c 'A-Za-z0-9\n' '\n' |
    awk 'length >= 8 { print; exit }')
BODY=$(printf -- '--b\nContent-Type: text/plain\n\nsee the agenda\n--b\nContent-Type: application/pdf; name=agenda.pdf\nContent-Disposition: attachment; filename=agenda.pdf\n\nJVBERi0=\n--b--')
plain I frank@example.test alice@example.test \
    "$(date -R -d "$TOMORROW 10:00")" agenda "$BODY" 'MIME-Version: 1.0' \
    'Content-Type: multipart/mixed; boundary=b'
alice_deliver "$T/gen/I.eml" S

check "import alice's identity" sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
check "trust the lab CA" sm keys trust "$LAB_CA"
check "sync" sm sync --folder "$F"

# tags FILE: the messages of a --json listing as their tags, in order.
tags() {
	python3 -c 'import json,sys,re
d=json.load(open(sys.argv[1]))
print(" ".join(re.sub(r"^<(\w+)-.*", r"\1", x["message_id"] or "?") for x in d))' "$1"
}
# q WHAT QUERY EXPECTED: list --folder F QUERY gives the tags EXPECTED
# (in the folder's order, which is the order of delivery).
q() {
	sm list --json --folder "$F" "$2" > "$T/q.json" 2>"$T/q.err"; _rc=$?
	check_eq "$1: $2" "0 $3" "$_rc $(tags "$T/q.json")"
}

sm list --json --folder "$F" > "$T/all.json"
check_eq "nine messages synced" "A B C D E F G H I" "$(tags "$T/all.json")"
check_eq "the verdicts the queries rely on" \
    "none none none none none valid mismatch none none/none none none none none none none decrypted none" \
    "$(json "$T/all.json" '" ".join(x["signature"] for x in d)+"/"+" ".join(x["encryption"] for x in d)')"

# Threads: oldest thread first by its newest message; B under A although
# its parent is missing; the loop broken at D, its older message; C keeps
# to itself although its subject is A's.
sm list --json --folder "$F" --thread > "$T/t.json"; rc=$?
check_eq "list --thread exits 0" 0 "$rc"
check_eq "threads in order, each depth-first" "D E C A B F G H I" "$(tags "$T/t.json")"
idof() { json "$T/all.json" "[x['id'] for x in d if x['message_id']=='$(mid "$1")'][0]"; }
check_eq "depths" "0 1 0 0 1 0 0 0 0" "$(json "$T/t.json" '" ".join(str(x["depth"]) for x in d)')"
check_eq "parents: B's is A (its own parent is missing), E's is D" \
    "null $(idof D) null null $(idof A) null null null null" \
    "$(json "$T/t.json" '" ".join(json.dumps(x["parent"]) for x in d)')"
check_eq "thread numbers: one per thread" "1 1 2 3 3 4 5 6 7" \
    "$(json "$T/t.json" '" ".join(str(x["thread"]) for x in d)')"
sm list --json --folder "$F" --thread --reverse > "$T/tr.json"
check_eq "--thread --reverse: newest thread first, trees kept" \
    "I H G F A B C D E" "$(tags "$T/tr.json")"
sm list --folder "$F" --thread > "$T/t.txt"
check_match "the text listing indents a reply" '  > Re: lunch  \[none, none\]' "$(cat "$T/t.txt")"

# Flat orders.
sm list --json --folder "$F" --sort date > "$T/s.json"
check_eq "--sort date" "D E A C B F G H I" "$(tags "$T/s.json")"
sm list --json --folder "$F" --sort date --reverse > "$T/s.json"
check_eq "--sort date --reverse" "I H G F B C A E D" "$(tags "$T/s.json")"
sm list --json --folder "$F" --sort from > "$T/s.json"
check_eq "--sort from (then date)" "A F H B G C D E I" "$(tags "$T/s.json")"
sm list --json --folder "$F" --sort subject > "$T/s.json"
check_eq "--sort subject, Re: set aside (then date)" "I D E A C B G H F" "$(tags "$T/s.json")"
sm list --json --folder "$F" --sort size > "$T/s.json"
check_eq "--sort size: smallest first" true \
    "$(json "$T/s.json" 'all(d[i]["size"] <= d[i+1]["size"] for i in range(len(d)-1)) and len(d) == 9')"
sm list --json --folder "$F" --sort size --reverse > "$T/s.json"
check_eq "--sort size --reverse: largest first" true \
    "$(json "$T/s.json" 'all(d[i]["size"] >= d[i+1]["size"] for i in range(len(d)-1)) and len(d) == 9')"
sm list --json --folder "$F" --reverse > "$T/s.json"
check_eq "--reverse alone reverses the folder's order" "I H G F E D C B A" "$(tags "$T/s.json")"
check_eq "an unknown --sort key is a usage error" 2 \
    "$(sm list --folder "$F" --sort colour >/dev/null 2>&1; echo $?)"

# Words and phrases: whole words, any case, Subject and text.
q "a word of the text" quokka "A"
q "any case" QUOKKA "A"
q "whole words only" quok ""
q "a word of the Subject only" circle "D E"
q "two words are ANDed" "lunch friday" "C"
q "written AND" "lunch AND friday" "C"
q "a phrase" '"cafe by the river"' "B"
q "a phrase is in order" '"river the by"' ""
# Fields: substrings, case-insensitive.
q "from:" from:bob "A F H"
q "from: any case" from:BOB@Example "A F H"
q "from: the display name" from:diver "C"
q "from: a display name, any case, a phrase" 'from:"DAVE DIVER"' "C"
q "to: is To or Cc" to:dave "A"
q "to: finds Cc" to:alice "A B C D E F G H I"
q "to: a recipient's display name, decoded, in any case" 'to:LÏDDELL' "B"
q "subject:" subject:lunch "A B C"
q "subject: a phrase" 'subject:"re: lunch"' "B"
q "signer:" signer:bob "F G"
q "is:unread" is:unread "B H"
q "is:flagged" is:flagged "C"
q "is:signed (any signature)" is:signed "F G"
q "is:verified (valid only)" is:verified "F"
q "is:encrypted" is:encrypted "H"
q "is:attachment" is:attachment "I"
q "after: (on or after)" "after:$TOMORROW" "H I"
q "before: (before the day)" before:2026-11-02 "D E"
q "after: and before: together" "after:2026-11-02 before:2026-11-03" "A B C"
# Operators and their mixtures.
q "OR" "quokka OR narwhals" "A F G"
q "OR binds two terms, AND the rest" "subject:lunch from:carol OR from:erin" "B"
q "negation" "subject:lunch -from:bob" "B C"
q "negated flag" "-is:signed after:2026-11-03" "H I"
q "parentheses" "(from:carol OR from:dave) lunch" "B C"
q "negated group" "-(is:signed OR is:encrypted) after:2026-11-03" "I"
q "nested" "((circle OR agenda) -(from:frank)) is:unread OR -is:flagged" "D E"
q "a query with --thread" "lunch" "A B C"
sm list --json --folder "$F" --thread lunch > "$T/s.json"
check_eq "list --thread QUERY threads what it finds" "C A B" "$(tags "$T/s.json")"
# The encrypted message: its decrypted text is searchable, its ciphertext
# was never indexed.
q "a word only in decrypted text" "$MARK" "H"
check_eq "a word of the ciphertext was found to look for" true \
    "$([ ${#CWORD} -ge 8 ] && echo true)"
q "a word of its ciphertext" "$CWORD" ""
sm search --json "$MARK" > "$T/s.json"; rc=$?
check_eq "search takes the language too" "0 H" "$rc $(tags "$T/s.json")"
sm search --json from:bob is:signed > "$T/s.json"; rc=$?
check_eq "search: several words make one query" "0 F" "$rc $(tags "$T/s.json")"
sm search --json --sort date "$MARK OR (from:bob is:signed)" > "$T/s.json"; rc=$?
check_eq "search --sort date, as list sorts" "0 F H" "$rc $(tags "$T/s.json")"
sm search --json --sort date --reverse "$MARK OR (from:bob is:signed)" \
    > "$T/s.json"; rc=$?
check_eq "search --sort date --reverse" "0 H F" "$rc $(tags "$T/s.json")"
sm search --json --thread "$MARK OR (from:bob is:signed)" > "$T/s.json"; rc=$?
check_eq "search --thread: elements gain thread and depth" "0 F H 0 0" \
    "$rc $(tags "$T/s.json") $(json "$T/s.json" '" ".join(str(x["depth"]) for x in d)')"

# --account: the account's own mail; one that is not configured is named.
sm list --json --account alice --folder "$F" > "$T/s.json"; rc=$?
check_eq "list --account" "0 A B C D E F G H I" "$rc $(tags "$T/s.json")"
sm search --json --account alice quokka > "$T/s.json"; rc=$?
check_eq "search --account" "0 A" "$rc $(tags "$T/s.json")"
sm list --account nobody --folder "$F" > "$T/s.out" 2>"$T/s.err"; rc=$?
check_eq "an unknown account: exit 1, named, nothing listed" \
    "1 sealmail: no account named nobody " "$rc $(tail -1 "$T/s.err") $(cat "$T/s.out")"

# Malformed queries: exit 2, the place named, nothing on stdout.
bad() {
	sm list --folder "$F" "$2" > "$T/b.out" 2>"$T/b.err"; _rc=$?
	check_eq "malformed ($1): exit 2, the place named, no listing" \
	    "2 sealmail: query: at $3 " \
	    "$_rc $(tail -1 "$T/b.err" | cut -d: -f1-3 | head -c 40) $(cat "$T/b.out")"
}
bad "an open parenthesis" "(lunch" "1"
bad "a lone closing one" "lunch)" "6"
bad "OR at the end" "lunch OR" "9"
bad "OR at the start" "OR lunch" "1"
bad "an unknown is:" "is:bogus" "4"
bad "an unknown field" "colour:red" "1"
bad "a field without a value" "from: bob" "1"
bad "a quote not closed" 'subject:"lunch' "9"
bad "not a day" "after:2026-13-01" "7"
bad "empty parentheses" "lunch ()" "7"
check_match "the line says what" "a '\\(' is not closed" \
    "$(sm list --folder "$F" '(lunch' 2>&1)"
sm search 'lunch (' >/dev/null 2>"$T/b.err"; rc=$?
check_eq "search: a malformed query is exit 2 too" 2 "$rc"
t_done
