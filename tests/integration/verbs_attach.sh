#!/bin/sh
# send --attach: a 3 MB file of random bytes, sent signed and encrypted
# from alice to bob through the lab's Postfix, arrives byte for byte
# (SHA-256) in bob's store after his sync, counted as one attachment;
# export gives the decrypted message it is read from. A second file, an
# unknown type and a name with a path, travels beside it. A send that
# cannot queue its message (no identity yet) keeps it as a draft with the
# file, counted in draft list; send --draft later sends both, the file
# byte for byte though it is gone from the disk. A FIFO or a directory
# is refused at once, naming it. mutt's Attach and Fcc
# fields, written by a mutt user, name the user's own files and folders:
# send refuses them, keeps the message as a draft, and nothing goes out.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
ID=$(date +%s)-$$
secret pw "store passphrase"
echo "$LAB_ALICE_PASS" >alicepw
echo "$LAB_BOB_PASS" >bobpw
# home NAME ADDRESS: a home for one of the lab's users.
home() {
	mkdir -p "$T/$1"
	{
		lab_account lab "$2" "imap://mail.example.test:$LAB_IMAP_PORT" \
		    "submission://mail.example.test:$LAB_SUBMISSION_PORT" \
		    "$T/$1pw" 'sign     = yes' 'encrypt  = yes'
		lab_dns
	} >"$T/$1/config"
}
home alice "$LAB_ALICE"
home bob "$LAB_BOB"
A() { "$SEALMAIL" --home "$T/alice" --passphrase-file "$T/pw" "$@"; }
B() { "$SEALMAIL" --home "$T/bob" --passphrase-file "$T/pw" "$@"; }
check "alice's identity" A keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "bob's identity" B keys import "$LAB_SMIME_DIR/bob.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "bob trusts the lab CA" B keys trust "$LAB_CA"
check "alice trusts the lab CA" A keys trust "$LAB_CA"

head -c 3145728 /dev/urandom >big.bin
mkdir -p sub
printf 'small notes %s\n' "$ID" >sub/notes.xyz
printf 'From: %s\nTo: %s\nSubject: the big file %s\n\nsee attached\n' \
    "$LAB_ALICE" "$LAB_BOB" "$ID" >msg.txt
A send --sign --encrypt --attach big.bin --attach "$T/sub/notes.xyz" \
    msg.txt >send.out 2>send.err; rc=$?
check_eq "send --attach exits 0" 0 "$rc"
check_match "signed and encrypted" 'signed, aes-256' "$(cat send.out)"
check_fails "a missing file is refused, naming it" \
    'nonesuch: No such file or directory' \
    A send --attach "$T/nonesuch" msg.txt
mkfifo "$T/fifo"
check_fails "a FIFO nobody writes to is refused, not waited on" \
    'fifo: not a regular file' timeout 10 "$SEALMAIL" --home "$T/alice" \
    --passphrase-file "$T/pw" send --attach "$T/fifo" msg.txt
check_fails "so is a directory" "sub: not a regular file" \
    A send --attach "$T/sub" msg.txt

printf 'From: %s\nTo: %s\nSubject: pseudo %s\nAttach: %s/sub/notes.xyz\n\nsee it\n' \
    "$LAB_ALICE" "$LAB_BOB" "$ID" "$T" >pseudo.txt
check_error "an Attach field is refused, naming it" 1 \
    "Attach: $T/sub/notes.xyz names a file to attach, not a header field" \
    A send pseudo.txt
check_match "... and the message is kept as a draft" 'kept as draft [0-9]+' \
    "$(cat "$T/.err")"
sed -i 's/^Attach:/Fcc:/; s|: .*/sub/notes.xyz|: =private-folder|' pseudo.txt
check_error "an Fcc field is refused, naming it" 1 \
    "Fcc: =private-folder names a folder of yours" A send pseudo.txt
A draft list --json >dl.json
check_eq "both are drafts" 2 \
    "$(json dl.json "len([x for x in d if x['subject']=='pseudo $ID'])")"
for x in $(json dl.json "' '.join(str(x['id']) for x in d)"); do
	A draft delete "$x" >/dev/null
done

# bob syncs until it is there (Postfix delivers through LMTP).
M=$(synced_id list.json "the big file $ID" B)
check_match "bob has it" '^[0-9]+$' "$M"
check_eq "decrypted" decrypted "$(listed list.json "$M" encryption)"
check_eq "signature valid" valid "$(listed list.json "$M" signature)"
check_eq "two attachments counted" 2 "$(listed list.json "$M" attachments)"
check_eq "no message with an Attach or Fcc field went out" 0 \
    "$(json list.json "len([x for x in d if x['subject']=='pseudo $ID'])")"
B export "$M" >got.eml
file_parts got.eml >parts.txt
want=$(sha256sum big.bin | cut -d' ' -f1)
check_eq "the 3 MB file arrives byte-identical" "big.bin application/octet-stream $want" \
    "$(grep '^big.bin ' parts.txt)"
check_eq "the second file too, named by its last component" \
    "notes.xyz application/octet-stream $(sha256sum sub/notes.xyz | cut -d' ' -f1)" \
    "$(grep '^notes.xyz ' parts.txt)"
rm -f got.eml

# A send that cannot queue the message (no identity to sign with yet)
# keeps it as a draft with its file; send --draft sends both.
mkdir -p "$T/carl"
cp "$T/alice/config" "$T/carl/config"
cp alicepw carlpw
sed -i "s|$T/alicepw|$T/carlpw|" "$T/carl/config"
C() { "$SEALMAIL" --home "$T/carl" --passphrase-file "$T/pw" "$@"; }
printf 'From: %s\nTo: %s\nSubject: kept with its file %s\n\nsee the file\n' \
    "$LAB_ALICE" "$LAB_BOB" "$ID" >msg2.txt
C send --attach big.bin --attach sub/notes.xyz msg2.txt >send.out 2>send.err; rc=$?
check_eq "no identity: exit 1" 1 "$rc"
check_match "kept as a draft" 'kept as draft [0-9]+' "$(cat send.err)"
C draft list --json >dl.json
D=$(json dl.json "[x['id'] for x in d if x['subject']=='kept with its file $ID'][0]")
check_match "the draft is listed" '^[0-9]+$' "$D"
check_eq "with its files counted" 2 "$(listed dl.json "$D" attachments)"
check_match "draft list says so" "kept with its file $ID.*\\(2 files attached\\)" \
    "$(C draft list)"
check_eq "draft show prints the text as written" "$(cat msg2.txt)" \
    "$(C draft show "$D")"
check_eq "no file's text lies in the home in clear" "" \
    "$(grep -rl "small notes $ID" "$T/carl" 2>/dev/null)"
want=$(sha256sum big.bin | cut -d' ' -f1)
want2=$(sha256sum sub/notes.xyz | cut -d' ' -f1)
rm -f big.bin sub/notes.xyz
check "carl's identity now" C keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "carl trusts the lab CA" C keys trust "$LAB_CA"
C send --draft "$D" >send.out 2>send.err; rc=$?
check_eq "send --draft exits 0" 0 "$rc"
check_match "signed and encrypted, as configured" 'signed, aes-256' \
    "$(cat send.out)"
check_eq "the draft is gone" "[]" "$(C draft list --json)"
M=$(synced_id list.json "kept with its file $ID" B)
check_match "bob has it" '^[0-9]+$' "$M"
check_eq "with two attachments" 2 "$(listed list.json "$M" attachments)"
B export "$M" >got.eml
file_parts got.eml >parts.txt
check_eq "the files kept with the draft arrive byte-identical" \
    "big.bin application/octet-stream $want
notes.xyz application/octet-stream $want2" "$(cat parts.txt)"
rm -f got.eml
t_done
