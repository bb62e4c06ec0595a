#!/bin/sh
# The compose screen's last questions. With encryption on auto and
# recipients without a certificate, "Send it UNENCRYPTED?" is asked with
# the compose screen still shown and names every one of them (bob, who
# has one, is not named), as many as fit and "and N more"; n sends
# nothing. To a recipient whose certificate is revoked it is not asked,
# and nothing is sent. A From changed in the editor to bob's address (his
# account signs not and always encrypts) takes his account's defaults and the
# status line says so; a choice made with x stays when From changes
# back. A reply to a named sender has "Name <addr>" in To and quotes
# under "On DATE, Name wrote:", while the reply command prints the bare
# address as before. The folder list keeps the postponed drafts apart
# from the server's Drafts, at 100 columns and at 40.
. "$TOP/tests/lib.sh"
ui_alice uiask "ui ask passphrase"
alice_identity
check "bob's certificate imports" S keys import "$LAB_SMIME_DIR/bob.pem"
secret "$T/bobpw" "$LAB_BOB_PASS"
sed -i 's|^ca-file = .*|&\nsign = yes\nencrypt = auto|' "$H/config"
lab_account bob bob@example.test "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/bobpw" \
    'sign     = no' 'encrypt  = yes' >> "$H/config"
ui_editor

# 1. Five recipients without a certificate, bob with one.
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test, nocert.one@example.test, nocert.two@example.test/; s/^Cc: *\$/Cc: nocert.three@example.test, nocert.four@example.test, nocert.five@example.test/; s/^Subject: *\$/Subject: many $ID/' "\$1"
printf 'to many\n' >> "\$1"
EOM
ui_start "$H" 100x30 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: (alice: )?INBOX'
key m
check "the compose screen" wait_for "^Subject: +many $ID"
ui_press "y: asked before sending unencrypted, naming them as they fit" \
    'Send it UNENCRYPTED\? \(y/N\) cannot encrypt to nocert.one@example.test.* and [1-4] more$' y
Q=$(ui_screen | grep 'UNENCRYPTED')
check_nomatch "bob, who has a certificate, is not named" 'bob@' "$Q"
check "the compose screen is still shown" wait_for "^Subject: +many $ID"
check_match "the send's reason is above the question" \
    'cannot encrypt to nocert.one@example.test: ' \
    "$(ui_screen | grep -B1 'UNENCRYPTED' | head -1)"
$TM resize-window -t ui -x 200 -y 30
check "200 columns: every one is named, no more" wait_for \
    'cannot encrypt to nocert.one@example.test, nocert.two@example.test, nocert.three@example.test, nocert.four@example.test, nocert.five@example.test$'
check "still on the compose screen" wait_for "^Subject: +many $ID"
$TM resize-window -t ui -x 100 -y 30
check "100 columns again: and N more" wait_for \
    'UNENCRYPTED\? \(y/N\) cannot encrypt to nocert.one@example.test.* and [1-4] more$'
ui_press "n: not sent, back at the compose screen" '^not sent: .*cannot encrypt to nocert.one' n
check_eq "nothing was queued" "the outbox is empty" "$(S outbox 2>/dev/null)"
check "q discards it" ui_discard

# 1b. A recipient whose certificate the lab CA revoked (its OCSP responder
# says so): not sent, and no offer to send it in the clear instead.
check "rv-revoked's certificate imports" S keys import "$LAB_REVOKE_DIR/rv-revoked.pem"
act <<EOM
sed -i 's/^To: *\$/To: rv-revoked@example.test/; s/^Subject: *\$/Subject: revoked $ID/' "\$1"
printf 'to a revoked certificate\n' >> "\$1"
EOM
key m
check "the compose screen, to rv-revoked" wait_for "^Subject: +revoked $ID"
key y
check "y: back on the compose screen, saying the certificate is revoked" \
    wait_for 'cannot encrypt to rv-revoked@example.test: the certificate is revoked'
check_nomatch "and not offering to send it unencrypted" 'UNENCRYPTED' "$(ui_screen)"
check "the compose screen is still shown" wait_for "^Subject: +revoked $ID"
check_eq "nothing was queued" "the outbox is empty" "$(S outbox 2>/dev/null)"
check "q discards it" ui_discard

# 2. From changed to bob's address: his account's defaults.
act <<EOM
sed -i 's/^From: .*/From: bob@example.test/; s/^To: *\$/To: alice@example.test/; s/^Subject: *\$/Subject: from bob $ID/' "\$1"
printf 'from the other account\n' >> "\$1"
EOM
key m
check "From bob: his account's defaults" \
    wait_for 's:sign \[no\]  x:encrypt \[yes\]'
check "and the status line says so" \
    wait_for 'From account bob: its defaults, sign \[no\], encrypt \[yes\]'
key x
check "x chooses: encrypt no" wait_for 's:sign \[no\]  x:encrypt \[no\]'
act <<'EOM'
sed -i 's/^From: .*/From: alice@example.test/' "$1"
EOM
key e
check "From alice again: the choice stays" \
    wait_for 'From account alice: sign and encrypt stay as chosen'
check "sign and encrypt as chosen" wait_for 's:sign \[no\]  x:encrypt \[no\]'
check "q discards it" ui_discard
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: unchanged $ID/' "\$1"
printf 'same account\n' >> "\$1"
EOM
key m
check "From unchanged: alice's defaults" \
    wait_for 's:sign \[yes\]  x:encrypt \[auto\]'
check_nomatch "and no word of an account" 'From account' "$(ui_screen)"
check "q discards it" ui_discard

# 3. A reply to a named sender.
{ printf 'From: "Carol Q. Example" <carol@example.test>\n'
  printf 'To: alice@example.test\nSubject: named %s\n' "$ID"
  printf 'Date: Mon, 2 Nov 2026 10:00:00 +0000\n'
  printf 'Message-ID: <uiask-%s@example.test>\n\nthe plans\n' "$ID"; } > m1
alice_deliver m1 S
check "alice syncs the named message" S sync --account alice --folder "$FOLD"
act <<EOM
cp "\$1" "$T/draft.txt"
printf 'my answer\n' >> "\$1"
EOM
ui_open_folder "$FOLD"
check "the test folder" wait_for "named $ID"
key r
check "the reply's compose screen" wait_for "^Subject: +Re: named $ID"
check_match "To has the sender's name" \
    '^To: "Carol Q. Example" <carol@example.test>$' "$(cat "$T/draft.txt")"
check_match "the attribution is mutt's" \
    '^On .*2026.*, Carol Q. Example wrote:$' "$(cat "$T/draft.txt")"
check_match "the quote under it" '^> the plans$' "$(cat "$T/draft.txt")"
check "the compose screen asks to send to her" \
    wait_for 'Send to "Carol Q. Example"'
check "q discards it" ui_discard
# A name that holds an address of its own: the address decides.
{ printf 'From: "Eve \\"x\\" <admin@bank.test>" <eve@example.test>\n'
  printf 'To: alice@example.test\nSubject: posing %s\n' "$ID"
  printf 'Date: Mon, 2 Nov 2026 11:00:00 +0000\n'
  printf 'Message-ID: <uiask2-%s@example.test>\n\nfrom the bank\n' "$ID"; } > m2
alice_deliver m2 S
check "alice syncs the posing message" S sync --account alice --folder "$FOLD"
key q
ui_open_folder "$FOLD"
check "the test folder, again" wait_for "posing $ID"
ui_open_msg "posing $ID"
check "it opens in the pager" wait_for 'from the bank'
key r
check "its reply's compose screen" wait_for "^Subject: +Re: posing $ID"
check_match "To: the name quoted, the address after it" \
    '^To: ".*admin@bank.test.*" <eve@example.test>$' "$(cat "$T/draft.txt")"
check "the recipient is eve" wait_for '^  eve@example.test '
check_nomatch "not the address in the name" '^  admin@bank.test' "$(ui_screen)"
check "q discards it" ui_discard
S list --folder "$FOLD" --json > l.json
RID=$(json l.json "[x['id'] for x in d if x['subject']=='named $ID'][0]")
S reply "$RID" > r.txt
check_match "the reply command: To stays the address" \
    '^To: carol@example.test$' "$(cat r.txt)"
check_match "and its attribution the address" \
    '^On .*carol@example.test wrote:$' "$(cat r.txt)"

# 4. The folder list: the server's Drafts and the drafts kept here.
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: kept $ID/' "\$1"
printf 'postponed\n' >> "\$1"
EOM
key m
check "a message to postpone" wait_for "^Subject: +kept $ID"
ui_press "P postpones it" 'postponed as draft [0-9]+' P
key c
check "the folder list" wait_for 'sealmail: folders'
check "the local ones under their heading" \
    wait_for '^  on this machine only:$'
check "the postponed drafts say so" \
    wait_for '^    drafts +1  \(postponed, kept here'
# row REGEX: the first row of the screen REGEX matches.
row() { ui_screen | grep -n -E -- "$1" | head -1 | cut -d: -f1; }
H_ROW=$(row '^  on this machine only:$')
check "the server's folders above the heading" \
    test "$(row "^  $FOLD ")" -lt "$H_ROW"
check "the drafts below it" test "$(row '^    drafts ')" -gt "$H_ROW"
$TM resize-window -t ui -x 40 -y 30
check "40 columns: the heading still shows" \
    wait_for '^  on this machine only:$'
check "and the drafts under it" wait_for '^    drafts +1'
key q
$TM resize-window -t ui -x 100 -y 30
check "c, then drafts: the postponed ones" \
    ui_open_folder drafts 'sealmail: ([^ ]+: )?drafts'
check "the postponed message is listed" wait_for "kept $ID"
S draft list --json > dl.json
for d in $(json dl.json "' '.join(str(x['id']) for x in d)"); do
	S draft delete "$d" >/dev/null
done
key q Q
check "the program ends" wait_for 'EXITED 0'
t_done
