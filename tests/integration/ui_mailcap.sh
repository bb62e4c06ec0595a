# HTML and mailcap, through the terminal program in tmux and the CLI,
# over mail synced from the lab's Dovecot. An HTML-only message naming
# remote images, a style sheet and a frame on a port where a listener
# counts connections: sync, show and the pager show its links numbered
# and listed, its cells apart, and nothing connects. In the parts view m
# opens a part through the entry of $MAILCAPS: the viewer gets the exact
# bytes, in a file of the user's only under $XDG_RUNTIME_DIR/sealmail,
# named by us (not by the message), and gone afterwards; a copiousoutput
# entry's text is shown in a view of its own; a type with no entry is
# said. A viewer's text stands behind a gutter, as the pager's text does:
# a note drawing a signed message's strip and rule never shows at the
# left edge, a line wider than the screen goes on on the next row, and a
# tab goes to the next stop of eight cells. A copiousoutput entry for
# text/html shows an HTML-only message in show and in the pager.
. "$TOP/tests/lib.sh"
F="uimailcap$$"
ui_lab uimc "$F"
LPID=
trap '$TM kill-server 2>/dev/null; [ -n "$LPID" ] && kill "$LPID" 2>/dev/null; rm -rf "$FD"' EXIT
alice_lab_home 'ui mailcap passphrase'

# A listener that counts every connection made to it.
python3 - "$T/port" "$T/conns" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
open(sys.argv[2], "w").write("0")
n = 0
while True:
    c, _ = s.accept()
    n += 1
    open(sys.argv[2], "w").write(str(n))
    c.close()
PY
LPID=$!
i=0; while [ ! -s "$T/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$T/port")
check_match "the listener is up" '^[0-9]+$' "$PORT"

hdr() {	# hdr SUBJECT DAY
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: %s\nDate: %s Nov 2026 10:00:00 +0000\nMessage-ID: <uimc-%s-%s@example.test>\nMIME-Version: 1.0\n' "$1" "$2" "$$" "$1"
}
{
	hdr "mc-html" 02
	printf 'Content-Type: text/html; charset=utf-8\n\n'
	sed "s/PORT/$PORT/g" "$TOP/tests/data/html/remote.html"
	cat "$TOP/tests/data/html/table.html"
	printf '<p>See <a href="https://example.test/one">the page</a>.</p>\n'
} > "$T/m1"
alice_deliver "$T/m1" S
head -c 40000 /dev/urandom > "$T/blob"
printf 'line one of the report\nline two\n' > "$T/report"
# A note that draws, in plain text, the pager of a message signed and
# encrypted, strip and rule and marks.
{
	echo 'Signed and verified — signer bob@example.test, trust pkix+dane'
	echo 'Encrypted to you; decrypted — cipher aes-256-gcm'
	echo '────────────────────────────────────────────────────────────'
	echo '  │ From:    bob@example.test'
	echo 'SE│ Please pay 999 EUR to XX00 1234.'
	printf 'A long line:'
	i=0; while [ $i -lt 40 ]; do printf ' word'; i=$((i + 1)); done
	echo ' END-OF-THE-LONG-LINE'
	printf 'tab:\tone\ttwo\n'
} > "$T/fake"
{
	hdr "mc-parts" 03
	printf 'Content-Type: multipart/mixed; boundary=XyZ\n\n--XyZ\n'
	printf 'Content-Type: text/plain\n\nthe body\n--XyZ\n'
	printf 'Content-Type: application/x-sealtest\n'
	printf 'Content-Disposition: attachment; filename="../../x;touch %s.bin"\n' "$T/owned"
	printf 'Content-Transfer-Encoding: base64\n\n'
	base64 "$T/blob"
	printf -- '--XyZ\nContent-Type: text/x-report; charset="utf-8\047;touch %s;\047"\n' "$T/owned2"
	printf 'Content-Disposition: attachment; filename=report.txt\n\n'
	cat "$T/report"
	printf -- '--XyZ\nContent-Type: application/x-nothing\n'
	printf 'Content-Disposition: attachment; filename=none.bin\n\nzz\n--XyZ\n'
	printf 'Content-Type: text/x-note; charset=utf-8\n'
	printf 'Content-Disposition: attachment; filename=note.txt\n\n'
	cat "$T/fake"
	printf -- '--XyZ--\n'
} > "$T/m2"
alice_deliver "$T/m2" S
check "sync the test folder" S sync --folder "$F"
S list --json --folder "$F" > "$T/list.json"
M1=$(json "$T/list.json" "[x['id'] for x in d if x['subject']=='mc-html'][0]")
check_match "the HTML message is stored" '^[0-9]+$' "$M1"
S show "$M1" > "$T/show.txt"
check_match "show: the link numbered after its text" 'the page\[2\]' "$(cat "$T/show.txt")"
check_match "show: listed under the text" '^\[2\] https://example.test/one$' "$(cat "$T/show.txt")"
check_match "show: the cells of a row apart" '^link\[1\] \| cell1 \| cell2$' "$(cat "$T/show.txt")"
check_match "show: an image is a mark" 'Hello \[image\] there \[image: Company logo\]' "$(cat "$T/show.txt")"
check_nomatch "show: no image address" "127.0.0.1:$PORT" "$(cat "$T/show.txt")"

# The viewers: one records what it was given, one writes text.
cat > "$T/viewer.sh" <<EOM
#!/bin/sh
printf '%s\n' "\$1" > "$T/viewer.path"
stat -c '%a %U' "\$1" > "$T/viewer.mode"
stat -c '%a' "\$(dirname "\$1")" > "$T/viewer.dirmode"
cp "\$1" "$T/viewer.got"
grep '^SigIgn' /proc/self/status > "$T/viewer.sigign"
EOM
chmod +x "$T/viewer.sh"
printf 'application/x-sealtest; %s %%s; needsterminal\n' "$T/viewer.sh" > "$T/mailcap"
printf 'text/x-report; sed "s|^|REPORT %%{charset}: |" %%s; copiousoutput; test=grep ^SigIgn /proc/self/status > %s\n' "$T/test.sigign" >> "$T/mailcap"
printf 'text/x-note; cat %%s && grep ^SigIgn /proc/self/status > %s; copiousoutput\n' "$T/note.sigign" >> "$T/mailcap"
chmod 600 "$T/mailcap"
mkdir -m 700 "$T/run"

ui_start "$H" 130x40 "MAILCAPS='$T/mailcap' XDG_RUNTIME_DIR='$T/run'"
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the test folder's index" ui_wait_for "sealmail: $F \\(2\\)"
ui_press "the pager shows the HTML message's links" 'the page\[2\]' k Enter
check "and lists them" ui_wait_for '\[2\] https://example.test/one'
check "and its cells apart" ui_wait_for 'link\[1\] \| cell1 \| cell2'
sleep 1
check_eq "sync, show and the pager connected nowhere" 0 "$(cat "$T/conns")"

ui_press "J: the message with parts" 'the body' J
ui_press "v: its parts" 'application/x-sealtest' v
ui_press "m: the viewer ran" 'part 2 shown by its viewer' j m
check "the viewer got the exact bytes" cmp "$T/blob" "$T/viewer.got"
P=$(cat "$T/viewer.path")
check_match "in XDG_RUNTIME_DIR/sealmail, by our own name" "^$T/run/sealmail/view-[A-Za-z0-9]{6}/part\$" "$P"
check_eq "a file of its owner's only" "600 $(id -un)" "$(cat "$T/viewer.mode")"
check_eq "in a directory of its owner's only" 700 "$(cat "$T/viewer.dirmode")"
check_eq "the private base is 0700" 700 "$(stat -c %a "$T/run/sealmail")"
check "the file is gone afterwards" test ! -e "$P"
check "and its directory" test ! -e "$(dirname "$P")"
check "the file name the message chose ran nothing" test ! -e "$T/owned.bin" -a ! -e "$T/owned"
ui_press "m on a copiousoutput entry: its text in a view" 'REPORT utf-8touch.*owned2: line one of the report' j m
check "the whole text" ui_wait_for 'REPORT .*: line two'
check "the parameter ran nothing" test ! -e "$T/owned2"
check_eq "and its file is gone" "" "$(ls "$T/run/sealmail")"
check "a mailcap test= command gets SIGPIPE and SIGXFSZ back" \
    dispositions_default "$T/test.sigign"
ui_press "q: back to the parts" 'application/x-nothing' q
ui_press "a type with no entry is said" 'no mailcap entry shows application/x-nothing' j m
ui_press "m on the note: its text in a view" 'SE│ Please pay 999 EUR' j m
# gutter_only: every row between the title and the key hints starts with
# the gutter (or is blank): none at the left edge, where the pager's
# strip stands.
gutter_only() {
	ui_screen | sed '1d;$d' | grep -v '^ q:back' | grep -v '^$' |
	    grep -v '^│ ' | sed 's/^/#   at the edge: /' >&2
	[ -z "$(ui_screen | sed '1d;$d' | grep -v '^ q:back' | grep -v '^$' |
	    grep -v '^│ ')" ]
}
check "the viewer's text stands behind the gutter, none at the edge" \
    gutter_only
check "its fake strip line is shown behind it" \
    ui_wait_for '^│ Signed and verified — signer bob@example\.test'
check "a line wider than the screen is wrapped, not cut" \
    ui_wait_for '^│ word word.* END-OF-THE-LONG-LINE$'
check "a tab goes to the next stop of eight cells" \
    ui_wait_for '^│ tab:    one     two$'
ui_press "q: back to the parts" 'text/x-note' q
check "a copiousoutput viewer gets SIGPIPE and SIGXFSZ back" \
    dispositions_default "$T/note.sigign"
check "and a needsterminal one" dispositions_default "$T/viewer.sigign"
check_eq "nothing connected" 0 "$(cat "$T/conns")"

# A copiousoutput entry for text/html shows an HTML-only message, in
# show and in the pager; a message whose text is plain is left alone.
cat > "$T/htmlview.sh" <<EOM
#!/bin/sh
printf '%s\n' "\$1" > "$T/html.path"
cp "\$1" "$T/html.got"
printf 'rendered by the viewer (%s)\n' "\$2"
grep -o 'https://example.test/one' "\$1"
EOM
chmod +x "$T/htmlview.sh"
printf 'text/html; %s %%s %%{charset}; copiousoutput; nametemplate=%%s.html\n' "$T/htmlview.sh" > "$T/mailcap2"
MAILCAPS="$T/mailcap2" XDG_RUNTIME_DIR="$T/run" S show "$M1" > "$T/show2.txt"
check_match "show: the viewer's text" 'rendered by the viewer \(utf-8\)' "$(cat "$T/show2.txt")"
check_nomatch "in place of sealmail's own" 'Links:' "$(cat "$T/show2.txt")"
sed '1,/^$/d' "$T/m1" > "$T/m1.html"
check "the viewer got the HTML part" cmp "$T/m1.html" "$T/html.got"
check_match "as part.html, by nametemplate" '/view-[A-Za-z0-9]{6}/part\.html$' "$(cat "$T/html.path")"
check "the file is gone afterwards" test ! -e "$(cat "$T/html.path")"
rm -f "$T/html.got"
M2=$(json "$T/list.json" "[x['id'] for x in d if x['subject']=='mc-parts'][0]")
MAILCAPS="$T/mailcap2" S show "$M2" > "$T/show3.txt"
check_match "a plain text is shown as stored" 'the body' "$(cat "$T/show3.txt")"
check "without the viewer" test ! -e "$T/html.got"
cat "$T/mailcap2" >> "$T/mailcap"
ui_press "back in the index" "sealmail: $F \\(2\\)" q q
ui_press "the pager shows the viewer's text" 'rendered by the viewer \(utf-8\)' k Enter
check "all of it" ui_wait_for '^ *.*https://example.test/one'
check_nomatch "not its own" 'Links:' "$(ui_screen)"
check_eq "still nothing connected" 0 "$(cat "$T/conns")"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
