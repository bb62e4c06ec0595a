# Text written in format=flowed (RFC 3676), through the terminal program
# in tmux over mail synced from the lab's Dovecot. The pager joins the
# soft-broken lines of a paragraph and wraps it to the window: at 100
# columns a paragraph of five short lines is one row, at 60 it is cut
# where the window ends, not where the sender's lines did, the first row
# holding the word that ends at its last cell. A quoted
# paragraph keeps its depth on every row and never joins a line of
# another depth; a stuffed space is gone; with DelSp=yes the space
# before each break goes too; the signature separator stands alone. The
# same text without format=flowed is shown line by line as written. A
# quoted paragraph wrapped over rows has its marks on each (32 at most),
# and a search that found words in it finds them again when it is laid
# out anew. A reply quotes each flowed paragraph on one line, and show
# and a forward hold it on one line, as the pager shows it.
. "$TOP/tests/lib.sh"
F="uiflowed$$"
ui_lab uiflowed "$F"
alice_lab_home 'ui flowed passphrase'

# resize COLS ROWS: the terminal becomes COLSxROWS, and the program redraws.
resize() { $TM resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
# found_is REGEX: the one row of the message shown in reverse matches REGEX.
found_is() {
	ui_reversed >"$T/found"
	[ "$(wc -l <"$T/found")" -eq 1 ] && grep -Eq -- "$1" "$T/found"
}
# put SUBJECT CONTENT-TYPE: the body of $T/body into the test folder.
put() {
	printf 'From: bob@example.test\nTo: alice@example.test\nSubject: %s\n' "$1" > "$T/m"
	printf 'Date: 3 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\n' >> "$T/m"
	printf 'Message-ID: <%s-%s@example.test>\n' "$1" "$$" >> "$T/m"
	printf 'Content-Type: %s\n\n' "$2" >> "$T/m"
	cat "$T/body" >> "$T/m"
	alice_deliver "$T/m" S
}
cat > "$T/body" <<'EOB'
Dear Alice, 
the soft breaks of this 
paragraph are joined into 
one line by a reader that 
knows format=flowed.
> A quoted line 
> goes on here.
>> Deeper, never joined 
> with the one above.
 From a stuffed line.
-- 
Bob
EOB
put fl-flowed 'text/plain; charset=utf-8; format=flowed'
put fl-fixed 'text/plain; charset=utf-8'
printf 'Donau \ndampf \nschiff\n' > "$T/body"
put fl-delsp 'text/plain; charset=utf-8; format=flowed; delsp=yes'
printf '> Quoted words enough to fill more than one row of a window \n> sixty cells wide, each row with its mark.\n' > "$T/body"
printf '%s deep\n' "$(printf '%040d' 0 | tr 0 '>')" >> "$T/body"
put fl-quote 'text/plain; charset=utf-8; format=flowed'
check "sync the test folder" S sync --folder "$F"

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(4\\)"

ui_open_msg fl-flowed
check "the flowed message opens" ui_wait_for 'Subject: fl-flowed'
check "100 columns: the paragraph is one row" ui_wait_for \
    '│ Dear Alice, the soft breaks of this paragraph are joined into one line by a reader that knows$'
check "and wraps where the window ends" ui_wait_for '│ format=flowed\.$'
check "a quoted paragraph is joined at its depth" \
    ui_wait_for '│ > A quoted line goes on here\.$'
check "a deeper line is never joined to the shallower one" \
    ui_wait_for '│ >> Deeper, never joined$'
check "nor to the one after it" ui_wait_for '│ > with the one above\.$'
check "the stuffed space is removed" ui_wait_for '│ From a stuffed line\.$'
check "the signature separator stands alone" ui_wait_for '│ --$'
check "and the signature after it" ui_wait_for '│ Bob$'
resize 60 30
check "60 columns: laid out again for the window" \
    ui_wait_for '│ Dear Alice, the soft breaks of this paragraph are joined$'
check "the paragraph goes on on the next row" \
    ui_wait_for '│ into one line by a reader that knows format=flowed\.$'
$TM send-keys -t ui q
ui_open_msg fl-quote
check "a long quoted paragraph opens" ui_wait_for 'Subject: fl-quote'
check "its first row opens with its quote mark" \
    ui_wait_for '│ > Quoted words enough to fill more than one row of a$'
check "and so does the row it wraps onto" \
    ui_wait_for '│ > window sixty cells wide, each row with its mark\.$'
check "forty levels deep: 32 marks, not one a level" ui_wait_for '│ >{32} deep$'
ui_answer / 'sixty cells'
check "/ finds words on the second row" settles found_is '> window sixty cells'
resize 100 30
check "at 100 columns the row in reverse is the first, which now holds them" \
    settles found_is '> Quoted words enough .* window sixty cells wide'
$TM send-keys -t ui q
ui_open_msg fl-fixed
check "the same text not flowed opens" ui_wait_for 'Subject: fl-fixed'
check "its lines are shown as written" ui_wait_for '│ Dear Alice,$'
check "each on its own row" ui_wait_for '│ the soft breaks of this$'
check "quoted lines too" ui_wait_for '│ > A quoted line$'
check "a space at the start stays" ui_wait_for '│  From a stuffed line\.$'
$TM send-keys -t ui q
ui_open_msg fl-delsp
check "DelSp: the spaces before the breaks go with them" \
    ui_wait_for '│ Donaudampfschiff$'
$TM send-keys -t ui q
ui_press "Q quits cleanly" 'EXITED 0' Q

# id_of SUBJECT: the id of the stored message of SUBJECT.
id_of() {
	S list --json --folder "$F" >"$T/list.json"
	json "$T/list.json" "[m['id'] for m in d if m['subject'] == '$1'][0]"
}
id=$(id_of fl-flowed)
# The paragraphs of fl-flowed as read, a line each (basic regular
# expressions): what a reply quotes, show prints and a forward holds.
cat > "$T/paras" <<'EOP'
Dear Alice, the soft breaks of this paragraph are joined into one line by a reader that knows format=flowed\.
> A quoted line goes on here\.
>> Deeper, never joined 
> with the one above\.
From a stuffed line\.
-- 
Bob
EOP
S reply "$id" > "$T/reply.txt"
check_each_in "a reply quotes each flowed paragraph on one line, at its depth" \
    "$T/reply.txt" "$T/paras" '^> ' '$'
S show "$id" > "$T/show.txt"
check_each_in "show prints each on one line, as the pager shows it" \
    "$T/show.txt" "$T/paras" '^' '$'
S forward "$id" > "$T/fwd.txt"
check_each_in "a forward holds each on one line" "$T/fwd.txt" "$T/paras" '^' '$'
id=$(id_of fl-fixed)
S show "$id" > "$T/show.txt"
check_match "show prints text that is not flowed as written" \
    '^Dear Alice, $' "$(cat "$T/show.txt")"
check_match "line by line" '^the soft breaks of this $' "$(cat "$T/show.txt")"
t_done
