#!/bin/sh
# The terminal itself, driven through tmux against the lab: a terminal
# that cannot hold the screen (TERM=dumb, a type not known, none named)
# is refused at once with the reason, before the store is opened, and
# nothing is left behind. In a locale whose character set is not UTF-8
# (LANG=C, a Latin-1 one made here with localedef) the rule and the gutter
# are ASCII, a letter the locale lacks is one '?', one that takes no cell
# is nothing, and what is typed at a prompt is kept as UTF-8: a limit
# typed in Latin-1 finds the message it names. A screen too short for a
# row between its bars shows the pager's bars and nothing of the verdict
# in them; made tall again, the verdict is whole. A tab in a message's
# text goes to the next stop of eight cells, as on a terminal. Stopped
# by SIGSTOP (no ^Z for curses to see) while the shell takes the terminal
# back, its modes and its screen, the program continued sets its modes
# again and draws its screen whole.
. "$TOP/tests/lib.sh"
F="uiterm$$"
ui_lab uiterm "$F"
cd "$T" || exit 1
lab_home "$T/alice" "ui terminal passphrase"
alice_config "$H" password
check "the store is made" S keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$T/p12pw"
wait_for() { ui_wait_for "$1" "${2:-150}"; }
key() { $TM send-keys -t ui "$@"; }
for m in 1 2; do
	{
		printf 'From: =?utf-8?q?J=C3=BCrgen_=E6=BC=A2?= <bob@example.test>\n'
		printf 'To: alice@example.test\nDate: 3 Nov 2026 1%s:00:00 +0000\n' $m
		[ $m = 1 ] && printf 'Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=\n'
		[ $m = 2 ] && printf 'Subject: =?utf-8?q?a_joiner_x=E2=80=8Dy_and_e=CC=81?=\n'
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n'
		printf 'Content-Transfer-Encoding: 8bit\n\nthe text \342\200\224 %s\n' $m
	} > "$T/m"
	alice_deliver "$T/m" S
done
{
	printf 'From: bob@example.test\nTo: alice@example.test\n'
	printf 'Date: 3 Nov 2026 13:00:00 +0000\nSubject: tabs in a patch\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n'
	printf 'Content-Transfer-Encoding: 8bit\n\n'
	printf '@@ -1,2 +1,2 @@\n \tkept(a);\n-\tif (old)\n+\tif (new)\n'
	printf '\346\274\242\345\255\227\tafter a wide word\n'
	printf 'a\tb\tc\n'
} > "$T/m"
alice_deliver "$T/m" S
check "sync the test folder" S sync --folder "$F"

# 1. Terminals the screen cannot be drawn on.
for term in dumb no-such-terminal ''; do
	case $term in
	dumb)	why='"dumb" \(TERM\) cannot move its cursor' ;;
	'')	why='TERM is not set' ;;
	*)	why='"no-such-terminal" \(TERM\) is not known here' ;;
	esac
	ui_restart "$H" 100x30 "TERM='$term'"
	check "TERM=$term: refused, exit 2" wait_for '^EXITED 2$'
	check "TERM=$term: it says why" wait_for "$why"
	check "TERM=$term: and what to run it in" wait_for 'xterm, tmux or'
	check_nomatch "TERM=$term: nothing leaked or went wrong" \
	    'Sanitizer|runtime error|Error opening' "$(ui_screen)"
done

# 2. LANG=C: ASCII only, one cell a character, aligned.
ui_restart "$H" 100x30 "LANG=C LC_ALL=C"
check "LANG=C: the program opens" wait_for 'sealmail: INBOX'
check "LANG=C: the test folder opens" ui_open_folder "$F"
check "LANG=C: a letter it lacks is one ?" \
    wait_for '^ +1 .*J\?rgen \? +Gr\?\?e aus K\?ln$'
check "LANG=C: a joiner and a combining mark take no cell" \
    wait_for '^ +2 .*J\?rgen \? +a joiner xy and e$'
check_eq "LANG=C: the subjects start in one column" 1 \
    "$(ui_screen | grep -E '^ +[12] ' | awk '{ print index($0, "J?rgen ? ") }' |
    sort -u | wc -l)"
key Home Enter
check "LANG=C: the message opens" wait_for 'the text - 1'
check "LANG=C: its rule is ASCII, across the screen" wait_for '^-{100}$'
check "LANG=C: and the gutter" wait_for '^  \| From: '
check_nomatch "LANG=C: no byte of UTF-8 is drawn" \
    "$(printf '[\200-\377]')|~T|M-" "$(ui_screen)"
key q

# 3. Latin-1: the same, and a limit typed in it.
LOC="$T/locale"
mkdir -p "$LOC"
check "a Latin-1 locale is made" localedef -i de_DE -f ISO-8859-1 \
    "$LOC/de_DE.ISO-8859-1"
ui_restart "$H" 100x30 "LOCPATH='$LOC' LANG=de_DE.ISO-8859-1"
check "Latin-1: the program opens" wait_for 'sealmail: INBOX'
check "Latin-1: the test folder opens" ui_open_folder "$F"
key l
check "Latin-1: l asks for a limit" wait_for '^Limit to'
# "köln" in Latin-1: 0xf6 is the o with the diaeresis.
key -l k
key -H f6
key -l ln
key Enter
# The message it finds was shown before the limit too: the other one
# going is what says the limit took.
no_joiner() { ! ui_screen | grep -q 'a joiner'; }
check "Latin-1: the limit typed leaves out the other message" \
    settles no_joiner
check "Latin-1: and finds the message" wait_for '^ +1 .*Gr.*e aus K.*ln$'
check_nomatch "Latin-1: and only it" 'a joiner' "$(ui_screen)"
key Enter
check "Latin-1: the message opens" wait_for 'the text - 1'
check "Latin-1: its rule is ASCII" wait_for '^-{100}$'
key q Q
check "Latin-1: the program ends" wait_for '^EXITED 0$'

# 4. The pager on a screen of two and three lines.
last() { ui_screen | tail -1; }
ui_restart "$H" 100x30 "LANG=C.UTF-8"
check "UTF-8: the program opens" wait_for 'sealmail: INBOX'
check "UTF-8: the test folder opens" ui_open_folder "$F"
key Home Enter
check "UTF-8: the message opens, the verdict above the rule" \
    wait_for '^─{100}$'
check "UTF-8: the verdict whole" wait_for '^Not signed$'
$TM resize-window -t ui -x 30 -y 3
check "30x3: the title and the hints" wait_for '^ q:back.*\?:help$'
# The status line may say a sync that ran meanwhile; nothing of the
# message is drawn on it.
nomsg='Not|sign|From|─|│|the text'
check_nomatch "30x3: nothing of the message on the status line" \
    "$nomsg" "$(last)"
$TM resize-window -t ui -x 8 -y 2
check "8x2: the hints" wait_for '^ q:back…$'
check_nomatch "8x2: nothing of the message on the status line" \
    "$nomsg" "$(last)"
$TM resize-window -t ui -x 1 -y 1
sleep 0.5
$TM resize-window -t ui -x 100 -y 30
check "100x30: the rule again" wait_for '^─{100}$'
check "100x30: the verdict whole again" wait_for '^Not signed$'

# 5. Tabs in the text go to their stops, every eight cells.
key q
check "UTF-8: the message of tabs opens" ui_open_msg 'tabs in a patch'
check "a patch keeps its indent" wait_for '│ -       if \(old\)$'
check "a context line too" wait_for '│         kept\(a\);$'
check "a tab after a wide word" wait_for '│ 漢字    after a wide word$'
check "tabs between words" wait_for '│ a       b       c$'

# 6. SIGSTOP, the shell's modes and screen meanwhile, SIGCONT.
PID=$(pgrep -P "$($TM display-message -p -t ui '#{pane_pid}')" -f "$SEALMAIL")
TTY=$($TM display-message -p -t ui '#{pane_tty}')
modes() { stty -F "$TTY" -a | grep -o -- ' -\{0,1\}icanon\| -\{0,1\}echo '; }
check_match "the program runs" '^[0-9]+$' "$PID"
check_eq "the program's modes: no line editing, no echo" \
    "$(printf ' -icanon\n -echo ')" "$(modes)"
kill -STOP "$PID"
stty -F "$TTY" sane
printf '\033[H\033[2Jthe shell was here\n' > "$TTY"
check "stopped, the shell's screen" wait_for '^the shell was here'
kill -CONT "$PID"
check "continued, the program draws its screen again" \
    wait_for '│ a       b       c$'
check_nomatch "the shell's screen is gone" 'the shell was here' \
    "$(ui_screen)"
check_eq "and its modes are set again" \
    "$(printf ' -icanon\n -echo ')" "$(modes)"
key q
check "a key works at once, without Enter" wait_for 'sealmail: uiterm'
key Q
check "UTF-8: the program ends" wait_for '^EXITED 0$'
t_done
