# The terminal program's message keys, as mutt has them, driven through
# tmux over mail synced from the lab's Dovecot: r, g and f open the
# editor on app/'s drafts (checked as the editor saw them), h shows every
# header field, J and K step through the folder from the pager, | pipes
# the decrypted message to a command, w writes it to a file, d moves it
# to Trash and s to another folder, in the store at once and on the
# server (read by python3 imaplib) after the background sync; L says
# when a list takes no posts.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-uiv-$$"
F="uiverbs$$" G="uiverbsto$$"
alice_folder "$G"; GD=$FD
alice_folder "$F"
trap '$TM kill-server 2>/dev/null; rm -rf "$FD" "$GD"' EXIT
alice_ui_home 'ui verbs passphrase'
MARK="uimark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
n=0
put() {	# put FILE: one message into the test folder
	n=$((n + 1))
	tr -d '\r' < "$1" > "$FD/cur/$(date +%s).M${n}P$$.lab:2,S"
	chown --reference="$MD" "$FD/cur/"*"M${n}P$$"*
}
hdr() {	# hdr SUBJECT DAY
	printf 'From: bob@example.test\nTo: alice@example.test, carol@example.test\nCc: dave@example.test\nSubject: %s\nDate: %s Nov 2026 10:00:00 +0000\nMessage-ID: <uiv-%s-%s@example.test>\n' "$1" "$2" "$$" "$1"
}
{ hdr "uv-first" 02; printf '\nthe first text\n'; } > "$T/m1"; put "$T/m1"
printf 'Content-Type: text/plain\n\nthe secret is %s\n' "$MARK" > "$T/b2"
openssl smime -encrypt -aes256 -in "$T/b2" -out "$T/e2" "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
{ hdr "uv-second" 03; cat "$T/e2"; } > "$T/m2"; put "$T/m2"
rm -f "$T/b2"
{ hdr "uv-third" 04; printf '\nthe third text\n'; } > "$T/m3"; put "$T/m3"
check "sync the test folder" S sync --folder "$F"

# srv FOLDER: the subjects the server holds in FOLDER.
srv() {
	python3 - "$1" <<PY
import imaplib, ssl, sys, email
ctx = ssl.create_default_context(cafile="$LAB_CA")
ctx.check_hostname = False
c = imaplib.IMAP4("127.0.0.1", $LAB_IMAP_PORT)
c.starttls(ctx)
c.login("$LAB_ALICE", "$LAB_ALICE_PASS")
typ, _ = c.select('"%s"' % sys.argv[1], readonly=True)
if typ == "OK":
    typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for it in data:
        if isinstance(it, tuple):
            print(email.message_from_bytes(it[1])["Subject"])
c.logout()
PY
}
screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
# The editor: keeps what it was given, and changes it (an unchanged
# draft is not sent).
cat > "$T/editor.sh" <<EOM
#!/bin/sh
cp "\$1" "$T/draft.\$(ls "$T" | grep -c '^draft\.')"
sed -i 's/^To: *\$/To: bob@example.test/' "\$1"
printf 'typed in the editor\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
lastdraft() { cat "$T/draft.$(( $(ls "$T" | grep -c '^draft\.') - 1 ))"; }
dhdr() { lastdraft | sed '/^$/q' | grep -i "^$1:" | sed 's/^[^:]*: *//'; }

ui_start "$H" 130x45 "EDITOR='$T/editor.sh' HOME='$T'"
check "the program opens" wait_for 'sealmail: INBOX'
check "the folders" ui_open_folder "$F"
check "the test folder's index" wait_for "sealmail: $F \\(3\\)"

# r in the index (on the last message, uv-third).
ui_press "r asks to send after the editor" 'Send to bob@example.test\?' r
check_eq "r: the draft goes to the sender" bob@example.test "$(dhdr To)"
check_eq "r: Re: once" "Re: uv-third" "$(dhdr Subject)"
check_eq "r: threaded" "<uiv-$$-uv-third@example.test>" "$(dhdr In-Reply-To)"
check_match "r: the text quoted" '^> the third text$' "$(lastdraft)"
ui_press "q asks whether to postpone" 'Postpone this message\?' q
ui_press "n discards it" 'message discarded' n
ui_press "g asks to send" 'Send to bob@example.test\?' g
check_eq "g: the other addresses in Cc, alice not" "carol@example.test, dave@example.test" "$(dhdr Cc)"
check "the draft is discarded" ui_discard
ui_press "f asks whether to attach" 'Forward as an attachment\? \(y/N\)' f
ui_press "then opens the editor" 'Send to' n
check_eq "f: To is left to the user" "" "$(dhdr To)"
check_eq "f: Fwd:" "Fwd: uv-third" "$(dhdr Subject)"
check_match "f: the text inline" 'Forwarded message' "$(lastdraft)"
check "the draft is discarded" ui_discard
ui_press "f again" 'Forward as an attachment\?' f
ui_press "attached this time" 'Send to' y
check_match "f y: message/rfc822" 'Content-Type: message/rfc822' "$(lastdraft)"
check "the draft is discarded" ui_discard

# The pager: h, J and K.
ui_press "the pager opens uv-second" 'Subject: uv-second' k Enter
check "it shows Cc" wait_for 'Cc: +dave@example.test'
check "and the decrypted text" wait_for "the secret is $MARK"
check_nomatch "no raw Message-ID field before h" 'Message-ID:' "$(screen)"
ui_press "h shows every header field" 'Message-ID: <uiv-' h
$TM send-keys -t ui h
sleep 0.3
check_nomatch "h again hides them" 'Message-ID:' "$(screen)"
ui_press "J: the next message" 'Subject: uv-third' J
ui_press "K K: two back" 'Subject: uv-first' K K
$TM send-keys -t ui J

# | and w on the encrypted message.
ui_press "| asks for a command" 'Pipe to command:' '|'
ui_press "and waits after it" 'Press Enter to go back' "cat > '$T/piped.txt'" Enter
$TM send-keys -t ui Enter
check_match "the command got the decrypted message" "the secret is $MARK" "$(cat "$T/piped.txt" 2>/dev/null)"
ui_press "w asks for a file" 'Save the message to file:' w
ui_press "w saves it" 'saved [0-9]+ bytes' "$T/saved.eml" Enter
ui_press "w again to the same name" 'Save the message to file:' w
ui_press "asks before it writes over a file" \
    'saved\.eml exists: write over it\? \(y/N\)' "$T/saved.eml" Enter
ui_press "and writes nothing unless told" 'not saved' Enter
ui_press "w to a directory" 'Save the message to file:' w
ui_press "says it is one" "$T is a directory: not saved" "$T" Enter
ID2=$(S list --json --folder "$F" | json /dev/stdin "[x['id'] for x in d if x['subject']=='uv-second'][0]")
S export "$ID2" > "$T/export.eml"
check "w wrote what export prints" cmp "$T/saved.eml" "$T/export.eml"
check_match "under a MIME-Version, as other programs need" '^MIME-Version: 1\.0$' \
    "$(tr -d '\r' < "$T/saved.eml" | sed '/^$/q')"
check_eq "a file only its owner reads" 600 "$(stat -c %a "$T/saved.eml")"
# ~/ is the home, as in the parts view and the attach prompt (and mutt).
ui_press "w asks again" 'Save the message to file:' w
ui_press "w ~/NAME saves it" 'saved [0-9]+ bytes to .*/home-saved\.eml' \
    '~/home-saved.eml' Enter
check "w ~/NAME wrote under the home" cmp "$T/home-saved.eml" "$T/export.eml"
rm -f "$T/piped.txt" "$T/saved.eml" "$T/export.eml" "$T/home-saved.eml"

# d from the pager: to Trash, in the store at once, on the server after
# the background sync.
ui_press "d moves it to Trash" 'moving done|moved to Trash|^synced 1 folder' d
check "and shows the next one, of one less (mutt's \$resolve)" \
    wait_for "sealmail: message [0-9]+ of 2 in $F"
check "uv-third" wait_for 'Subject: uv-third'
check_match "the store has it in Trash" uv-second \
    "$(S list --json --folder Trash | json /dev/stdin "' '.join(x['subject'] for x in d)")"
i=0; while [ $i -lt 50 ] && ! srv Trash | grep -q "^uv-second$"; do sleep 0.2; i=$((i + 1)); done
check_match "the server's Trash has it" '^uv-second$' "$(srv Trash)"
check_nomatch "the folder no longer" 'uv-second' "$(srv "$F")"
check "a background sync is done" wait_for '^synced '
$TM send-keys -t ui q
check "q goes back to the index, one less" wait_for "sealmail: $F \\(2\\)"

# u in Trash: back where it came from.
check "sync Trash" S sync --folder Trash
# folder NAME: opens the index of folder NAME through c.
folder() {
	$TM send-keys -t ui c
	wait_for 'sealmail: folders' || return 1
	_row=$(screen | grep -n "^ *$1 " | head -1 | cut -d: -f1)
	[ -n "$_row" ] || return 1
	_i=2; while [ "$_i" -lt "$_row" ]; do $TM send-keys -t ui j; _i=$((_i + 1)); done
	$TM send-keys -t ui Enter
}
check "Trash opens" folder Trash
check "the Trash index" wait_for 'sealmail: Trash'
row=$(screen | grep -n 'uv-second' | tail -1 | cut -d: -f1)	# the newest
$TM send-keys -t ui Home
i=2; while [ "$i" -lt "${row:-2}" ]; do $TM send-keys -t ui j; i=$((i + 1)); done
before=$(srv Trash | grep -c '^uv-second$')	# Trash outlives this script
tc=$(screen | sed -n 's/.*sealmail: Trash (\([0-9]*\)).*/\1/p' | head -1)
$TM send-keys -t ui u
# The status line may already say the sync that followed the move.
check "u moves it back" wait_for "sealmail: Trash \\($(( ${tc:-1} - 1 ))\\)"
check "a background sync is done" wait_for '^synced '
i=0; while [ $i -lt 50 ] && ! srv "$F" | grep -q '^uv-second$'; do sleep 0.2; i=$((i + 1)); done
check_eq "the server has it back" "uv-first uv-second uv-third" "$(srv "$F" | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "and Trash holds one less" $((before - 1)) "$(srv Trash | grep -c '^uv-second$')"

# s in the index: move the selected message to another folder.
check "the test folder again" folder "$F"
check "with three" wait_for "sealmail: $F \\(3\\)"
$TM send-keys -t ui Home j
sleep 0.3
ui_press "s asks for a folder" 'Move to folder:' s
ui_press "s moves it" "sealmail: $F \\(2\\)" "$G" Enter
i=0; while [ $i -lt 50 ] && [ -z "$(srv "$G")" ]; do sleep 0.2; i=$((i + 1)); done
check_eq "the server has it in the other folder" "uv-third" "$(srv "$G")"
check_eq "the source keeps the others" "uv-first uv-second" "$(srv "$F" | sort | tr '\n' ' ' | sed 's/ $//')"
# A reply to signed mail whose Reply-To is not the signer says so before
# it is sent.
RF="uiverbsrt$$" FSAVE=$FD
alice_folder "$RF"; RD=$FD; FD=$FSAVE
trap '$TM kill-server 2>/dev/null; rm -rf "$FD" "$GD" "$RD"' EXIT
printf 'signed words\n' > "$T/b5"
openssl smime -sign -in "$T/b5" -signer "$LAB_SMIME_DIR/bob.pem" \
    -inkey "$LAB_SMIME_DIR/bob.key" -from bob@example.test \
    -to alice@example.test -subject "uv-replyto" -text -out "$T/s5" 2>/dev/null
{ printf 'Reply-To: eve@example.test\n'; cat "$T/s5"; } | tr -d '\r' > "$RD/cur/$(date +%s).R$$.lab:2,S"
chown -R --reference="$MD" "$RD"
check "trust the lab CA" S keys trust "$LAB_CA"
check "sync it" S sync --folder "$RF"
check "its folder opens" folder "$RF"
check "its index" wait_for "sealmail: $RF \\(1\\)"
$TM send-keys -t ui r
check "the send question names Reply-To and the signer" \
    wait_for 'Reply-To eve@example.test is not the signer bob@example.test!'
check "the draft is discarded" ui_discard

# L on mail from a list that takes no posts says so, and opens no editor.
LF="uiverbsnl$$" FSAVE=$FD
alice_folder "$LF"; LD=$FD; FD=$FSAVE
trap '$TM kill-server 2>/dev/null; rm -rf "$FD" "$GD" "$RD" "$LD"' EXIT
printf 'From: news@example.test\nTo: alice@example.test\nSubject: uv-nopost\nList-Post: NO (read only)\n\nnews\n' > "$LD/cur/$(date +%s).L$$.lab:2,S"
chown -R --reference="$MD" "$LD"
check "sync the list's folder" S sync --folder "$LF"
check "it opens" folder "$LF"
check "its index" wait_for "sealmail: $LF \\(1\\)"
nd=$(ls "$T" | grep -c '^draft\.')
ui_press "L says the list takes no posts" \
    'its list takes no posts \(List-Post: NO\)' L
check_eq "and no draft was made" "$nd" "$(ls "$T" | grep -c '^draft\.')"

# In Sent, the sender column names the recipients.
SD="$MD/.Sent"
mkdir -p "$SD/cur" "$SD/new" "$SD/tmp"
printf 'From: alice@example.test\nTo: z@example.test, yan@example.test\nSubject: uv-sent-%s\nDate: Thu, 5 Nov 2026 10:00:00 +0000\n\nsent text\n' "$$" > "$SD/cur/$(date +%s).S$$.lab:2,S"
chown -R --reference="$MD" "$SD"
check "sync Sent" S sync --folder Sent
check "Sent opens" folder Sent
check "the Sent index" wait_for 'sealmail: Sent'
check_match "its sender column names the recipient" "To z@example.test \+ +uv-sent-$$" "$(screen | grep "uv-sent-$$")"
rm -f "$SD/cur/"*".S$$.lab"*
ui_press "Q quits with status 0" 'EXITED 0' Q
rm -f "$T"/draft.*
t_done
