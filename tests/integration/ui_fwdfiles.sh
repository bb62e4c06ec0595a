#!/bin/sh
# f, answered "not as an attachment", forwards the files with the text.
# A message with two attached files (random bytes, and a CSV) and an
# HTML alternative of its text is synced from the lab; f then n in the
# index quotes the text in the editor and the compose screen lists both
# files (the HTML alternative is no file, nor the envelope to alice the
# message carries unopened, as an attacker would wrap one: no byte of it
# is forwarded). Sent signed and encrypted to
# bob, his sealmail exports the random bytes byte for byte (SHA-256) and
# the CSV with its lines (a text part's line ends are CRLF on the way).
. "$TOP/tests/lib.sh"
ui_alice uiff "ui forward passphrase"
alice_identity
# bob's certificate comes from SMIMEA: under load the checking build was
# seen to need more than the default 5 s to validate it.
printf 'timeout = 20\n' >> "$H/config"
bob_home

head -c 5000 /dev/urandom > "blob-$ID.bin"
printf 'day,count\nmon,3\n' > "notes-$ID.csv"
# An envelope to alice inside the message, as an attacker wraps one: it
# is not opened, and its ciphertext is not forwarded either.
printf 'the vault code is 0451\n' > secret.txt
openssl cms -encrypt -aes-256-cbc -binary -outform DER -in secret.txt \
    -out inner.p7m "$LAB_SMIME_DIR/alice.pem"
python3 - "$ID" <<'PY' > m1
import email.message, sys
i = sys.argv[1]
m = email.message.EmailMessage()
m['From'] = 'carol@example.test'
m['To'] = 'alice@example.test'
m['Subject'] = 'files ' + i
m['Message-ID'] = '<uiff-%s@example.test>' % i
m.set_content('the two files are attached\n')
m.add_alternative('<p>the two files are attached</p>', subtype='html')
m.add_attachment(open('blob-%s.bin' % i, 'rb').read(), maintype='application',
                 subtype='octet-stream', filename='blob-%s.bin' % i)
m.add_attachment(open('notes-%s.csv' % i).read(), subtype='csv',
                 filename='notes-%s.csv' % i)
m.add_attachment(open('inner.p7m', 'rb').read(), maintype='application',
                 subtype='pkcs7-mime', filename='smime.p7m',
                 params={'smime-type': 'enveloped-data'})
sys.stdout.write(m.as_string())
PY
alice_deliver m1 S
check "alice syncs" S sync --folder "$FOLD"
S list --folder "$FOLD" --json > alist.json
AM=$(json alist.json "[x['id'] for x in d if x['subject']=='files $ID'][0]")
S export "$AM" > orig.eml
check_eq "the random file, as sent" "$(sha256sum "blob-$ID.bin" | cut -d' ' -f1)" \
    "$(file_parts orig.eml | grep "^blob-$ID.bin " | cut -d' ' -f3)"
rm -f "blob-$ID.bin" "notes-$ID.csv"

bob_editor "" 'here they are'
ui_start "$H" 130x40 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_open_folder "$FOLD"
check "the test folder" wait_for "files $ID"
key f
check "f asks how" wait_for 'Forward as an attachment\? \(y/N\)'
key n
check "inline: the compose screen" wait_for 'Send to bob@example.test\?'
check_match "the editor had the text quoted" 'the two files are attached' \
    "$(cat "$T/draft.txt")"
check "the first file goes with it" \
    wait_for "> 1 blob-$ID.bin +application/octet-stream +4.9 KB"
check "and the second" wait_for "2 notes-$ID.csv +text/csv "
check_nomatch "the HTML alternative is no file" 'text/html' "$(ui_screen)"
check_nomatch "nor is the envelope" 'smime.p7m|pkcs7' "$(ui_screen)"
key y
check "sent, signed and encrypted" \
    wait_for 'sent <.*> to 1 recipient, signed, aes-256' 300
BM=$(synced_id blist.json "Fwd: files $ID" B)
check_match "bob has it" '^[0-9]+$' "$BM"
check_eq "with two files" 2 "$(listed blist.json "$BM" attachments)"
B export "$BM" > got.eml
check_nomatch "none of them the envelope" 'smime.p7m' "$(file_parts got.eml)"
check_nomatch "nor its text" 'vault code' "$(cat got.eml)"
check_eq "the random bytes arrive byte for byte" \
    "$(file_parts orig.eml | grep "^blob-$ID.bin ")" \
    "$(file_parts got.eml | grep "^blob-$ID.bin ")"
check_eq "the CSV with its lines" "day,count mon,3" "$(python3 - got.eml <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
for p in m.walk():
    if (p.get_filename() or '').startswith('notes-'):
        print(' '.join(p.get_payload(decode=True).decode().split()))
PY
)"
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
