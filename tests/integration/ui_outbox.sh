#!/bin/sh
# Nothing written in the terminal program is lost. kill -9 while the
# editor is open: a second instance leaves the file alone meanwhile; the
# next start keeps the text as a draft and removes the file, though
# another process has the writer's number by then. A SIGHUP (the terminal
# closes) while a reply to encrypted mail is in the editor: no file under
# the home or the runtime directory holds its text afterwards, and the
# reply is a draft. kill -9 while a send
# runs: the message is queued or delivered, once. P postpones, R recalls,
# Esc asks before discarding; the outbox screen shows state and the
# server's answer, and Enter, e, d and y work on it (e brings back the
# file the message was queued with, and bob gets it byte for byte); the
# text Enter shows has its tabs at stops of eight cells, as the pager's.
. "$TOP/tests/lib.sh"
ui_outbox_env uiob
trap '$TM kill-server 2>/dev/null; [ -n "${slow:-}" ] && kill $slow 2>/dev/null; [ -n "${other:-}" ] && kill $other 2>/dev/null' EXIT
ID=$(date +%s)-$$
lab_home "$T/alice" 'ui outbox passphrase'
outbox_config "$LAB_SUBMISSION_PORT"
alice_identity
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir

# An encrypted message for alice, to reply to.
MD="$LAB_MAIL_DIR/example.test/alice/Maildir"
mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
printf 'Content-Type: text/plain\n\nthe vault code is 48151623-secret\n' > "$T/ent"
openssl cms -encrypt -aes-256-gcm -in "$T/ent" -out "$T/enc" "$LAB_SMIME_DIR/alice.pem"
{ printf 'From: bob@example.test\nTo: alice@example.test\nSubject: vault %s\nDate: %s\nMessage-ID: <uiob-%s@example.test>\n' "$ID" "$(LC_ALL=C date -R)" "$ID"
  cat "$T/enc"; } | sed 's/\r*$/\r/' > "$MD/new/$(date +%s).uiob$$.lab"
chown -R nobody:nogroup "$MD" 2>/dev/null
check "sync fetches the encrypted message" S sync --folder INBOX

ui_editor
screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
# no_file_holds TEXT: no file under the home or the runtime dir holds TEXT.
no_file_holds() { ! grep -rlF -- "$1" "$H" "$RT" >/dev/null 2>&1; }
waitfile() { _i=0; while [ ! -e "$1" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done; [ -e "$1" ]; }

# --- kill -9 while the editor is open --------------------------------------
act <<'EOM'
sed -i 's/^To: *$/To: bob@example.test/; s/^Subject: *$/Subject: killed while writing/' "$1"
printf 'words-before-the-crash\n' >> "$1"
echo $$ > "${1%/*}/../editor-wrote"
exec sleep 60
EOM
ui_outbox_start
check "the index opens" wait_for 'sealmail: INBOX'
$TM send-keys -t ui m
check "the editor writes" waitfile "$RT/editor-wrote"
check "the editor's file is in a private directory" test "$(stat -c %a "$RT/sealmail")" = 700
check_match "named after the process" "draft-$UIPID-" "$(ls "$RT/sealmail")"
# A second instance on the same home leaves the file of the one editing.
$TM new-window -d -t ui -n two "exec env XDG_RUNTIME_DIR='$RT' '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
UI_PANE=ui:two	# what ui_screen reads, until set back
check "a second instance opens its index" ui_wait_for 'sealmail: INBOX'
UI_PANE=
check_match "and leaves the file of the one still writing" "draft-$UIPID-" "$(ls "$RT/sealmail")"
$TM kill-window -t ui:two
kill -9 "$UIPID"
sleep 0.5
kill "$(cat "$RT/editor-wrote")" 2>/dev/null	# the orphaned editor
rm -f "$RT/editor-wrote"
# Its number now belongs to a process that did not write the file (as
# after a reboot): the file is recovered all the same.
sleep 300 &
other=$!
f=$(ls "$RT/sealmail")
mv "$RT/sealmail/$f" "$RT/sealmail/draft-$other-${f#draft-$UIPID-}"
ui_outbox_start
check "the next start keeps the text as a draft" wait_for '1 unsent message kept as draft: R lists them'
kill $other; other=
check_match "draft list has it" 'killed while writing' "$(S draft list 2>/dev/null)"
check_eq "and the editor's file is gone" "" "$(ls "$RT/sealmail")"
check "no file holds the text in clear" no_file_holds words-before-the-crash

# --- R recalls it; Esc asks; P postpones ------------------------------------
ui_press "R lists the drafts" 'sealmail: drafts' R
check "with the recovered one" wait_for 'killed while writing'
ui_press "Enter opens the compose screen" 'Send to bob@example.test\?.*P:postpone' Enter
ui_press "Esc asks whether to postpone" 'Postpone this message\?' Escape
ui_press "Esc again: back at the compose screen" 'Send to bob@example.test\?' \
    Escape
ui_press "P postpones it" 'postponed as draft [0-9]+ \(R recalls it\)' P
check_match "it is still a draft" 'killed while writing' "$(S draft list 2>/dev/null)"

# --- the outbox screen --------------------------------------------------------
outbox_config 9
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: refused at first\nMessage-ID: <uiob-edit-$ID@example.test>/' "\$1"
printf 'outbox screen text\n' >> "\$1"
printf 'a\tb\tc\n\346\274\242\345\255\227\tafter a wide word\n' >> "\$1"
EOM
ui_press "a new message: the compose screen" 'Send to bob@example.test\?' m
head -c 70000 /dev/urandom > "$T/att-$ID.bin"
ui_press "a file attached" "> 1 att-$ID.bin" a "$T/att-$ID.bin" Enter
ui_press "the send fails and says why" 'Connection refused' y
ui_outbox_open
check "the outbox screen lists it" wait_for 'queued .*refused at first'
check_match "with the server's last answer" 'queued .*refused at first.*\[.*Connection refused' "$(screen)"
ui_press "Enter opens it" 'outbox screen text' Enter
check "a tab goes to the next stop of eight cells" wait_for 'a       b       c *$'
check "also after a wide word" wait_for '漢字    after a wide word *$'
ui_press "q: back to the outbox" 'sealmail: outbox' q
ui_press "e: back to the compose screen" 'Send to bob@example.test\?' e
check "with the file it was queued with" wait_for "> 1 att-$ID.bin"
check_match "the draft keeps it" 'refused at first.*\(1 file attached\)' \
    "$(S draft list 2>/dev/null)"
check_eq "it left the outbox" "[]" "$(S outbox --json 2>/dev/null)"
check_match "and is a draft" 'refused at first' "$(S draft list 2>/dev/null)"
outbox_config "$LAB_SUBMISSION_PORT"
ui_press "y sends it now" 'sent <uiob-edit-.*> to 1 recipient' y
i=0; while [ $i -lt 100 ] && [ "$(count_in "$BOB_DIR" "uiob-edit-$ID")" -eq 0 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "bob has it once" 1 "$(count_in "$BOB_DIR" "uiob-edit-$ID")"
# bob reads the file, byte for byte.
f=$(grep -rlF -- "uiob-edit-$ID" "$BOB_DIR"/new "$BOB_DIR"/cur | head -1)
openssl cms -decrypt -in "$f" -inkey "$LAB_SMIME_DIR/bob.key" \
    -recip "$LAB_SMIME_DIR/bob.pem" -out "$T/dec.eml" 2>/dev/null
check_eq "the file arrives byte-identical" \
    "att-$ID.bin $(sha256sum "$T/att-$ID.bin" | cut -d' ' -f1)" \
    "$(python3 - "$T/dec.eml" <<'PY'
import email, email.policy, hashlib, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for p in m.walk():
    fn = p.get_filename()
    if fn and fn != 'smime.p7s':
        print(fn, hashlib.sha256(p.get_payload(decode=True)).hexdigest())
PY
)"
check_nomatch "it is no longer a draft" 'refused at first' "$(S draft list 2>/dev/null)"

# y retries, d deletes.
outbox_config 9
printf "To: bob@example.test\nSubject: retried\nMessage-ID: <uiob-retry-$ID@example.test>\n\nretry me\n" > "$T/r.txt"
printf "To: bob@example.test\nSubject: deleted\nMessage-ID: <uiob-del-$ID@example.test>\n\ndelete me\n" > "$T/d.txt"
S send "$T/r.txt" >/dev/null 2>&1
S send "$T/d.txt" >/dev/null 2>&1
outbox_config "$LAB_SUBMISSION_PORT"
$TM send-keys -t ui q
ui_outbox_open
check "the outbox lists both" wait_for 'queued .*deleted'
ui_press "y retries the first" 'sent 1 message' g y
i=0; while [ $i -lt 100 ] && [ "$(count_in "$BOB_DIR" "uiob-retry-$ID")" -eq 0 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "bob has the retried one" 1 "$(count_in "$BOB_DIR" "uiob-retry-$ID")"
check "the outbox screen lists only the other" wait_for '^ *[0-9]+  queued .*deleted'
ui_press "d asks first" 'Delete this message from the outbox\? \(y/N\)' g d
ui_press "then deletes it" 'The outbox is empty' y
check_eq "the outbox is empty" "[]" "$(S outbox --json 2>/dev/null)"
$TM send-keys -t ui q

# --- SIGHUP with a reply to encrypted mail in the editor --------------------
act <<'EOM'
printf 'my reply: not over the phone\n' >> "$1"
echo $$ > "${1%/*}/../editor-wrote"
exec sleep 60
EOM
ui_press "the encrypted message is listed" "vault $ID" Home
row=$(screen | grep -n -F -- "vault $ID" | head -1 | cut -d: -f1)
i=2; while [ "$i" -lt "$row" ]; do $TM send-keys -t ui j; i=$((i + 1)); done
ui_press "the pager shows its decrypted text" 'vault code is 48151623-secret' Enter
$TM send-keys -t ui r
check "the reply is in the editor" waitfile "$RT/editor-wrote"
check_match "its file holds the quoted plaintext meanwhile" '48151623-secret' "$(cat "$RT"/sealmail/draft-* 2>/dev/null)"
$TM kill-server
i=0; while kill -0 "$UIPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the program ends on SIGHUP" sh -c "! kill -0 $UIPID 2>/dev/null"
rm -f "$RT/editor-wrote"
check_eq "no file is left in the editor's directory" "" "$(ls -A "$RT/sealmail")"
check "no file under the home or the runtime dir holds the plaintext" no_file_holds 48151623-secret
check "nor the reply" no_file_holds 'not over the phone'
check_match "the reply is kept, as a draft in the encrypted store" 'Re: vault' "$(S draft list 2>/dev/null)"

# --- SIGTERM, and a SIGINT sent (not typed), while the editor is open -------
for sig in TERM INT; do
	act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: stopped by SIG$sig/' "\$1"
printf 'words-at-sig$sig\n' >> "\$1"
echo \$\$ > "\${1%/*}/../editor-wrote"
exec sleep 60
EOM
	ui_outbox_start
	check "SIG$sig: the program starts" wait_for 'sealmail: INBOX'
	$TM send-keys -t ui m
	check "SIG$sig: the editor writes" waitfile "$RT/editor-wrote"
	kill -$sig "$UIPID"
	i=0; while kill -0 "$UIPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	check "SIG$sig ends the program" sh -c "! kill -0 $UIPID 2>/dev/null"
	rm -f "$RT/editor-wrote"
	check_eq "SIG$sig: no file is left in the editor's directory" "" "$(ls -A "$RT/sealmail")"
	check "SIG$sig: no file holds the text" no_file_holds "words-at-sig$sig"
	check_match "SIG$sig: the text is a draft" "stopped by SIG$sig" "$(S draft list 2>/dev/null)"
done

# --- kill -9 while a send runs ------------------------------------------------
slow_relay 8
waitfile "$T/ready"; sleep 0.2
outbox_config "$(cat "$T/ready")"
act <<EOM
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: killed while sending\nMessage-ID: <uiob-kill-$ID@example.test>/' "\$1"
printf 'sent while killed\n' >> "\$1"
EOM
ui_outbox_start
check "the program starts again" wait_for 'sealmail: INBOX'
ui_press "the compose screen" 'Send to bob@example.test\?' m
$TM send-keys -t ui y
check "the relay took the message" waitfile "$T/accepted"
kill -9 "$UIPID"
ui_outbox_start
check "the next start" wait_for 'sealmail: INBOX'
check_match "it waits in the outbox, being sent by the process that outlived the terminal" \
    'sending  killed while sending' "$(S outbox 2>/dev/null)"
i=0; while [ $i -lt 150 ] && [ "$(count_in "$BOB_DIR" "uiob-kill-$ID")" -eq 0 ]; do sleep 0.1; i=$((i + 1)); done
i=0; while [ $i -lt 150 ] && [ "$(S outbox --json 2>/dev/null)" != "[]" ]; do sleep 0.1; i=$((i + 1)); done
check_eq "once the server answers, it leaves the outbox" "[]" "$(S outbox --json 2>/dev/null)"
sleep 1
check_eq "bob received it exactly once" 1 "$(count_in "$BOB_DIR" "uiob-kill-$ID")"
check_nomatch "it is no draft" 'killed while sending' "$(S draft list 2>/dev/null)"
$TM send-keys -t ui Q

# --- the editor inherits no secret descriptor ---------------------------------
# The passphrase typed at the start lives in a memfd for the program's
# background commands; the editor gets neither it nor the store.
act <<'EOM'
ls -l /proc/$$/fd/ > "${1%/*}/../editor-fds"
mv "${1%/*}/../editor-fds" "${1%/*}/../editor-fds.txt"
EOM
$TM kill-server 2>/dev/null
sleep 0.5
# Nothing kept for the login session, so that it asks.
printf '\n[security]\nstore-key-cache = 0\n' >> "$H/config"
tm_new_session -d -s ui -x 120 -y 40 \
    "exec env XDG_RUNTIME_DIR='$RT' EDITOR='$T/editor.sh' '$SEALMAIL' --home '$H' 2>>'$T/ui.err'"
check "without a passphrase file, the program asks for it" wait_for 'Passphrase for the sealmail store'
ui_press "and opens" 'sealmail: INBOX' 'ui outbox passphrase' Enter
$TM send-keys -t ui m
check "the editor ran" waitfile "$RT/editor-fds.txt"
check_nomatch "it holds no memfd (the passphrase)" 'memfd|sealmail-pass' "$(cat "$RT/editor-fds.txt")"
check_nomatch "nor the store" 'store\.db' "$(cat "$RT/editor-fds.txt")"
check_nomatch "nor a pipe, socket or other descriptor of the program's" \
    'socket:|pipe:|anon_inode' "$(cat "$RT/editor-fds.txt")"
rm -f "$RT/editor-fds.txt"
$TM send-keys -t ui Q
cat "$T/ui.err" | sed "s/^/#   ui: /" | tail -20
t_done
