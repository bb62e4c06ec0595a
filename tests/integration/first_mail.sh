# A newcomer's first hour against the lab, as README.md tells it: setup
# from a home that holds only the lab's [dns] section, alice's identity and
# bob's certificate imported, a signed and encrypted mail sent to bob, and
# bob reading it. What the program says on the way is checked: setup's next
# steps name the home, a command with no account says where it looked and
# what to run, an import says what it added (or that nothing was new), a
# PKCS#12 without its own passphrase says how to give one, and
# bob's mail that waited for his key is judged at the import as sync judges
# it (SMIMEA in DNS vouches for alice; no CA is trusted in his home). A
# send the server refuses says that it stays in the outbox.
. "$TOP/tests/lib.sh"
lab_without_bus
SUBJ="first protected mail $(date +%s)-$$"
secret "$T/pw" "store passphrase"
secret "$T/p12pw" "$LAB_P12_PASS"
secret "$T/alicepw" "$LAB_ALICE_PASS"
secret "$T/bobpw" "$LAB_BOB_PASS"

A=$T/alice B=$T/bob
lab_dns_home "$A"
lab_dns_home "$B"
SA() { "$SEALMAIL" --home "$A" --passphrase-file "$T/pw" "$@"; }
SB() { "$SEALMAIL" --home "$B" --passphrase-file "$T/pw" "$@"; }

SA sync </dev/null >"$T/out" 2>"$T/err"; rc=$?
check_eq "sync before setup fails (1)" 1 "$rc"
check_eq "... saying where it looked and what to run" \
    "sealmail: no account configured in $A/config: add one with sealmail --home $A setup ADDRESS" \
    "$(tail -1 "$T/err")"
mkdir -p "$T/nohome"
env -u SEALMAIL_HOME HOME="$T/nohome" XDG_CONFIG_HOME= XDG_DATA_HOME= \
    "$SEALMAIL" --passphrase-file "$T/pw" sync </dev/null >"$T/out" \
    2>"$T/err"; rc=$?
check_eq "sync without a home and no account fails (1)" 1 "$rc"
check_match "... naming setup and --home" \
    "no account configured in $T/nohome/.config/sealmail/config: add one with sealmail setup ADDRESS, or name the home that has one with --home DIR$" \
    "$(tail -1 "$T/err")"

SA setup alice@example.test --password-command "cat $T/alicepw" \
    </dev/null >"$T/setup.out" 2>"$T/err"; rc=$?
check_eq "setup alice@example.test from SRV records exits 0" 0 "$rc"
check_match "its next steps say to give the same home" \
    "^Next \\(each with --home $A, as here\\):$" "$(cat "$T/setup.out")"
check_match "... and name sync" "^  sealmail sync +fetch, decrypt" \
    "$(cat "$T/setup.out")"
SB setup bob@example.test --password-command "cat $T/bobpw" </dev/null \
    >/dev/null 2>"$T/err"
check_eq "setup bob@example.test exits 0" 0 "$?"

cp "$LAB_SMIME_DIR/alice.p12" "$T/alice.p12" && chmod 600 "$T/alice.p12"
SA keys import "$T/alice.p12" </dev/null >"$T/out" 2>"$T/err"; rc=$?
check_eq "a PKCS#12 tried with the store's passphrase fails (1)" 1 "$rc"
check_eq "... saying where its own goes" \
    "sealmail: $T/alice.p12: the store's passphrase does not open it; give its own after the command: keys import $T/alice.p12 --passphrase-file F" \
    "$(tail -1 "$T/err")"
# The store key is kept for the session: no passphrase is given at all.
"$SEALMAIL" --home "$A" keys import "$T/alice.p12" </dev/null >"$T/out" \
    2>"$T/err"; rc=$?
check_eq "a PKCS#12 without a passphrase and no terminal fails (1)" 1 "$rc"
check_eq "... saying how to give it" \
    "sealmail: $T/alice.p12: needs its passphrase; standard input is not a terminal, so give it with --passphrase-file F" \
    "$(tail -1 "$T/err")"

fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
# imports WHAT SAYS OUT FILE [OPTION...]: alice's import of FILE exits 0
# (the check WHAT) and prints OUT (the check SAYS).
imports() {
	_iw=$1 _is=$2 _io=$3
	shift 3
	check "$_iw" SA keys import "$@"
	check_eq "$_is" "$_io" "$(cat "$T/.out")"
}
imports "alice's identity imported" "... and the import says what it added" \
    "added identity alice@example.test
  SHA-256 $(fp "$LAB_SMIME_DIR/alice.pem")" \
    "$T/alice.p12" --passphrase-file "$T/p12pw"
imports "bob's certificate imported" "... said as a peer's" \
    "added peer bob@example.test
  SHA-256 $(fp "$LAB_SMIME_DIR/bob.pem")" "$LAB_SMIME_DIR/bob.pem"
imports "importing it again exits 0" "... and says nothing was added" \
    "$LAB_SMIME_DIR/bob.pem: already in the key store, nothing added" \
    "$LAB_SMIME_DIR/bob.pem"

printf 'From: Alice Example <alice@example.test>\nTo: bob@example.test\nSubject: %s\n\nHello Bob, this is signed and encrypted.\n' \
    "$SUBJ" > "$T/first.txt"
SA send --sign --encrypt "$T/first.txt" >"$T/out" 2>"$T/err"
check_eq "alice sends it signed and encrypted" 0 "$?"
check_match "... and says so" "^sent <.*> to 1 recipient, signed, aes-256-" \
    "$(cat "$T/out")"
mid=$(sed -n 's/^sent <\([^>]*\)>.*/\1/p' "$T/out")

# bob syncs before he has his key: the mail waits for it (bob's INBOX may
# hold others' mail too, so this one is waited for by its Message-ID).
n=0
until SB sync >"$T/out" 2>"$T/err" && SB list --json >"$T/l.json" &&
    [ "$(json "$T/l.json" "len([x for x in d if '$mid' in (x['message_id'] or '') and x['encryption']=='undecryptable'])")" -ge 1 ]; do
	n=$((n + 1))
	[ $n -lt 50 ] || break
	sleep 0.2
done
check_eq "bob's sync keeps alice's mail, undecrypted" 1 \
    "$(json "$T/l.json" "len([x for x in d if '$mid' in (x['message_id'] or '') and x['encryption']=='undecryptable'])")"
check_match "... and says it waits for a key" \
    "[1-9][0-9]* waiting for a key" "$(cat "$T/out")"
SB keys import "$LAB_SMIME_DIR/bob.p12" --passphrase-file "$T/p12pw" \
    >"$T/out" 2>"$T/err"
check_eq "bob imports his identity" 0 "$?"
check_match "... which opens what waited" \
    "^[1-9][0-9]* stored message\\(s\\) decrypted with the new key$" \
    "$(cat "$T/out")"
SB list --json >"$T/l.json"
id=$(json "$T/l.json" "[x['id'] for x in d if x['subject']=='$SUBJ'][0]")
SB show --json "$id" >"$T/show.json"
check_eq "bob reads alice's mail: decrypted" decrypted \
    "$(json "$T/show.json" 'd["encryption"]')"
check_eq "... its signature valid, as sync would judge it" valid \
    "$(json "$T/show.json" 'd["signature"]')"
check_eq "... alice trusted through her SMIMEA record" dane \
    "$(json "$T/show.json" 'd["trust"]')"
check_match "... with the text alice wrote" "Hello Bob, this is signed" \
    "$(SB show "$id")"

# A recipient without a certificate, whom the server then refuses: the
# warning names the lookup once, and the message stays in the outbox.
printf 'From: alice@example.test\nTo: carol@example.test\nSubject: %s to carol\n\nhi\n' \
    "$SUBJ" > "$T/carol.txt"
SA send "$T/carol.txt" >"$T/out" 2>"$T/err"; rc=$?
check_eq "a send the server refuses exits 1" 1 "$rc"
check_match "... the warning says why it goes unencrypted, once" \
    "^sealmail: sending unencrypted: no usable certificate for carol@example.test: no SMIMEA record for carol@example.test \\(DNSSEC-secure denial\\)$" \
    "$(cat "$T/err")"
check_match "... then that it stays in the outbox and how to retry" \
    "^sealmail: kept in the outbox \\(sealmail outbox lists it; sealmail outbox send tries again\\)$" \
    "$(cat "$T/err")"
check_match "... the server's reason last" "carol@example.test refused: 550" \
    "$(tail -1 "$T/err")"
check_match "outbox lists it" "$SUBJ to carol" "$(SA outbox)"
t_done
