# A folder much longer than the screen, through the terminal program in
# tmux over mail synced from the lab's Dovecot: the index draws the rows
# on the screen before it has read the others, and each answer that needs
# the whole folder is the whole folder's: = and Home reach the first
# message, G and End the last, Space the ones between; O d puts first a
# message never drawn until then; a limit finds messages scattered over
# the folder; o t threads a reply under an original 198 rows before it.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-uilong-$$"
F="uilong$$"
N=240
alice_folder "$F"
trap '$TM kill-server 2>/dev/null; rm -rf "$FD"' EXIT
alice_ui_home 'ui long passphrase'

# Message i is lg-i (three digits), dated in stored order a minute apart,
# but for lg-073 (dated last of all), lg-200 (a reply to lg-002, dated
# after the rest), and a word, "scattered", in lg-005, lg-111 and lg-238.
i=0
while [ $i -lt $N ]; do
	tag=$(printf 'lg-%03d' $i)
	date="3 Nov 2026 $(printf '%02d:%02d' $((8 + i / 60)) $((i % 60)))"
	subj=$tag extra=""
	case $tag in
	lg-073) date="20 Nov 2026 10:00" ;;
	lg-200) date="10 Nov 2026 10:00" subj="Re: lg-002"
		extra="In-Reply-To: <uilong-$$-lg-002@example.test>" ;;
	lg-005|lg-111|lg-238) subj="$tag scattered" ;;
	esac
	{
		printf 'From: bob@example.test\nTo: alice@example.test\n'
		printf 'Subject: %s\nDate: %s:00 +0000\n' "$subj" "$date"
		printf 'Message-ID: <uilong-%s-%s@example.test>\n' "$$" "$tag"
		[ -z "$extra" ] || printf '%s\n' "$extra"
		printf '\nthe text of %s\n' "$tag"
	} > "$T/m"
	alice_deliver "$T/m" S
	i=$((i + 1))
done
check "sync the test folder" S sync --folder "$F"

# answer KEY TEXT: a key that asks, and its answer.
answer() { $TM send-keys -t ui "$1"; sleep 0.3; $TM send-keys -t ui -l "$2"; $TM send-keys -t ui Enter; }
# tags: the messages the screen shows, top to bottom (a reply by its own).
tags() { ui_screen | grep -o 'Re: lg-002\|lg-[0-9]*' | tr '\n' , | sed 's/,$//'; }
first() { tags | cut -d, -f1-2; }
last() { tags | awk -F, '{ print $(NF-1) "," $NF }'; }
# shows WHAT TEST EXPECTED: TEST (first or last) is EXPECTED within 5 s.
shows() {
	_n=0
	while [ $_n -lt 50 ] && [ "$($2)" != "$3" ]; do sleep 0.1; _n=$((_n + 1)); done
	check_eq "$1" "$3" "$($2)"
}

$TM new-session -d -s ui -x 100 -y 24 \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw'; echo EXITED \$?; sleep 60"
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the title counts every message" ui_wait_for "sealmail: $F \\($N\\)"
shows "it opens on the last messages" last "lg-238,lg-239"
rows=$(tags | tr , "\n" | wc -l)
check_match "a screen's worth of rows, not the folder" '^(1[0-9]|2[0-2])$' "$rows"
check_nomatch "the first message is not on the screen" 'lg-000' "$(tags)"
check_match "each row numbered in the folder" "^ *$N .*lg-239" "$(ui_screen | grep 'lg-239')"
$TM send-keys -t ui =
shows "= goes to the first message" first "lg-000,lg-001"
check_match "the first row is numbered 1" '^ +1 .*lg-000' "$(ui_screen | grep 'lg-000')"
ui_press "N marks a row read as it was drawn" '^ +1 N .*lg-000' N
$TM send-keys -t ui @
sleep 0.5
check "a reload reads it back marked" ui_wait_for '^ +1 N .*lg-000'
$TM send-keys -t ui N
first_unmarked() { ! ui_screen | grep -Eq '^ +1 N'; }
check "N again unmarks it" settles first_unmarked
$TM send-keys -t ui Space Space Space
shows "Space pages on through rows not yet drawn" last "lg-062,lg-063"
$TM send-keys -t ui G
shows "G goes to the last" last "lg-238,lg-239"
$TM send-keys -t ui Home
shows "Home goes to the first" first "lg-000,lg-001"
$TM send-keys -t ui End
shows "End goes to the last" last "lg-238,lg-239"

answer O d
$TM send-keys -t ui Home
shows "O d: newest first, from rows never drawn" first "lg-073,Re: lg-002"
check "the count stays the folder's" ui_wait_for "sealmail: $F \\($N\\)"
$TM send-keys -t ui End
shows "and the oldest last" last "lg-001,lg-000"

answer l scattered
check "l finds the word all over the folder" ui_wait_for "sealmail: $F \\(3\\) limit: scattered"
check_eq "every one of them, newest first" "lg-238,lg-111,lg-005" "$(tags)"
answer l ""
check "an empty limit shows everything again" ui_wait_for "sealmail: $F \\($N\\)"

answer o t
ui_press "o t: the reply under its original, 198 rows before it" '└─>Re: lg-002' End
shows "that thread is the newest but one" last "Re: lg-002,lg-073"
check_match "its root just above it" 'lg-002 *$' "$(ui_screen | grep -B1 '└─>Re: lg-002' | head -1)"
$TM send-keys -t ui Home
shows "the oldest thread first" first "lg-000,lg-001"
answer o u
$TM send-keys -t ui End
shows "o u: as stored again" last "lg-238,lg-239"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
