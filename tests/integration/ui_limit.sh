# The terminal program's l (limit the index to what a query selects, the
# query language of list and search), o and O (sort by date, from,
# subject, size or threads; reversed), driven through tmux over mail
# synced from the lab's Dovecot: a reply threaded under its original, a
# word of an encrypted message's decrypted text, a malformed query said
# on the status line, a limit narrowing a search (/).
. "$TOP/tests/lib.sh"
F="uilimit$$"
ui_lab uil "$F"
alice_ui_home 'ui limit passphrase'
MARK="uilmark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
hdr() {	# hdr FROM SUBJECT "DAY HH:MM" TAG [HEADER]
	printf 'From: %s\nTo: alice@example.test\nSubject: %s\nDate: %s Nov 2026 %s:00 +0000\nMessage-ID: <uil-%s-%s@example.test>\n' "$1" "$2" "${3% *}" "${3#* }" "$$" "$4"
	[ -z "${5:-}" ] || printf '%s\n' "$5"
}
{ hdr bob@example.test ul-root "2 10:00" root; printf '\nthe root\n'; } > "$T/m1"
alice_deliver "$T/m1" S
{ hdr carol@example.test ul-other "2 11:00" other; printf '\nanother\n'; } > "$T/m2"
alice_deliver "$T/m2" S
{ hdr dave@example.test "Re: ul-root" "2 12:00" reply \
    "In-Reply-To: <uil-$$-root@example.test>"; printf '\nan answer\n'; } > "$T/m3"
alice_deliver "$T/m3"
printf 'Content-Type: text/plain\n\nthe secret is %s\n' "$MARK" > "$T/b4"
openssl smime -encrypt -aes256 -in "$T/b4" -out "$T/e4" "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
rm -f "$T/b4"
{ hdr bob@example.test ul-sealed "1 09:00" sealed; cat "$T/e4"; } > "$T/m4"
alice_deliver "$T/m4" S
check "sync the test folder" S sync --folder "$F"

screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
# order: the subjects as the index shows them, top to bottom.
order() { screen | grep -o 'Re: ul-root\|ul-[a-z]*' | tr '\n' ' ' | sed 's/ $//'; }
# order_is WHAT EXPECTED: the index shows EXPECTED within 5 s (a sync
# landing redraws the screen; a sample taken mid-redraw is empty).
order_is() {
	_n=0
	while [ $_n -lt 50 ] && [ "$(order)" != "$2" ]; do sleep 0.1; _n=$((_n + 1)); done
	check_eq "$1" "$2" "$(order)"
}

ui_start "$H"
check "the program opens" wait_for 'sealmail: INBOX'
check "the folders" ui_open_folder "$F"
check "the test folder's index" wait_for "sealmail: $F \\(4\\)"
order_is "as stored: in the order they came" "ul-root ul-other Re: ul-root ul-sealed"

ui_answer l from:bob
check "l from:bob limits the index" wait_for "sealmail: $F \\(2\\) limit: from:bob"
order_is "to bob's two" "ul-root ul-sealed"
ui_answer l "$MARK"
check "l finds a word of the decrypted text" wait_for "sealmail: $F \\(1\\) limit: $MARK"
order_is "the encrypted one" "ul-sealed"
ui_answer l "is:unread OR -(from:bob OR from:dave)"
check "l with operators" wait_for "sealmail: $F \\(2\\) limit: is:unread"
order_is "the unread reply and carol's" "ul-other Re: ul-root"
ui_answer l "(oops"
check "a malformed query is said where" wait_for "query: at 1: a '\\(' is not closed"
check "and the limit stays" wait_for "sealmail: $F \\(2\\) limit: is:unread"
ui_answer l ""
check "an empty limit shows everything" wait_for "sealmail: $F \\(4\\)"
for all in all '~A' .; do
	ui_answer l "from:bob"
	check "l from:bob, again" wait_for "sealmail: $F \\(2\\) limit: from:bob"
	ui_answer l "$all"
	check "so does the limit '$all', as in mutt" \
	    wait_for "sealmail: $F \\(4\\)"
	check_nomatch "...and names no limit" 'limit:' "$(ui_screen | head -1)"
done

ui_answer o t
order_is "o t: threads, oldest first by their newest message" "ul-sealed ul-other ul-root Re: ul-root"
check_match "the reply is drawn under its original" 'dave@example.test +└─>Re: ul-root' "$(screen)"
ui_answer O d
order_is "O d: newest first" "Re: ul-root ul-other ul-root ul-sealed"
ui_answer o s
order_is "o s: by subject, Re: set aside" "ul-other ul-root Re: ul-root ul-sealed"
ui_answer o x
check "an unknown order is said" wait_for 'no such order: x'
ui_answer o u
order_is "o u: as stored again" "ul-root ul-other Re: ul-root ul-sealed"
ui_answer / "subject:ul -is:unread"
check "/ searches with the same language" wait_for 'sealmail: search "subject:ul -is:unread" \(3\)'
ui_answer l from:bob
check "l narrows a search" wait_for 'sealmail: search "subject:ul -is:unread" \(2\) limit: from:bob'
order_is "to what both select" "ul-root ul-sealed"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
