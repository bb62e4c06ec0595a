#!/bin/sh
# The compose screen, driven through tmux against the lab: the signature
# file ends a new message (and, from the command line, a reply and a
# forward); t and c set To and Cc (an alias's name, there or in the
# editor, becomes its address), and Tab completes a prefix from the alias
# file, the query-command, the addresses of stored mail and those of
# certificates; each recipient shows where its certificate comes from
# (the key store, SMIMEA under DNSSEC, harvested from signed mail, none);
# a completes a file name and attaches a 3 MB file of random bytes, D
# detaches another; P postpones it with the file kept in the store (the
# draft list counts it), the program ends and the file is moved away, and
# R recalls the draft with its file; the message goes signed and
# encrypted, and bob's
# sealmail, after a sync, exports the file byte for byte (SHA-256). In
# the index, s completes a folder name.
. "$TOP/tests/lib.sh"
FOLD="uicfold$$"
ui_lab uic "$FOLD"
cd "$T" || exit 1
ID=$(date +%s)-$$
# The home directory of this test: ~/ in the config and the prompts.
export HOME="$T"
secret pw "ui compose passphrase"
H="$T/alice"
mkdir -p "$H" && chmod 700 "$H"
printf 'Alice Example\nsealmail lab, room %s\n' "$ID" > "$T/sig.txt"
cat > "$H/aliases" <<'EOF'
# mutt's format
alias bobby Bob Example <bob@example.test>
alias -group lab carla Carol Test <carol@example.test>
EOF
cat > "$T/query.sh" <<'EOF'
#!/bin/sh
echo "searching the lab directory"
case "$1" in
do*) printf 'dora@example.test\tDora Query\tlab\n' ;;
esac
EOF
chmod +x "$T/query.sh"
cat > "$H/config" <<EOF
[account alice]
address   = alice@example.test
name      = Alice Example
imap      = imap://mail.example.test:$LAB_IMAP_PORT
smtp      = submission://mail.example.test:$LAB_SUBMISSION_PORT
password-command = printf %s '$LAB_ALICE_PASS'
ca-file   = $LAB_CA
sign      = yes
encrypt   = auto
signature = ~/sig.txt
alias     = aliases
query-command = $T/query.sh '%s'

[dns]
resolver     = $LAB_DNS_RESOLVER
trust-anchor = $LAB_TA
EOF
A() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
check "alice's identity" A keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "alice trusts the lab CA" A keys trust "$LAB_CA"
bob_home
# eve: a certificate in alice's key store, under a CA she trusts.
check "eve's certificate imported" A keys import "$TOP/tests/data/smime/eve.pem"
check "and its CA trusted" A keys trust "$TOP/tests/data/smime/ca.pem"

# A message from erin, for the addresses alice has seen and for a reply.
{ printf 'From: erin.seen@example.test\nTo: alice@example.test\n'
  printf 'Subject: seen %s\nDate: %s\nMessage-ID: <uic-%s@example.test>\n\n' \
      "$ID" "$(LC_ALL=C date -R)" "$ID"
  printf 'hello alice\n'; } > "$T/m1"
alice_deliver "$T/m1" S
check "alice syncs" A sync --folder "$FOLD"
A list --folder "$FOLD" --json > list.json
M=$(json list.json "[x['id'] for x in d if x['subject']=='seen $ID'][0]")
A reply "$M" > reply.txt
check_match "a reply ends with the signature after '-- '" \
    "^sealmail lab, room $ID\$" "$(sed -n '/^-- $/,$p' reply.txt)"

head -c 3145728 /dev/urandom > "$T/big-$ID.bin"
printf 'notes\n' > "$T/notes-$ID.txt"

# The editor keeps what it was given, puts an alias's name in To and
# writes a line of text.
cat > "$T/editor.sh" <<EOM
#!/bin/sh
cp "\$1" "$T/draft.txt"
sed -i 's/^Subject: *\$/Subject: compose $ID/; s/^To: *\$/To: BOBBY/' "\$1"
printf 'the big file is attached\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
screen() { $TM capture-pane -p -t ui; }
wait_for() { ui_wait_for "$1" "${2:-200}"; }
# wait_gone REGEX: waits for the pane not to show REGEX any more.
wait_gone() {
	_i=0
	while [ $_i -lt 100 ]; do
		screen | grep -Eq -- "$1" || return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
key() { $TM send-keys -t ui "$@"; }
ui_start "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'

# s: the folder prompt completes.
check "c and Enter open the test folder" ui_open_folder "$FOLD"
key s
check "s asks for a folder" wait_for 'Move to folder:'
key uicf Tab
check "Tab completes the folder's name" wait_for "Move to folder: $FOLD"
key Escape
key m
check "m: the compose screen after the editor" wait_for 'Send to Bob Example <bob@example.test>\?'
check_match "the new message's template ends with the signature" \
    "^sealmail lab, room $ID\$" "$(sed -n '/^-- $/,$p' "$T/draft.txt")"
check "it shows the fields" wait_for "Subject: compose $ID"
check "an alias's name written in the editor is expanded" \
    wait_for '^To: +Bob Example <bob@example.test> *$'

key t C-u bobb
check "t asks for To" wait_for '^To: bobb$'
key Tab
check "Tab completes an alias" wait_for '^To: Bob Example <bob@example.test>$'
key , Space d o Tab
check "Tab asks query-command" wait_for '^To: Bob Example <bob@example.test>, Dora Query <dora@example.test>$'
key Enter
check "To is set" wait_for '^To: +Bob Example <bob@example.test>, Dora Query'
# The lookup is a child process (DNS, then the chain and its revocation):
# a loaded machine may take a while. Where the lab's INBOX already holds
# bob's signed mail (earlier tests), the start-up sync has harvested his
# certificate, and the key store's answer comes before DNS.
check "bob's certificate: SMIMEA (or harvested, from the INBOX)" wait_for \
    'bob@example.test +certificate (from SMIMEA \(DNSSEC-secure\)|harvested from signed mail)' 300
check "dora has none" wait_for 'dora@example.test +no certificate \(key store, harvested, SMIMEA\)'
key c erin
check "c asks for Cc" wait_for '^Cc: erin$'
key Tab
check "Tab completes an address seen in mail" wait_for '^Cc: erin.seen@example.test$'
key C-u car Tab
check "an alias by a word of its name" wait_for '^Cc: Carol Test <carol@example.test>$'
key C-u eve Tab
check "an address of a certificate in the key store" wait_for '^Cc: eve@example.test$'
key Enter
check "eve's certificate: the key store" wait_for 'eve@example.test +certificate from the key store'
# Only bob stays: To without dora, no Cc.
key t C-u bobby Enter
key c C-u Enter
check "bob alone" wait_for '^To: +Bob Example <bob@example.test> *$'
check "eve is gone" wait_gone 'eve@example.test'
check_nomatch "dora too" 'dora@example.test' "$(screen)"

key a
check "a asks for a file" wait_for '^Attach file:'
key '~/big' Tab
check "Tab completes the file name" wait_for "^Attach file: ~/big-$ID.bin\$"
key Enter
check "the list shows name, type and size" \
    wait_for "> 1 big-$ID.bin +application/octet-stream +3.0 MB"
key a '~/notes' Tab Enter
check "a second file" wait_for "> 2 notes-$ID.txt +text/plain +6 B"
key D
check "D detaches it" wait_for 'detached notes'
check_nomatch "and it is gone" "2 notes-$ID" "$(screen)"
check "the first one stays" wait_for "> 1 big-$ID.bin"
# P keeps the file with the draft, in the store: the program can end and
# the file go away; R brings both back.
key P
check "P postpones at once" wait_for 'postponed as draft [0-9]+ \(R recalls it\)'
key Q
check "the program ends" wait_for 'EXITED 0'
A draft list --json > dl.json
check_eq "the draft list counts its file" 1 \
    "$(json dl.json "[x['attachments'] for x in d if x['subject']=='compose $ID'][0]")"
check_match "and says so" "compose $ID.*\\(1 file attached\\)" "$(A draft list)"
big_sum=$(sha256sum "$T/big-$ID.bin" | cut -d' ' -f1)
mv "$T/big-$ID.bin" "$T/big-$ID.moved"
ui_restart "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens again" wait_for 'sealmail: INBOX'
key R
check "R lists the drafts" wait_for 'sealmail: drafts'
check "with its file" wait_for '1 file +Bob Example.*compose '"$ID"
key Enter
check "the recalled draft: the compose screen" wait_for 'Send to Bob Example <bob@example.test>\?'
check "with the file kept" wait_for "> 1 big-$ID.bin +application/octet-stream +3.0 MB"
key y
check "sent, signed and encrypted" wait_for 'sent <.*> to 1 recipient, signed, aes-256'

# bob syncs until it is there.
BM=$(synced_id blist.json "compose $ID" B)
check_match "bob has it" '^[0-9]+$' "$BM"
check_eq "encrypted" decrypted "$(listed blist.json "$BM" encryption)"
check_eq "and signed" valid "$(listed blist.json "$BM" signature)"
check_eq "one attachment" 1 "$(listed blist.json "$BM" attachments)"
B export "$BM" > got.eml
check_eq "the 3 MB file arrives byte-identical" "big-$ID.bin $big_sum" \
    "$(file_parts got.eml | cut -d' ' -f1,3)"
check_match "with the signature in the text" "sealmail lab, room $ID" \
    "$(python3 -c 'import email,sys; m=email.message_from_binary_file(open(sys.argv[1],"rb")); print([p.get_payload(decode=True).decode() for p in m.walk() if p.get_content_type()=="text/plain" and not p.get_filename()][0])' got.eml)"
rm -f got.eml "$T/big-$ID.moved"
check_eq "the draft went with it" "[]" \
    "$(A draft list --json | python3 -c 'import json,sys; print([x["id"] for x in json.load(sys.stdin) if x["subject"]=="compose '"$ID"'"])')"

# forward --attach: the signature ends the text part, marked UTF-8.
A forward --attach "$M" > fwd.txt
check_match "a forward's text part ends with the signature" \
    "^sealmail lab, room $ID\$" "$(sed -n '/^-- $/,$p' fwd.txt)"
check_match "in UTF-8" 'charset=utf-8' "$(cat fwd.txt)"

# A second home of alice's, whose key store knows bob only from a mail he
# signed: the compose screen says the certificate was harvested.
key Q
H2="$T/alice2"
mkdir -p "$H2" && chmod 700 "$H2"
cp "$H/config" "$H/aliases" "$H2/"
A2() { "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" "$@"; }
check "alice's identity, again" A2 keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "the lab CA, again" A2 keys trust "$LAB_CA"
printf 'signed by bob\n' > body.txt
openssl cms -sign -in body.txt -signer "$LAB_SMIME_DIR/bob.pem" \
    -inkey "$LAB_SMIME_DIR/bob.key" -from "$LAB_BOB" -to "$LAB_ALICE" \
    -subject "signed $ID" > signed.eml 2>/dev/null
alice_deliver signed.eml S
check "the second home syncs bob's signed mail" A2 sync --folder "$FOLD"
A2 list --folder "$FOLD" --json > alist.json
check_eq "verified" '["valid"]' \
    "$(json alist.json "[x['signature'] for x in d if x['subject']=='signed $ID']")"
ui_restart "$H2" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens on the second home" wait_for 'sealmail: INBOX'
key m
check "a message to bob" wait_for 'Send to Bob Example <bob@example.test>\?'
check "bob's certificate: harvested" \
    wait_for 'bob@example.test +certificate harvested from signed mail'
# answer KEY WHAT REGEX: q, then KEY to "Postpone this message?"; the
# screen then shows REGEX; the store then holds one draft.
answer() {
	key q
	check "q asks whether to postpone" wait_for 'Postpone this message'
	key "$1"
	check "$2" wait_for "$3"
	check_eq "$2: the store holds one draft" 1 \
	    "$(A2 draft list --json | json /dev/stdin 'len(d)')"
}
answer Escape "Esc: back at the compose screen" \
    'Send to Bob Example <bob@example.test>\?'
# As mutt's compose q: a yes keeps the message, a no discards it.
answer y "y keeps it as a draft" 'postponed as draft [0-9]+'
key m
check "another message to bob" \
    wait_for 'Send to Bob Example <bob@example.test>\?'
answer n "n discards it, the first draft stays" 'message discarded'
key Q
t_done
