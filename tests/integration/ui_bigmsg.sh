# A 50 MB message (a 2 MB text and a 36 MB attachment, base64) read in
# the terminal program, through tmux over mail synced from the lab's
# Dovecot: the pager shows its text to the end and names the attachment
# with its size, h shows its whole header, / finds words in its text and
# n the next line that has them, v lists its parts, and through
# all of it the program's peak memory (VmHWM in /proc) grows by at most
# twice the message's size and 48 MiB (the store's page cache and the
# laid-out lines) over what it had before the message was opened. (It
# was five to six times the size: every layout read the message again,
# its text twice more, and parsed it, and the parts list decoded every
# part.) The checking build's allocator keeps no freed memory aside here,
# so that the figure is the program's own. (The text is not longer: the
# full-text index of a sync in the checking build takes a time that grows
# with the square of its length.)
. "$TOP/tests/lib.sh"
F="uibig$$"
ui_lab uibig "$F"
alice_lab_home 'ui big passphrase'

python3 - "$T/big.eml" "$T/textsize" <<'EOP'
import sys, base64, random
r = random.Random(7)
text = b''.join(b'line %07d of the long text part, with a few more words\n'
                % i for i in range(36000)) + b'the last line of the text\n'
# Its decoded size: CRLF line ends, the last one the delimiter's.
open(sys.argv[2], 'w').write('%d' % (len(text) + text.count(b'\n') - 2))
with open(sys.argv[1], 'wb') as f:
    f.write(b'From: bob@example.test\nTo: alice@example.test\n'
            b'Subject: bg-large\nDate: 3 Nov 2026 10:00:00 +0000\n'
            b'MIME-Version: 1.0\nX-Big-Mark: bg-header-seen\n'
            b'Content-Type: multipart/mixed; boundary="BB"\n\n--BB\n'
            b'Content-Type: text/plain; charset=utf-8\n\n')
    f.write(text)
    f.write(b'--BB\n'
            b'Content-Type: application/octet-stream; name=big.bin\n'
            b'Content-Disposition: attachment; filename=big.bin\n'
            b'Content-Transfer-Encoding: base64\n\n')
    f.write(base64.encodebytes(r.randbytes(36 * 1024 * 1024)))
    f.write(b'--BB--\n')
EOP
size=$(wc -c < "$T/big.eml")
alice_deliver "$T/big.eml" S
check "sync the account" S sync
check "sync the folder of the large message" S sync --folder "$F"

q=quarantine_size_mb=0:thread_local_quarantine_size_kb=0
ui_start "$H" 100x30 "ASAN_OPTIONS=detect_leaks=0:$q"
check "the program opens" ui_wait_for 'sealmail: INBOX'
pane=$($TM display-message -p -t ui '#{pane_pid}')
pid=$(ps -o pid= --ppid "$pane" | tr -d ' ' | head -1)
# hwm: the program's peak resident memory so far, in KiB.
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status"; }
check "the program's memory can be read" test -n "$(hwm)"
check "c and Enter open the folder" ui_open_folder "$F"
check "the message is listed" ui_wait_for 'bg-large'
base=$(hwm)

ui_open_msg bg-large
check "the pager opens it" ui_wait_for 'Subject: bg-large' 900
check "its text is shown" ui_wait_for 'line 0000000 of the long text part'
ui_press "G: its last line of text" 'the last line of the text' G
check "and the attachment, by name and size" \
    ui_wait_for 'Attachment 2: big\.bin \(application/octet-stream, 37748736'
ui_press "h: the whole header, from the top" 'X-Big-Mark: bg-header-seen' h =
# no_mark: the screen shows no X-Big-Mark field.
no_mark() { ! ui_screen | grep -q X-Big-Mark; }
$TM send-keys -t ui h
check "h again: the usual fields alone" settles no_mark
check "from the top" ui_wait_for 'Subject: bg-large'

# / searches the text, as mutt's pager does: the line found comes to
# the top, below the rule; n finds the next, round to the top; in lower
# case either case matches, with a capital only that case.
# row5 RE: the first row below the rule shows RE, within 5 s.
row5() { settles sh -c "$TM capture-pane -p -t ui | sed -n 5p | grep -q '$1'"; }
ui_press "/ asks what to search the text for" 'Search the message for:' /
$TM send-keys -t ui -l 'line 0030000'
$TM send-keys -t ui Enter
check "the line found is the first below the rule" row5 '│ line 0030000 of'
ui_press "n: none other, round to the top to it again" \
    'search wrapped to the top' n
check "... still below the rule" row5 '│ line 0030000 of'
# Backspace a line back, Enter a line on, as in mutt's pager.
$TM send-keys -t ui BSpace
check "Backspace: a line back" row5 '│ line 0029999 of'
$TM send-keys -t ui Enter
check "Enter: a line on" row5 '│ line 0030000 of'
ui_answer / 'line 003001'
check "a search goes on from the top of the screen" row5 '│ line 0030010 of'
$TM send-keys -t ui n
check "n: the next line found" row5 '│ line 0030011 of'
ui_answer / 'LINE 0030'
check "a capital matches that case only" ui_wait_for 'not found in this message: LINE 0030'
ui_answer / 'the last line'
# The end cannot come to the top; the line found is shown in reverse.
check "the last line of the text is found, in reverse" settles \
    sh -c "$TM capture-pane -e -p -t ui | grep -q '7mthe last line'"
ui_press "v lists the parts" 'big\.bin +\(attachment\)' v
check_match "with the text's decoded size" \
    " text/plain +$(cat "$T/textsize") bytes" "$(ui_screen)"
check_match "and the attachment's" \
    ' application/octet-stream +37748736 bytes +big\.bin' "$(ui_screen)"
ui_press "q goes back to the pager" 'sealmail: message 1 of 1 in' q

peak=$(hwm)
grown=$((peak - base))
bound=$((2 * size / 1024 + 48 * 1024))
what="the peak grew by $grown KiB for a message of $((size / 1024)) KiB"
check "$what: at most twice that and 48 MiB ($bound KiB)" \
    test "$grown" -le "$bound"
$TM send-keys -t ui Q
check "Q ends the program" ui_wait_for 'EXITED 0' 300
t_done
