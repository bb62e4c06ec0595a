# keys import|trust|list with the passphrase fallback (no Secret Service):
# identities from PKCS#12, peers from PEM, anchors, refused key files,
# wrong passphrases, the JSON of keys list, a PKCS#12 file holding two
# keys, and notes for certificates that encrypt to no one.
. "$TOP/tests/lib.sh"
lab_without_bus
H="$T/home" S="$LAB_SMIME_DIR"
secret "$T/pw" 'store pass phrase'
secret "$T/p12pw" "$LAB_P12_PASS"
cp "$S/alice.p12" "$T/alice.p12" && chmod 644 "$T/alice.p12"

"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys import "$T/alice.p12" \
    --passphrase-file "$T/p12pw" >/dev/null 2>"$T/err"; rc=$?
check_eq "a PKCS#12 readable by others is refused (1)" 1 "$rc"
check_match "the refusal names the file and why" "alice.p12: .*accessible by others" "$(tail -1 "$T/err")"
check_match "without a Secret Service, one line says so" "^sealmail: no Secret Service.*using a passphrase" "$(head -1 "$T/err")"
chmod 600 "$T/alice.p12"

secret "$T/badp12" 'wrong'
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys import "$T/alice.p12" \
    --passphrase-file "$T/badp12" >/dev/null 2>"$T/err"; rc=$?
check_eq "a wrong PKCS#12 passphrase fails (1)" 1 "$rc"
check_match "and says so" "wrong passphrase" "$(tail -1 "$T/err")"

check "keys import FILE.p12 --passphrase-file F" "$SEALMAIL" --home "$H" \
    --passphrase-file "$T/pw" keys import "$T/alice.p12" --passphrase-file "$T/p12pw"
check "keys import FILE.pem (a peer)" "$SEALMAIL" --home "$H" \
    --passphrase-file "$T/pw" keys import "$S/bob.pem"
check "keys trust CA.pem" "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" \
    keys trust "$LAB_CA"
check_match "... says which anchor it added" \
    "^added anchor CN=sealmail lab CA" "$(head -1 "$T/.out")"
check_match "... and its fingerprint, on a line of its own" \
    "^  SHA-256 [0-9a-f]{64}$" "$(sed -n 2p "$T/.out")"

# The passphrase file's trailing newline is not part of the passphrase.
(umask 077 && printf 'store pass phrase' > "$T/pw2")
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw2" keys list --json >"$T/list.json" 2>"$T/err"; rc=$?
check_eq "the same passphrase without its newline opens the store" 0 "$rc"
check_eq "keys list --json: three entries" 3 "$(json "$T/list.json" 'len(d)')"
check_eq "the identity is alice's" '["alice@example.test"]' \
    "$(json "$T/list.json" '[x["email"] for x in d if x["kind"]=="identity"][0]')"
check_eq "the identity's key is kept in the store" store \
    "$(json "$T/list.json" '[x["key"] for x in d if x["kind"]=="identity"][0]')"
check_eq "only identities have a key" 1 \
    "$(json "$T/list.json" 'len([x for x in d if "key" in x])')"
check_eq "the peer is bob's" '["bob@example.test"]' \
    "$(json "$T/list.json" '[x["email"] for x in d if x["kind"]=="peer"][0]')"
check_eq "the anchor is the lab CA" "anchor" \
    "$(json "$T/list.json" '[x["kind"] for x in d if "sealmail lab CA" in x["subject"]][0]')"
want=$(openssl x509 -in "$S/bob.pem" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
check_eq "fingerprint is SHA-256 of the DER" "$want" \
    "$(json "$T/list.json" '[x["fingerprint"] for x in d if x["kind"]=="peer"][0]')"
check_match "not_after is ISO 8601 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "$(json "$T/list.json" 'd[0]["not_after"]')"
check_eq "every entry has the contract's members" "true" \
    "$(json "$T/list.json" 'all(set(["kind","email","subject","issuer","fingerprint","not_before","not_after","source"]) <= set(x) for x in d)')"
check_eq "source is imported" '["imported"]' "$(json "$T/list.json" 'sorted(set(x["source"] for x in d))')"

"$SEALMAIL" --home "$H" --passphrase-file "$T/badp12" keys list >/dev/null 2>"$T/err"; rc=$?
check_eq "a wrong store passphrase fails (1)" 1 "$rc"
check_match "and says wrong key or passphrase" "wrong key or passphrase" "$(tail -1 "$T/err")"

# The key the earlier commands derived is kept for the login session
# (tests/cli/store_keycache.sh); with nothing kept, a passphrase is needed.
printf '[security]\nstore-key-cache = 0\n' > "$H/config"
"$SEALMAIL" --home "$H" keys list </dev/null >/dev/null 2>"$T/err"; rc=$?
rm -f "$H/config"
check_eq "no passphrase and no terminal fails (1)" 1 "$rc"
check_match "and names the way to give one" "passphrase-file" "$(tail -1 "$T/err")"

# Key material is nowhere on disk in clear.
keyb64=$(sed -n '2p' "$S/alice.key")
check_eq "the private key is not in the home in clear" 0 "$(grep -rc -F -- "$keyb64" "$H" | awk -F: '{s+=$2} END {print s+0}')"
check_match "the KDF parameters sit beside the store" '^sealmail-kdf 1 scrypt 131072 8 1 [0-9a-f]{32}$' "$(cat "$H/store.kdf")"

"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys trust "$S/alice.key" >/dev/null 2>&1; rc=$?
check_eq "a private key is not a trust anchor (1)" 1 "$rc"
"$SEALMAIL" --home "$H" --passphrase-file "$T/pw" keys frobnicate >/dev/null 2>&1; rc=$?
check_eq "an unknown keys subcommand is a usage error (2)" 2 "$rc"

# A PKCS#12 file with two keys (one to sign, one to decrypt, as some CAs
# issue them): each becomes an identity, and mail to either opens.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/enc.key" \
    -out "$T/enc.pem" -subj "/CN=alice encrypts" -days 30 \
    -addext subjectAltName=email:alice@example.test 2>/dev/null
check "a PKCS#12 file with two keys is made" "$TOOLS/keys_p12" "$T/two.p12" \
    "$T/p12pw" "$S/alice.pem" "$S/alice.key" "$T/enc.pem" "$T/enc.key"
chmod 600 "$T/two.p12"
H2="$T/two"
mkdir -m 700 "$H2"
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys import "$T/two.p12" \
    --passphrase-file "$T/p12pw" >"$T/two.out" 2>/dev/null
check_eq "both of its keys are imported as identities" 2 \
    "$(grep -c '^added identity alice@example.test' "$T/two.out")"
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys list --json \
    >"$T/two.json" 2>/dev/null
check_eq "keys list shows two identities and no peer" '["identity", "identity"]' \
    "$(json "$T/two.json" 'sorted(x["kind"] for x in d)')"
printf 'Content-Type: text/plain\r\n\r\nto the second key\r\n' |
    openssl cms -encrypt -aes256 -from bob@example.test \
	-to alice@example.test -subject second "$T/enc.pem" >"$T/second.eml"
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" inspect --json \
    "$T/second.eml" >"$T/second.json" 2>/dev/null
check_eq "mail to the second key is decrypted" decrypted \
    "$(json "$T/second.json" 'd["encryption"]')"

# Certificates that encrypt to no one are added with a note saying so.
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys import "$LAB_CA" \
    >"$T/ca.out" 2>"$T/ca.err"
check_match "a CA imported as a peer's is added" '^added peer CN=sealmail lab CA' \
    "$(cat "$T/ca.out")"
check_match "... with a note: it vouches for no one, keys trust would" \
    "^sealmail: note: .*ca.pem holds only CA certificates: kept to complete chains, they vouch for no one; keys trust .*ca.pem makes them trust anchors$" \
    "$(cat "$T/ca.err")"
openssl req -newkey rsa:2048 -nodes -keyout "$T/ee.key" -subj "/CN=Plain EE" \
    -out "$T/ee.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\n' >"$T/ee.ext"
openssl x509 -req -in "$T/ee.csr" -CA "$LAB_CA" -CAkey "$LAB_CA_KEY" \
    -set_serial 77 -days 30 -extfile "$T/ee.ext" -out "$T/ee.pem" 2>/dev/null
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys import "$T/ee.pem" \
    >"$T/ee.out" 2>"$T/ee.err"
check_match "a certificate with no address: a note says no mail goes to it" \
    '^sealmail: note: CN=Plain EE names no e-mail address: no mail is encrypted to it' \
    "$(cat "$T/ee.err")"
check_nomatch "a peer's certificate with an address has no note" 'note:' \
    "$("$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" keys import \
    "$S/bob.pem" 2>&1)"

# A configuration that does not read stops an import before it changes
# anything: the mail the new key opens is judged with it.
mkdir -m 700 "$T/bad" && printf '[account x]\nbogus = 1\n' > "$T/bad/config"
check_error "an import with a broken config fails, naming the line" 1 \
    "config:2: unknown key 'bogus'" "$SEALMAIL" --home "$T/bad" \
    --passphrase-file "$T/pw" keys import "$S/bob.pem"
check "... before any store was made" test ! -e "$T/bad/store.db"
t_done
