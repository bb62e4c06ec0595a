# The habits a mutt reader brings, driven through tmux over mail synced
# from the lab's Dovecot. A digit in the index opens "Jump to message: "
# with it, and the number typed selects the message the index numbers so,
# at 100 columns and at 60, where the rows keep their numbers. Space at
# the end of a message in the pager goes on to the next one, and after the
# last says "no more messages". h shows the whole header block once, in
# place of the usual fields, and h again goes back. The help reads whole
# at 60 columns: a long description goes on, indented, on the next row.
# n finds the next message the last search selects, in the index and in
# the pager, round to the top when none follows. t tags a message, T
# every one a query selects, and ; then | or d acts on all of them.
. "$TOP/tests/lib.sh"
F="uimutt$$"
ui_lab uimutt "$F"
alice_lab_home 'ui mutt passphrase'

# put SUBJECT BODY [FIELD]: one message into the test folder.
put() {
	{
		printf 'From: bob@example.test\nTo: alice@example.test\n'
		printf 'Subject: %s\nDate: 3 Nov 2026 10:00:00 +0000\n' "$1"
		[ -z "${3:-}" ] || printf '%s\n' "$3"
		printf 'MIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\n\n%s\n' "$2"
	} > "$T/m"
	alice_deliver "$T/m" S
}
i=1
while [ $i -le 12 ]; do
	case $i in
	3|7)	put "mt-$i" "a pineapple in message $i" ;;
	# a long one: what ; | pipes passes 64 KiB
	10)	put "mt-$i" "a pineapple in message $i
$(seq -f 'a line of filler, number %g, to make the message long' 1 1500)" ;;
	*)	put "mt-$i" "the text of message $i" ;;
	esac
	i=$((i + 1))
done
put mt-long "$(seq -f 'long line %g' 1 80)"
put mt-hdr 'the header block' 'X-Mt-Probe: probe-value'
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"

ui_start "$H" 100x30
check "the program opens" ui_wait_for 'sealmail: INBOX'
resize() { $TM resize-window -t ui -x "$1" -y "$2"; sleep 0.5; }
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(14\\)"

# num SUBJECT: the number the index shows on SUBJECT's row.
num() { ui_screen | grep " $1\$" | awk '{print $1}'; }
# title N: the pager's title names message N of the folder.
title() { ui_wait_for "^ sealmail: message $1 of 14 in $F" 30; }
# after KEY WHAT TEST...: KEY is sent, then check WHAT TEST... .
after() { _k=$1; shift; $TM send-keys -t ui "$_k"; check "$@"; }
# read_num DIGITS: DIGITS and Enter in the index (the jump prompt open or
# not), then Enter reads the message selected.
read_num() {
	$TM send-keys -t ui "$1" Enter
	sleep 0.3
	$TM send-keys -t ui Enter
}

# 2. Digits jump to a message by its number.
n11=$(num mt-11)
check_match "the index numbers its rows" '^[0-9][0-9]$' "$n11"
ui_press "a digit opens the jump prompt with it" \
    "^Jump to message: ${n11%?}" "${n11%?}"
read_num "${n11#?}"
check "the number typed selects that message: Enter reads it" \
    ui_wait_for 'the text of message 11'
check "the pager's title has the number typed" title "$n11"
$TM send-keys -t ui q
sleep 0.3
ui_press "a number beyond the last is refused" \
    'no message 99 here: they are numbered 1 to 14' 9 9 Enter
resize 60 20
n2=$(num mt-2)
check_match "at 60 columns the rows keep their numbers" \
    "^ *$n2 .*mt-2\$" "$(ui_screen | grep ' mt-2$')"
read_num "$n2"
check "and a jump there reads the message numbered so" \
    ui_wait_for 'the text of message 2$'
check_match "whose number the pager's title gives" \
    "^ sealmail: message $n2 of 14" "$(ui_screen | head -1)"
$TM send-keys -t ui q
sleep 0.3
resize 100 30

# 1. Space at the end of a message goes on to the next one.
nl=$(num mt-long)
nh=$(num mt-hdr)
check_match "mt-hdr comes right after mt-long" "^$((nl + 1))\$" "$nh"
read_num "$nl"
check "the long message opens" ui_wait_for 'long line 1$'
ui_press "Space before its end pages on" 'long line 40$' Space
check "in the same message" title "$nl"
ui_press "Space shows its end" 'long line 80$' Space Space
check "still the same message" title "$nl"
after Space "Space at the end goes on to the next message" title "$nh"
check "from its top" ui_wait_for 'Subject: mt-hdr'
after Space "Space at the end of the last one stays" \
    ui_wait_for 'no more messages'
check "on the last message" title "$nh"

# 3. h: the whole header block, once.
count() { ui_screen | grep -c -- "$1"; }
check_match "the usual fields: one Subject line" '^1$' \
    "$(count 'Subject: mt-hdr')"
ui_press "h shows the whole header" 'X-Mt-Probe: probe-value' h
check_match "with Subject once" '^1$' "$(count 'Subject: mt-hdr')"
check_match "From once" '^1$' "$(count 'From: bob@example.test')"
check_match "To once" '^1$' "$(count 'To: alice@example.test')"
check_match "the Date as received, once" '^1$' \
    "$(count 'Date: 3 Nov 2026 10:00:00 +0000')"
check_nomatch "and not the usual fields above it" 'Date:    ' "$(ui_screen)"
check "the text follows" ui_wait_for 'the header block$'
ui_press "h again: the usual fields" 'Date:    ' h
check_nomatch "without the rest" 'X-Mt-Probe' "$(ui_screen)"
$TM send-keys -t ui q
sleep 0.3

# 5. n: the next message the last search selects.
ui_press "n before any search says so" 'no search yet' n
ui_press "/ searches" 'search "pineapple" \(3\)' / pineapple Enter
ui_press "q goes back to the folder" "sealmail: $F \\(14\\)" q
n10=$(num mt-10)
$TM send-keys -t ui Home
sleep 0.2
$TM send-keys -t ui n Enter
check "n selects the first match" ui_wait_for 'a pineapple in message 3$'
$TM send-keys -t ui q
sleep 0.3
$TM send-keys -t ui n Enter
check "n again the second" ui_wait_for 'a pineapple in message 7$'
after n "n in the pager reads the third" \
    ui_wait_for 'a pineapple in message 10$'
check "with its number in the title" title "$n10"
after n "n after the last goes round to the top" \
    ui_wait_for 'search wrapped to the top'
check "to the first" ui_wait_for 'a pineapple in message 3$'
$TM send-keys -t ui q
sleep 0.3
ui_press "/ with nothing found" 'No message matches' / nosuchwordhere Enter
$TM send-keys -t ui q
sleep 0.3
ui_press "n then says so" 'not found: nosuchwordhere' n

# 6. Tags: t, T by a query, then ; and | or d on every tagged message.
row() { ui_screen | grep " $1\$"; }
ui_press "; with nothing tagged says so" 'no message is tagged' '\;' d
$TM send-keys -t ui Home t
check "t tags the message: a * among its flags" \
    ui_wait_for '^ *[0-9]+ +\* .* mt-1$'
$TM send-keys -t ui k t
sleep 0.3
check_nomatch "t again untags it" '\*' "$(row mt-1)"
ui_press "T tags what a query selects" '3 messages tagged; 3 in all' \
    T pineapple Enter
for m in mt-3 mt-7 mt-10; do
	check_match "$m is tagged" '^ *[0-9]+ +\* ' "$(row $m)"
done
check_nomatch "mt-2 is not" '\*' "$(row mt-2)"
ui_press "; then | asks for one command" \
    'Pipe the tagged messages to command:' '\;' '|'
ui_press "and gives it every tagged message" 'Press Enter to go back' \
    "cat > '$T/piped'" Enter
$TM send-keys -t ui Enter
check_match "the three, one after the other" '^3$' \
    "$(grep -c '^Subject: mt-' "$T/piped")"
check_match "each with its text" 'a pineapple in message 7' \
    "$(cat "$T/piped")"
check_match "all of them, past 64 KiB" 'filler, number 1500,' \
    "$(tail -c 300 "$T/piped")"
# The status line may already say the sync that followed.
ui_press "; then d deletes every tagged message" \
    '3 of 3 tagged messages deleted|^synced [0-9]+ folder' '\;' d
check "the folder has three less" ui_wait_for "sealmail: $F \\(11\\)"
check_nomatch "and none of them" 'mt-3$|mt-7$|mt-10$' "$(ui_screen)"
# D: mutt's delete-pattern, asked first.
ui_press "D asks for a query" 'Delete messages matching:' D
ui_press "and how many it would delete" 'Delete 2 messages\? \(y/N\)' \
    'subject:mt-2 OR subject:mt-4' Enter
ui_press "n deletes none" "sealmail: $F \\(11\\)" n
check_match "mt-2 stays" 'mt-2$' "$(ui_screen)"
ui_press "D again, y" 'Delete 2 messages\? \(y/N\)' D \
    'subject:mt-2 OR subject:mt-4' Enter
ui_press "deletes both" "sealmail: $F \\(9\\)" y
check_nomatch "neither is shown" 'mt-2$|mt-4$' "$(ui_screen)"
# t in the pager tags the message in the index, and shows the next.
ui_open_msg mt-5
check "mt-5 opens" ui_wait_for 'Subject: mt-5'
ui_press "t in the pager tags it" 'message tagged; the next one shown' t
check_nomatch "and shows the next" 'Subject: mt-5$' "$(ui_screen)"
$TM send-keys -t ui q
sleep 0.3
check_match "the index shows mt-5 tagged" '^ *[0-9]+ +\* ' "$(row mt-5)"

# 4. The help at 60 columns: every description whole.
resize 60 140
ui_press "? opens the help" 'sealmail: help' '?'
ui_screen > "$T/help"
check_match "a long description goes on, indented, on the next row" \
    '^                  queries\)$' \
    "$(grep -A1 '^  / l ' "$T/help" | tail -1)"
tr '\n' ' ' < "$T/help" | sed 's/  */ /g' > "$T/help1"
readable() { grep -qF -- "$1" "$T/help1"; }
for d in 'search every folder; limit this one (same queries)' \
    'the next message the last search selects (in the pager too)' \
    'jump to a message by its number (type it, Enter)' \
    "the signer's certificate: issuers, validity, revocation, fingerprint, where it came from, what it replaced" \
    'e and d act on the whole message, every copy of it (one per Bcc)' \
    'page, line (Space at the end: the next message)'; do
	check "readable at 60 columns: $d" readable "$d"
done
resize 60 20
check "at 60x20 the help is wrapped the same way" \
    ui_wait_for '^                  queries\)$'
$TM send-keys -t ui q
sleep 0.3
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
