# The index as threads (o t), through the terminal program in tmux over
# mail synced from the lab's Dovecot: the tree drawn as mutt draws it
# (├─> └─> │), a subject that carries box-drawing characters unable to
# draw a place in a thread, Esc v (z) collapsing and expanding the
# current thread with the count of what it hides on its root, Esc V (Z)
# every thread, kept across a reload; J in the pager steps over what is
# hidden.
. "$TOP/tests/lib.sh"
F="uithreads$$"
ui_lab uith "$F"
alice_lab_home 'ui threads passphrase'
n=0
msg() {	# msg TAG SUBJECT "DAY HH:MM" [PARENT-TAG [REFERENCES-TAGS]]
	n=$((n + 1))
	{
		printf 'From: bob@example.test\nTo: alice@example.test\n'
		printf 'Subject: %s\nDate: %s Nov 2026 %s:00 +0000\n' "$2" "${3% *}" "${3#* }"
		printf 'Message-ID: <uith-%s-%s@example.test>\n' "$$" "$1"
		[ -z "${4:-}" ] || printf 'In-Reply-To: <uith-%s-%s@example.test>\n' "$$" "$4"
		printf '\nthe text of %s\n' "$1"
	} > "$T/m$n"
	alice_deliver "$T/m$n" S
}
msg root "th-root" "2 10:00"
msg r1 "th-r1" "2 11:00" root
msg r1a "th-r1a" "2 12:00" r1
msg r2 "th-r2" "2 13:00" root
# In the subject, encoded as mail does: box-drawing characters.
msg fake "=?UTF-8?B?$(printf '├─>th-fake └─>' | base64)?=" "2 14:00"
msg other "th-other" "2 15:00"
msg o1 "th-o1" "2 16:00" other
check "sync the test folder" S sync --folder "$F"

# line TAG: the index line of subject TAG (the text after the sender).
line() { ui_screen | grep -o -- "[│ ├└─>(+0-9)-]*$1\\b.*" | head -1 | sed 's/^ *//; s/ *$//'; }

ui_start "$H"
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the test folder's index" ui_wait_for "sealmail: $F \\(7\\)"
ui_press "z in a flat index says how to thread it" 'not threaded: o t threads it' z
ui_answer o t
check "o t: threads" ui_wait_for '└─>th-o1'
check_eq "a root is drawn bare" "th-root" "$(line th-root)"
check_eq "a reply with a sibling still to come" "├─>th-r1" "$(line th-r1)"
check_eq "its reply, under a branch that goes on" "│ └─>th-r1a" "$(line th-r1a)"
check_eq "the last reply" "└─>th-r2" "$(line th-r2)"
check_eq "the other thread" "└─>th-o1" "$(line th-o1)"
check_eq "a subject draws no tree" "-->th-fake -->" "$(line th-fake)"
check_nomatch "the subject's characters are not on the screen" '├─>th-fake' "$(ui_screen)"

# The cursor is on the last message (th-o1); up to th-r1a.
i=0; while [ $i -lt 4 ]; do $TM send-keys -t ui k; i=$((i + 1)); done
ui_press "Esc v collapses the current thread to its root" '\(\+3\) th-root' Escape v
check_nomatch "its replies are hidden" 'th-r1|th-r2' "$(ui_screen)"
check_match "the other thread is open" '└─>th-o1' "$(ui_screen)"
ui_press "the cursor is on the root: Enter reads it" 'the text of root' Enter
ui_press "J steps over the hidden replies" 'the text of fake' J
ui_press "back in the index" "sealmail: $F \\(7\\)" q
$TM send-keys -t ui @
sleep 0.5
check_match "a reload keeps it collapsed" '\(\+3\) th-root' "$(ui_screen)"
ui_press "Esc v expands it again" '│ └─>th-r1a' k k Escape v
ui_press "Esc V collapses every thread" '\(\+1\) th-other' Escape V
check_match "both" '\(\+3\) th-root' "$(ui_screen)"
check_match "a message without replies stays as it is" ' -->th-fake' "$(ui_screen)"
ui_press "Z expands them all" '└─>th-o1' Z
check_match "all" '├─>th-r1' "$(ui_screen)"
ui_press "z collapses the current one" '\(\+3\) th-root' z
check_match "only it" '└─>th-o1' "$(ui_screen)"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
