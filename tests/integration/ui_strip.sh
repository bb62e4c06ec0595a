# The pager's verdict strip against spoofed text, over real mail on the
# lab's Dovecot. Unsigned messages whose text imitates the strip ("Signed
# and verified — signer bob@example.test, trust pkix+dane") after 28 blank
# lines, at the page boundary, and wrapped in colour sequences: after every
# scroll and after a resize the rows above the rule are byte for byte (with
# their colours) those of the first screen, and the fake line only ever
# shows below the rule. A tampered AES-CBC message shows its warning in
# the strip; a partly signed one marks each line in the margin, and
# compressed content beside a signed part is not signed; a signed part
# that is an alternative not shown is not shown, nor any line marked
# signed; the fields of a protected header section that only an envelope
# held are marked [not signed]. At nine
# columns the strip still shows every character of the signer's address,
# and a cut text row ends in "…". A signed
# row whose display name holds an at sign drawn wide or small shows the
# sender's address in the index, not the name. V wraps
# the signer's certificate at the screen's width, never cutting a line:
# both fingerprints show whole at 80 and at 50 columns. q from a folder
# comes back to the INBOX and the bars are never blank.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS
TM="tmux -L sealmail-strip-$$"
trap '$TM kill-server 2>/dev/null' EXIT
lab_home "$T/alice" 'strip passphrase'
lab_account lab alice@example.test "imaps://localhost:$LAB_IMAPS_PORT" "" \
    "$T/alicepw" > "$H/config"
alice_identity

n=0
put() { n=$((n + 1)); inbox_put "$1"; }
hdr() {	# hdr SUBJECT
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: %s\nDate: %s\nMessage-ID: <strip-%s-%d@example.test>\nMIME-Version: 1.0\n' "$1" "$(LC_ALL=C date -R)" "$$" "$n"
}
FAKE='Signed and verified — signer bob@example.test, trust pkix+dane'
blank() { i=0; while [ $i -lt "$1" ]; do echo; i=$((i + 1)); done; }
# The spoof of the issue: one line, 28 blank lines, the fake verdict.
{ hdr "spoof plain"; printf 'Content-Type: text/plain; charset=utf-8\n\n'
  echo 'Hello Alice,'; blank 28; echo "$FAKE"; echo 'Pay 999 EUR to the account below.'; } > "$T/m1"
put "$T/m1"
# The fake line where a page of text ends and the next begins: the body
# below the strip and rule of an 80x24 screen holds 14 to 16 rows.
{ hdr "spoof boundary"; printf 'Content-Type: text/plain; charset=utf-8\n\n'
  for k in 8 9 10 11 12 13 14 15 16 17 18; do blank "$k"; echo "$FAKE"; done; } > "$T/m2"
put "$T/m2"
# The fake line in the strip's colours, trying to move the cursor up.
{ hdr "spoof colours"; printf 'Content-Type: text/plain; charset=utf-8\n\n'
  echo 'Hi'; blank 20
  printf '\033[1;32m%s\033[0m\n' "$FAKE"
  printf '\033[H\033[2;1H\033[1;32m%s\033[0m\n' "$FAKE"
  printf '\033[2A\033[32m%s\n' "$FAKE"; blank 5; } > "$T/m3"
put "$T/m3"
# AES-256-CBC to alice, three ciphertext bytes flipped: it still opens.
{ printf 'Content-Type: text/plain\n\n'
  i=0; while [ $i -lt 12 ]; do echo "Invoice line $i: the amount is 100 EUR, as agreed."; i=$((i + 1)); done; } > "$T/ent"
openssl cms -encrypt -aes-256-cbc -in "$T/ent" -outform DER -out "$T/cbc.der" \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
python3 - "$T/cbc.der" <<'EOP'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
for k in (100, 101, 102):
    d[len(d) - k] ^= 0x5a
open(p, 'wb').write(bytes(d))
EOP
{ hdr "tampered cbc"
  printf 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\n'
  printf 'Content-Transfer-Encoding: base64\n\n'; base64 "$T/cbc.der"; } > "$T/m4"
put "$T/m4"
# Partly signed: an attacker's unsigned text, then a part bob signed.
printf 'Content-Type: text/plain\n\nSigned words from bob.\nA second signed line.\n' > "$T/sent"
openssl cms -sign -signer "$LAB_SMIME_DIR/bob.pem" -inkey "$LAB_SMIME_DIR/bob.key" \
    -md sha256 -in "$T/sent" -out "$T/signed" 2>/dev/null
{ hdr "partly signed"
  printf 'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
  printf 'Content-Type: text/plain\n\nAttacker prefix: pay to IBAN XX00.\n--outer\n'
  cat "$T/signed"; printf '\n--outer--\n'; } > "$T/m5"
put "$T/m5"
# Bob's signed part as the alternative not shown, beside the attacker's.
{ hdr "signed alternative hidden"
  printf 'Content-Type: multipart/alternative; boundary="alt"\n\n--alt\n'
  printf 'Content-Type: text/plain\n\nAttacker text: you are fired.\n--alt\n'
  cat "$T/signed"; printf '\n--alt--\n'; } > "$T/m12"
put "$T/m12"
# Bob's signed part beside compressed content, which signs nothing.
python3 - "$TOP/tests/data" > "$T/cmp" <<'EOP'
import sys, zlib
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
from mkbombs import compressed_der, entity
t = b'Content-Type: text/plain\r\n\r\nPAY 10000 EUR TO MALLORY.\r\n'
sys.stdout.buffer.write(entity(compressed_der(zlib.compress(t))))
EOP
{ hdr "compressed beside"
  printf 'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
  cat "$T/signed"; printf '\n--outer\n'; tr -d '\r' < "$T/cmp"
  printf '\n--outer--\n'; } > "$T/m10"
put "$T/m10"
# Anyone can encrypt to alice: a protected header section that only the
# envelope holds, around bob's signed part, under mallory's outer From.
{ printf 'Content-Type: multipart/mixed; boundary="hp"; hp="cipher"\n'
  printf 'From: bob@example.test\nTo: alice@example.test\n'
  printf 'Subject: You are fired\nDate: %s\n\n--hp\n' "$(LC_ALL=C date -R)"
  cat "$T/signed"; printf '\n--hp--\n'; } > "$T/hpent"
openssl cms -encrypt -aes-256-gcm -in "$T/hpent" -out "$T/hpenv" \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
{ hdr "[...]" | sed 's/^From: .*/From: mallory@evil.test/'
  grep -v '^MIME-Version' "$T/hpenv"; } > "$T/m11"
put "$T/m11"
# Partly encrypted: clear text beside an envelope to alice (never opened).
openssl cms -encrypt -aes-256-gcm -in "$T/ent" -out "$T/encpart" \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
{ hdr "partly encrypted"
  printf 'Content-Type: multipart/mixed; boundary="outer"\n\n--outer\n'
  printf 'Content-Type: text/plain\n\nClear text beside an envelope.\n--outer\n'
  grep -v '^MIME-Version' "$T/encpart"; printf '\n--outer--\n'; } > "$T/m7"
put "$T/m7"
# Signed by bob as a whole.
{ hdr "signed whole"; grep -v '^MIME-Version' "$T/signed"; } > "$T/m8"
put "$T/m8"
# A display name, encoded, with a colour sequence inside it.
{ hdr "named sender" | sed 's/^From: .*/From: =?utf-8?q?B=C3=B8b_=1B[31mExample?= <bob@example.test>/'
  printf 'Content-Type: text/plain\n\nHello.\n'; } > "$T/m6"
put "$T/m6"
# Signed by bob, From bob, under a name that reads as someone else's
# address through an at sign drawn wide (U+FF20) or small (U+FE6B).
for at in EF=BC=A0 EF=B9=AB; do
	{ hdr "at $at" | sed "s/^From: .*/From: =?utf-8?q?carol=${at}example=2Etest?= <bob@example.test>/"
	  grep -v '^MIME-Version' "$T/signed"; } > "$T/m9"
	put "$T/m9"
done
chown -R nobody:nogroup "$LAB_DIR/mail" 2>/dev/null
check "sync fetches alice's INBOX" S sync
S list --json > "$T/list.json" 2>/dev/null
id=$(json "$T/list.json" '[m["id"] for m in d if m["subject"] == "tampered cbc"][0]')
S show --json "$id" > "$T/cbc.json" 2>/dev/null
check_match "the store keeps the tampered message's finding" \
    'not integrity-protected' "$(cat "$T/cbc.json")"

screen() { ui_screen; }
screen_e() { $TM capture-pane -p -e -t ui; }
wait_for() { ui_wait_for "$1"; }
# rule: the screen row (from 1) of the strip's closing rule.
rule() { screen | grep -n '^─\{20,\}$' | head -1 | cut -d: -f1; }
# strip_words: the strip above the rule, its lines joined, spaces folded.
strip_words() {
	screen | sed -n "2,$(rule)p" | tr '\n' ' ' | sed 's/  */ /g'
}
open_msg() { ui_open_msg "$1"; }
# strip_holds KEYS...: presses each key in turn; after each, the rows down
# to the rule are those of $T/strip0 (colours included) and every fake
# line is below the rule. Returns 1 with the screen shown otherwise.
strip_holds() {
	for _k in "$@"; do
		$TM send-keys -t ui "$_k"
		sleep 0.25
		_r=$(rule)
		screen_e | sed -n "1,${_r}p" > "$T/strip1"
		if ! cmp -s "$T/strip0" "$T/strip1"; then
			echo "# after $_k the strip changed:"; diff "$T/strip0" "$T/strip1" | sed 's/^/#   /'
			return 1
		fi
		_f=$(screen | grep -n -F 'Signed and verified' | head -1 | cut -d: -f1)
		if [ -n "$_f" ] && [ "$_f" -le "$_r" ]; then
			echo "# after $_k the fake line is on row $_f, rule on $_r"
			return 1
		fi
	done
	return 0
}
strip0() { sleep 0.3; _r=$(rule); [ -n "$_r" ] && screen_e | sed -n "1,${_r}p" > "$T/strip0"; }

ui_start "$H" 80x24
check "the index lists the messages" wait_for 'sealmail: INBOX \([0-9]+\)'
for subj in "spoof plain" "spoof boundary" "spoof colours"; do
	open_msg "$subj"
	check "$subj: the pager opens" wait_for "Subject: $subj"
	check "$subj: a rule closes the strip" strip0
	check_match "$subj: the strip says it is not signed" '^Not signed' \
	    "$(screen | sed -n 2p)"
	check "$subj: the strip holds through every scroll" strip_holds \
	    Space k - b j j j G = Space
	check_match "$subj: the status line repeats the verdict when scrolled" \
	    'verdict: none, not encrypted' "$(screen | tail -1)"
	check "$subj: the fake line is shown, marked as unsigned" \
	    wait_for '^- +│ .*Signed and verified'
	$TM send-keys -t ui q
	sleep 0.3
done
# After a resize the strip is laid out again, and holds again.
open_msg "spoof boundary"
check "the boundary spoof opens again" wait_for 'Subject: spoof boundary'
$TM resize-window -t ui -x 60 -y 20
sleep 0.4
check "after a resize: a rule closes the strip" strip0
check "after a resize: the strip holds through every scroll" strip_holds \
    Space Space j Space Space k Space G
$TM resize-window -t ui -x 80 -y 24
$TM send-keys -t ui q
check_nomatch "no colour sequence of a message reaches the terminal" \
    '\[2A|\[2;1H' "$(screen)"

open_msg "tampered cbc"
check "the tampered message opens" wait_for 'Subject: tampered cbc'
r=$(rule)
check_match "its strip names the cipher" 'decrypted — cipher aes-256-cbc' \
    "$(screen | sed -n "2,${r}p" | tr -d '\n')"
check_match "its strip says in words the envelope is not integrity-protected" \
    'Warning: aes-256-cbc: the envelope is not +integrity-protected' \
    "$(strip_words)"
check_match "the warning is in the warning colour (yellow)" \
    '\[(1;)?33m.*Warning: aes-256-cbc' "$(screen_e | sed -n "2,${r}p")"
check_match "its decrypted line is in the warning colour too, not green" \
    '\[(1;)?33m.*decrypted — cipher aes-256-cbc' "$(screen_e | sed -n "2,${r}p")"
check_nomatch "and nothing of the strip is green" '\[(1;)?32m' \
    "$(screen_e | sed -n "2,${r}p")"
check "its lines are marked as from the envelope and unsigned" \
    wait_for '^-E│ Invoice line 0'
$TM send-keys -t ui q

open_msg "signed whole"
check "the signed message opens" wait_for 'Subject: signed whole'
check_match "its strip says signed and verified, with signer and trust" \
    'Signed and verified — signer bob@example.test, trust pkix' "$(screen | sed -n 2p)"
check_match "in green" '32m(.\[49m)?Signed and verified' "$(screen_e | sed -n 2p)"
check "each line is marked signed" wait_for '^S +│ A second signed line\.'
# Nine columns: the strip is wrapped at nine, so the signer's address is
# whole across its rows; a text row wider than the screen ends in "…".
signer_whole() { screen | tr -d ' \n' | grep -q 'signerbob@example\.test,trust'; }
$TM resize-window -t ui -x 9 -y 24
check "9 columns: the signer's address is whole across the strip's rows" \
    settles signer_whole
check_match "9 columns: a text row cut at the edge says so" '^  │ .*…$' \
    "$(screen)"
$TM resize-window -t ui -x 80 -y 24
sleep 0.3
ui_press "V: the certificate came from this signed mail" 'Came from: +harvested' V
check "V: and it replaced no earlier one" \
    wait_for 'Replaced: +no earlier certificate for its address'
# A line wider than the screen is wrapped, never cut: a fingerprint shown
# in part would pass for the whole one.
fp_of() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
BOBFP=$(fp_of "$LAB_SMIME_DIR/bob.pem")
CAFP=$(fp_of "$LAB_CA")
whole() { screen | tr -d ' \n' | grep -q "$1"; }
check "V at 80 columns: the signer's fingerprint is whole" whole "$BOBFP"
check "V at 80 columns: the trust anchor's fingerprint is whole" whole "$CAFP"
check_match "V at 80 columns: the revocation line is read to its end" \
    'names no +responder or CRL\)' "$(screen | tr '\n' ' ')"
$TM resize-window -t ui -x 50 -y 24
check "V at 50 columns: the signer's fingerprint, wrapped, is whole" \
    settles whole "$BOBFP"
check "V at 50 columns: the anchor's fingerprint, wrapped, is whole" \
    settles whole "$CAFP"
check_match "V at 50 columns: a wrapped value goes on under the value" \
    '^ {15}[0-9a-f]{20,}$' "$(screen)"
$TM resize-window -t ui -x 80 -y 24
$TM send-keys -t ui q q

open_msg "partly encrypted"
check "the partly encrypted message opens" wait_for 'Subject: partly encrypted'
check_match "the strip says no line came out of the envelope" \
    'Encrypted: only the lines marked E in the margin \(0 of 1\); the rest travelled in clear' \
    "$(strip_words)"
check "its clear line is marked as from no envelope" \
    wait_for '^--│ Clear text beside an envelope\.'
$TM send-keys -t ui q

open_msg "compressed beside"
check "the message with a compressed part opens" \
    wait_for 'Subject: compressed beside'
check_match "the strip counts only bob's lines as signed" \
    'Signed: only the lines marked S in the margin \(3 of 4\)' "$(strip_words)"
check "the compressed part's line is marked unsigned" \
    wait_for '^- +│ PAY 10000 EUR TO MALLORY\.'
$TM send-keys -t ui q

open_msg "signed alternative hidden"
check "the message whose signed alternative is not shown opens" \
    wait_for 'Subject: signed alternative hidden'
check_match "the strip counts none of its lines as signed" \
    'Signed: only the lines marked S in the margin \(0 of 1\)' "$(strip_words)"
check_match "and says the signed alternative is not shown" \
    'Warning: an S/MIME part is in an alternative that is not shown' \
    "$(strip_words)"
check "the text/plain alternative's line is marked unsigned" \
    wait_for '^- +│ Attacker text: you are fired\.'
check_nomatch "the signed alternative's words are not shown" \
    'Signed words from bob' "$(screen)"
$TM send-keys -t ui q

open_msg "You are fired"
check "the envelope's protected header section opens" \
    wait_for 'Subject: You are fired'
check_match "no signature covers its Subject: marked" \
    'Subject: You are fired +\[not signed\]' "$(screen)"
check_match "the outer From that differs is a warning" \
    'outer From field differs' "$(strip_words)"
$TM send-keys -t ui q

open_msg "partly signed"
check "the partly signed message opens" wait_for 'Subject: partly signed'
check_match "the strip says which part is signed" \
    'Signed: only the lines marked S in the margin \(2 of 3\)' "$(strip_words)"
check "the attacker's line is marked unsigned" \
    wait_for '^- +│ Attacker prefix: pay to IBAN XX00\.'
check "the signed lines are marked S" wait_for '^S +│ Signed words from bob\.'
check "every signed line is marked" wait_for '^S +│ A second signed line\.'
check_match "an unsigned mark is red, a signed one green" \
    '\[(1;)?31m-.*Attacker' "$(screen_e | grep Attacker)"
check_match "a signed mark is green" '\[(1;)?32mS.*Signed words' \
    "$(screen_e | grep 'Signed words')"
ui_press "V opens the signer's certificate" 'sealmail: signer of message' V
check "it shows the fingerprint" wait_for 'SHA-256: +[0-9a-f]{64}'
check "it shows the validity" wait_for 'Valid: +[0-9-]+ .* until '
check "it says where the certificate came from" wait_for 'Came from: '
check "it shows the issuer chain up to the trusted CA" wait_for 'trust anchor, SHA-256'
ui_press "back in the index" 'sealmail: INBOX \([0-9]+\)' q q
check_nomatch "every message read shows as read at once" '^ +[0-9]+ N.*(spoof (plain|boundary|colours)|tampered cbc|partly (signed|encrypted)|signed whole)' "$(screen)"

# The rows below are found as a message is opened: other tests' mail may
# put them on another page of the shared INBOX than the one last shown.
ui_goto_msg "named sender"
check "the sender column shows the display name, decoded and sanitized" \
    wait_for ' Bøb Example +named sender'
for at in EF=BC=A0 EF=B9=AB; do
	ui_goto_msg "at $at"
	ui_wait_for "at $at" >/dev/null 2>&1
	check_match "a signed row under a name with a look-alike at ($at) is marked M (the name shows another address), and shows the address" \
	    ' M  .* bob@example\.test +at '"$at" "$(screen | grep "at $at")"
	check_nomatch "and not the name" 'carol' "$(screen | grep "at $at")"
done

# Index marks have their own columns; F, never !, marks a flagged message.
ui_goto_msg "partly signed"
sleep 0.3
$TM send-keys -t ui F
sleep 0.3
check_match "a flagged message is marked F" '^ +[0-9]+  F ' "$(screen | grep 'partly signed')"
check_match "its signature column says partial" '^ +[0-9]+  F P  ' "$(screen | grep 'partly signed')"

# Folder views stack: q from a folder comes back to the INBOX.
ui_press "c opens the folders" 'sealmail: folders' c
sleep 0.3
_ob=$(screen | grep -n 'outbox  ' | head -1 | cut -d: -f1)
_i=2
while [ "$_i" -lt "${_ob:-2}" ]; do $TM send-keys -t ui j; _i=$((_i + 1)); done
ui_press "Enter opens the outbox folder" 'sealmail: outbox' Enter
ui_press "q from a folder returns to the INBOX" 'sealmail: INBOX \([0-9]+\)' q
ui_press "q on the first index asks before quitting" 'Quit sealmail\? \(y/N\)' q
ui_press "n keeps the program running" 'sealmail: INBOX \([0-9]+\)' n

# The bars are never blank, at any width, in the index and the pager.
bars_shown() {	# bars_shown WIDTH
	$TM resize-window -t ui -x "$1" -y 24
	sleep 0.4
	_s=$(screen)
	_t=$(printf '%s\n' "$_s" | sed -n 1p | tr -d ' ')
	_k=$(printf '%s\n' "$_s" | sed -n 23p | tr -d ' ')
	[ -n "$_t" ] && [ -n "$_k" ] || { printf '%s\n' "$_s" | sed 's/^/#   | /'; return 1; }
}
for w in 80 50 20; do
	check "the index's bars are not blank at $w columns" bars_shown "$w"
done
$TM resize-window -t ui -x 80 -y 24
check "80x24: the index shows date, sender, subject and marks" wait_for \
    '^ +[0-9]+ +F P  +[0-9:A-Za-z ]+ +bob@example\.test +partly signed'
open_msg "spoof plain"
check "the pager opens at 80 columns" wait_for 'Subject: spoof plain'
for w in 80 50 20; do
	check "the pager's bars are not blank at $w columns" bars_shown "$w"
done
$TM resize-window -t ui -x 80 -y 24
ui_press "Q quits with status 0" 'EXITED 0' Q
t_done
