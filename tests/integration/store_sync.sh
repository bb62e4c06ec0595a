# sync into the encrypted store against the lab's Dovecot: first sync,
# S/MIME verdicts stored with the decrypted text, harvesting, flags both
# ways, expunges, a UIDVALIDITY change, undecryptable mail retried after
# a key import, list/show/search, and no plaintext on disk.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
S="$LAB_SMIME_DIR"
alice_store_home "storetest$$"
n=0
# deliver FILE [FLAGS]: puts a message into the test folder as Dovecot would.
deliver() {
	n=$((n + 1))
	f="$FD/cur/$(date +%s).M${n}P$$.lab:2,${2:-}"
	tr -d '\r' < "$1" > "$f" && chown --reference="$MD" "$f"
}
# A random word that appears nowhere else: the plaintext to hunt for.
MARK="plainmark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
MARK2="pendmark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

printf 'From: bob@example.test\nTo: alice@example.test\nSubject: plain hello\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\nan ordinary letter about walruses\n' > "$T/gen/plain.eml"
deliver "$T/gen/plain.eml" S
printf 'signed text about narwhals\n' > "$T/gen/b1"
openssl smime -sign -in "$T/gen/b1" -signer "$S/bob.pem" -inkey "$S/bob.key" \
    -from bob@example.test -to alice@example.test -subject "signed hello" -text \
    -out "$T/gen/signed.eml" 2>/dev/null
deliver "$T/gen/signed.eml"
printf 'Content-Type: text/plain\n\nthe secret is %s\n' "$MARK" > "$T/gen/b2"
openssl smime -encrypt -aes256 -in "$T/gen/b2" -from bob@example.test \
    -to alice@example.test -subject "encrypted hello" -out "$T/gen/enc.eml" \
    "$S/alice.pem" 2>/dev/null
deliver "$T/gen/enc.eml"
printf 'Content-Type: text/plain\n\nfor bob only %s\n' "$MARK2" > "$T/gen/b3"
openssl smime -encrypt -aes256 -in "$T/gen/b3" -from carol@example.test \
    -to alice@example.test -subject "for another key" -out "$T/gen/enc2.eml" \
    "$S/bob.pem" 2>/dev/null
deliver "$T/gen/enc2.eml"
# The plaintext sources are gone before anything is synced.
rm -f "$T/gen/b2" "$T/gen/b3"

check "import alice's identity" sm keys import "$S/alice.p12" --passphrase-file "$S/p12-pass"
check "trust the lab CA" sm keys trust "$LAB_CA"
sm sync --folder "$F" --json > "$T/sync1.json" 2>"$T/err"; rc=$?
check_eq "first sync exits 0" 0 "$rc"
check_eq "four messages fetched" 4 "$(json "$T/sync1.json" 'd["fetched"]')"
check_eq "one waits for a key" 1 "$(json "$T/sync1.json" 'd["pending"]')"
check_eq "--json prints nothing on stderr" "" "$(cat "$T/err")"

sm list --json --folder "$F" > "$T/list.json"; rc=$?
check_eq "list --json exits 0" 0 "$rc"
check_eq "list holds four" 4 "$(json "$T/list.json" 'len(d)')"
check_eq "every element has the contract's members" true \
    "$(json "$T/list.json" 'all(set(["id","folder","uid","date","from","subject","flags","signature","encryption"]) <= set(x) for x in d)')"
sig_of() { json "$T/list.json" "[x['$2'] for x in d if x['subject']=='$1'][0]"; }
check_eq "plain: signature none" none "$(sig_of 'plain hello' signature)"
check_eq "plain: \\Seen came from the server" '["\\Seen"]' "$(sig_of 'plain hello' flags)"
check_eq "plain: the date is its Date field, not the server's arrival time" \
    2026-11-02T10:00:00Z "$(sig_of 'plain hello' date)"
check_eq "signed by bob: valid" valid "$(sig_of 'signed hello' signature)"
check_eq "encrypted to alice: decrypted" decrypted "$(sig_of 'encrypted hello' encryption)"
check_eq "encrypted to bob: undecryptable" undecryptable "$(sig_of 'for another key' encryption)"
check_eq "the folder is named" "$F" "$(json "$T/list.json" 'd[0]["folder"]')"
check_match "dates are ISO 8601 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$(json "$T/list.json" 'd[0]["date"]')"

eid=$(sig_of 'encrypted hello' id)
sm show --json "$eid" > "$T/show.json"; rc=$?
check_eq "show --json exits 0" 0 "$rc"
check_match "show gives the decrypted text" "the secret is $MARK" "$(json "$T/show.json" 'd["text"]')"
check_eq "show has id and folder" "$eid $F" "$(json "$T/show.json" 'str(d["id"])+" "+d["folder"]')"
check_eq "show has the cipher" aes-256-cbc "$(json "$T/show.json" 'd["cipher"]')"
sid=$(sig_of 'signed hello' id)
sm show --json "$sid" > "$T/show2.json"
check_eq "the stored verdict names the signer" bob@example.test "$(json "$T/show2.json" 'd["signer"]')"
check_match "and its trust" '^pkix' "$(json "$T/show2.json" 'd["trust"]')"
# Its text is the signed part's bytes, kept once inside the stored body.
check_eq "show gives the signed text, and only it" \
    "signed text about narwhals|" "$(json "$T/show2.json" 'd["text"].replace("\n", "|")')"
check_eq "search finds the signed text" "signed hello" \
    "$(sm search --json narwhals | json /dev/stdin '",".join(x["subject"] for x in d)')"
sm keys list --json > "$T/keys.json"
check_eq "bob's certificate was harvested" '["bob@example.test"]' \
    "$(json "$T/keys.json" '[x["email"] for x in d if x["source"]=="harvested"][0]')"

sm search --json "$MARK" > "$T/s.json"; rc=$?
check_eq "search exits 0" 0 "$rc"
check_eq "search finds the decrypted text" "encrypted hello" "$(json "$T/s.json" '",".join(x["subject"] for x in d)')"
check_eq "search over plain text (two words, any case)" "plain hello" \
    "$(sm search --json 'ORDINARY walruses' | python3 -c 'import json,sys; print(",".join(x["subject"] for x in json.load(sys.stdin)))')"
check_eq "the undecryptable text is not searchable" 0 "$(sm search --json "$MARK2" | json /dev/stdin 'len(d)')"

# Nothing in clear on disk: the home, the data home, the temp directory.
rm -f "$T/show.json" "$T/s.json"	# this test's own captures of the output
hits=$(grep -rlsF -- "$MARK" "$H" "$T" "${TMPDIR:-/tmp}" 2>/dev/null | wc -l)
check_eq "the decrypted secret is nowhere on disk in clear" 0 "$hits"
check_eq "no file in the home but the config, the store and its lock" \
    "store.db store.lock" "$(ls "$H" | grep -v '^config$' | grep -v '^store.db-' | tr '\n' ' ' | sed 's/ $//')"
check_eq "and the lock is empty" 0 "$(wc -c < "$H/store.lock")"

# Flags both ways.
pid=$(sig_of 'plain hello' id)
check "flag: local change" sm flag "$pid" -'\Seen' +'\Flagged'
sm sync --folder "$F" --json > "$T/sync2.json"
check_eq "the change is pushed" 1 "$(json "$T/sync2.json" 'd["flags_out"]')"
check_match "the server has it (F, not S)" ':2,F$' "$(ls "$FD/cur" | grep "M1P$$")"
m2=$(ls "$FD/cur" | grep "M2P$$")
mv "$FD/cur/$m2" "$FD/cur/${m2%:2,*}:2,FS"
sm sync --folder "$F" --json > "$T/sync3.json"
check_eq "a server-side flag change comes in" 1 "$(json "$T/sync3.json" 'd["flags_in"]')"
sm list --json --folder "$F" > "$T/list.json"
check_eq "and is stored" '["\\Flagged", "\\Seen"]' "$(sig_of 'signed hello' flags)"

# An expunge on the server (Dovecot has QRESYNC: the delta path is used).
rm -f "$FD/cur/"*"M1P$$"*
SEALMAIL_DEBUG="$T/debug.log" sm sync --folder "$F" --json > "$T/sync4.json"
check_match "the flags and expunges came as a QRESYNC delta" 'CHANGEDSINCE with VANISHED' "$(cat "$T/debug.log")"
sm sync --folder "$F" --json >/dev/null
SEALMAIL_DEBUG="$T/debug2.log" sm sync --folder "$F" --json >/dev/null
check_match "with nothing changed, the folder is left as it is" 'nothing changed on either side' "$(cat "$T/debug2.log")"
check_nomatch "and no flags are asked for" 'flags of UIDs' "$(cat "$T/debug2.log")"
# A local flag change alone, the server unchanged: it is still pushed.
sid=$(sm list --json --folder "$F" | json /dev/stdin '[x["id"] for x in d if x["subject"]=="signed hello"][0]')
check "flag: a local change on a quiet server" sm flag "$sid" -'\Flagged'
SEALMAIL_DEBUG="$T/debug3.log" sm sync --folder "$F" --json > "$T/sync5.json"
check_eq "it is pushed" 1 "$(json "$T/sync5.json" 'd["flags_out"]')"
check_nomatch "the quiet path was not taken" 'nothing changed on either side' "$(cat "$T/debug3.log")"
check_match "the server has it (S, no F)" ':2,S$' "$(ls "$FD/cur" | grep "M2P$$")"
# Keywords IMAP cannot carry (a ], non-ASCII, over 256 bytes), left in a
# store made before the flag command refused them: the sync pushes the
# flags it can, warns once of each keyword it cannot, and goes on.
long=$(printf 'k%.0s' $(seq 300))
check "an older store's keywords" "$TOOLS/app_storeflags" "$H" "" "$sid" \
    "\\Seen \\Flagged bad]word caf$(printf '\303\251') $long \$Ok"
sm sync --folder "$F" --json > "$T/sync7.json" 2>"$T/err7"; rc=$?
check_eq "the sync still exits 0" 0 "$rc"
check_eq "the change is pushed" 1 "$(json "$T/sync7.json" 'd["flags_out"]')"
check_match "the server has the flags it can carry" ':2,FSa$' \
    "$(ls "$FD/cur" | grep "M2P$$")"
check_eq "the keyword on the server is \$Ok" '$Ok' \
    "$(sed -n 's/^0 //p' "$FD/dovecot-keywords" 2>/dev/null)"
w="sealmail: warning: message $sid: keyword"
check_eq "one warning for each keyword it cannot, naming the message" \
"$w \"bad]word\" is not one IMAP can carry; not sent to the server
$w \"caf$(printf '\303\251')\" is not one IMAP can carry; not sent to the server
$w \"$(printf 'k%.0s' $(seq 60))...\" is not one IMAP can carry; not sent to the server" \
    "$(cat "$T/err7")"
sm sync --folder "$F" --json > "$T/sync8.json" 2>"$T/err8"; rc=$?
check_eq "the next sync exits 0" 0 "$rc"
check_eq "and warns no more" "" "$(cat "$T/err8")"
check "flag: back as it was" sm flag "$sid" -'\Flagged' -'$Ok' \
    -'bad]word' -"caf$(printf '\303\251')" -"$long"
sm sync --folder "$F" --json > "$T/sync9.json" 2>"$T/err9"
check_eq "that is pushed" 1 "$(json "$T/sync9.json" 'd["flags_out"]')"
check_match "the server has S alone" ':2,S$' "$(ls "$FD/cur" | grep "M2P$$")"
check_eq "an expunge is followed" 1 "$(json "$T/sync4.json" 'd["expunged"]')"
check_eq "three left" 3 "$(sm list --json --folder "$F" | json /dev/stdin 'len(d)')"

# A key import makes the waiting message readable.
out=$(sm keys import "$S/bob.p12" --passphrase-file "$S/p12-pass" 2>&1); rc=$?
check_eq "import bob's identity" 0 "$rc"
check_match "the import decrypts the message that waited for the key" '^1 stored message\(s\) decrypted' "$out"
sm sync --folder "$F" --json > "$T/sync5.json"
check_eq "nothing is left waiting for the sync" 0 "$(json "$T/sync5.json" 'd["retried"]')"
sm list --json --folder "$F" > "$T/list.json"
check_eq "and stored decrypted" decrypted "$(sig_of 'for another key' encryption)"
check_eq "and searchable" 1 "$(sm search --json "$MARK2" | json /dev/stdin 'len(d)')"

# UIDVALIDITY changes: nothing is lost, nothing doubled, local flags kept.
sid=$(sig_of 'signed hello' id)
check "a local flag change before the renumbering" sm flag "$sid" +'$Keep'
sm list --json --folder "$F" > "$T/before.json"
rm -f "$FD"/dovecot-uidlist "$FD"/dovecot.index*
sm sync --folder "$F" --json > "$T/sync6.json"; rc=$?
check_eq "sync after a UIDVALIDITY change exits 0" 0 "$rc"
check_eq "the three kept are re-bound, none new" "3 0" \
    "$(json "$T/sync6.json" '"%d %d" % (d["rebound"], d["fetched"])')"
sm list --json --folder "$F" > "$T/list.json"
check_eq "still three messages, same ids" "$(json "$T/before.json" 'sorted(x["id"] for x in d)')" "$(json "$T/list.json" 'sorted(x["id"] for x in d)')"
check_eq "none left unbound" 0 "$(json "$T/list.json" 'len([x for x in d if x["uid"] is None])')"
check_match "the local flag survived and was pushed" 'Keep' "$(sig_of 'signed hello' flags)"
check_eq "the local folder outbox lists the (empty) outbox" "[]" "$(sm list --json --folder outbox)"
check "the store's integrity check" sm store check
t_done
