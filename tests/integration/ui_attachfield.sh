#!/bin/sh
# mutt's Attach field, written in the editor (Attach: FILE [description],
# a backslash before a blank in FILE): on the compose screen each file it
# names is attached, as a attaches it, and the field leaves the message,
# for it names a file of the user's. A file that cannot be attached keeps
# its field, the status line says why, and the send refuses it rather
# than tell the recipients where the user keeps their files. Once the
# field is taken out in the editor the message goes to bob with both
# files byte for byte, and no Attach field nor any path of alice's in it.
# The list lines the files' types up, a name in another script too.
. "$TOP/tests/lib.sh"
ui_alice uiaf "ui attach field passphrase"
alice_identity
printf 'a,b\n%s,2\n' "$ID" > "$T/data.csv"
head -c 5000 /dev/urandom > "$T/two words.bin"
printf 'x,y\n' > "$T/Übersicht März.csv"
cat > "$T/editor.sh" <<EOM
#!/bin/sh
if [ -e "$T/edited" ]; then
	sed -i '/^Attach:/d' "\$1"
	exit 0
fi
touch "$T/edited"
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: files $ID/' "\$1"
sed -i '/^Subject:/a Message-ID: <attf-$ID@example.test>\\
Attach: $T/data.csv\\
Attach: $T/two\\\\ words.bin the figures\\
Attach: $T/Übersicht\\\\ März.csv\\
Attach: $T/missing-$ID.pdf' "\$1"
printf 'the two files\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 250x30 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
key m
check "the compose screen" wait_for "^Subject: +files $ID"
check "Attach: data.csv is attached" wait_for '^. 1 data\.csv +text/csv'
check "Attach: with an escaped blank, two words.bin" \
    wait_for '^. 2 two words\.bin +application/octet-stream'
check "a name in another script: Übersicht März.csv" \
    wait_for '^. 3 Übersicht März\.csv +text/csv'
check_eq "the types line up, whatever the names' script" 1 \
    "$(ui_screen | python3 -c '
import re, sys
print(len({l.index(" text/") for l in sys.stdin
           if re.match(r"^. [0-9] ", l) and " text/" in l}))')"
check "the missing file is named on the status line" \
    wait_for "missing-$ID.pdf: No such file or directory"
key y
check "send refuses the field left" \
    wait_for "Attach: .*missing-$ID.pdf names a file to attach"
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
check_eq "nothing went out" 0 "$(count_in "$BOB_DIR" "attf-$ID@")"
key e
check "the editor takes the field out" wait_for '^Send to bob@example.test\?'
key y
f=$(maildir_find "$BOB_DIR" "attf-$ID@example.test")
check "then it arrives in bob's INBOX" test -n "$f"
openssl cms -decrypt -in "$f" -recip "$LAB_SMIME_DIR/bob.pem" \
    -inkey "$LAB_SMIME_DIR/bob.key" > "$T/got.eml" 2>/dev/null
check "bob's key opens it, and openssl cms verifies it" \
    openssl cms -verify -in "$T/got.eml" -CAfile "$LAB_CA" \
    -purpose smimesign -out /dev/null
check_eq "the files arrive byte for byte" \
    "data.csv text/csv $(sha256sum "$T/data.csv" | cut -d' ' -f1)
two words.bin application/octet-stream $(sha256sum "$T/two words.bin" |
    cut -d' ' -f1)
Übersicht März.csv text/csv $(sha256sum "$T/Übersicht März.csv" |
    cut -d' ' -f1)" "$(file_parts "$T/got.eml")"
check_nomatch "no Attach field, inside or out" '^Attach:' \
    "$(cat "$f" "$T/got.eml")"
check_nomatch "no path of alice's" "$T" "$(cat "$f" "$T/got.eml")"
key Q
check "the program ends" wait_for 'EXITED 0'
lab_forget "attf-$ID@"
t_done
