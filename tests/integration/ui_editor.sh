#!/bin/sh
# An editor that fails loses nothing it saved. On the compose screen at
# 80x24, driven through tmux against the lab: a new message whose editor
# saves a text and exits 3 goes nowhere, and the text it saved is a draft
# of its own (the status line says which); so is what an editor killed by
# a signal saved; an editor that fails without saving anything leaves no
# draft behind. A recalled draft edited again by an editor that fails
# stays as it was on the compose screen and in the store, and what the
# editor saved is one more draft. An editor that removes its file leaves
# the message as it was. What a failed editor saved that the store does
# not take (a file size limit) is left in its file, which the status
# names, and the next start keeps it. A recalled draft that another
# process takes meanwhile is never made again: changed here, the changes
# are a new draft; unchanged, the compose screen goes; and what the
# editor saved when the program is stopped meanwhile is a new draft.
. "$TOP/tests/lib.sh"
ui_alice uied "ui editor passphrase"

# The editor does what $T/mode says: "fail" saves a Subject and a line
# and exits 3, "kill" saves them and is killed by SIGKILL, "quit" exits 1
# having saved nothing, "ok" saves them and exits 0; "same" exits 0 with
# the file as it was, "rm" removes it and exits 0; "failfull" is "fail"
# after it limits the files of the program (its parent) to 1024 bytes,
# so that the store refuses what it saved; "term" saves them and stops
# the program with SIGTERM while it waits.
cat > "$T/editor.sh" <<EOM
#!/bin/sh
mode=\$(cat "$T/mode")
[ "\$mode" = quit ] && exit 1
[ "\$mode" = same ] && exit 0
[ "\$mode" = rm ] && { rm -f "\$1"; exit 0; }
sed -i "s/^Subject:.*\\\$/Subject: \$mode $ID/; s/^To: *\\\$/To: bob@example.test/" "\$1"
printf 'the line written before it failed (%s)\n' "\$mode" >> "\$1"
case "\$mode" in
failfull) echo \$PPID > "$T/uipid"; prlimit --pid \$PPID --fsize=1024:; exit 3 ;;
fail*) exit 3 ;;
kill) kill -9 \$\$ ;;
term) kill -TERM \$PPID; sleep 10; exit 0 ;;
esac
exit 0
EOM
chmod +x "$T/editor.sh"
# draft_of SUBJECT: the id of the draft of SUBJECT ("" when none).
draft_of() {
	S draft list --json > dl.json
	json dl.json "([str(x['id']) for x in d if x['subject']=='$1'] + [''])[0]"
}
ndrafts() { S draft list --json > dl.json; json dl.json 'len(d)'; }

ui_start "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'

echo fail > "$T/mode"
key m
check "an editor that exits 3: the status says so, and names the draft" \
    wait_for 'the editor exited with status 3; what it saved is draft [0-9]+'
check "the index is back: nothing to send" wait_for 'sealmail: INBOX'
D1=$(draft_of "fail $ID")
check_match "the text it saved is a draft" '^[0-9]+$' "$D1"
check_match "with the line it wrote" \
    'the line written before it failed \(fail\)' "$(S draft show "$D1")"
check_match "and the status names that draft" "draft $D1 " "$(ui_screen)"

echo kill > "$T/mode"
key m
check "an editor killed by SIGKILL: the status says so" \
    wait_for 'the editor was killed by signal 9; what it saved is draft [0-9]+'
D2=$(draft_of "kill $ID")
check_match "what it saved is a draft too" '(kill)' "$(S draft show "$D2")"

n=$(ndrafts)
echo quit > "$T/mode"
key m
check "an editor that saves nothing and exits 1: said" \
    wait_for 'the editor exited with status 1; it saved nothing new'
check_eq "and no draft is made of an untouched template" "$n" "$(ndrafts)"

# A recalled draft, edited again by an editor that fails.
printf 'From: alice@example.test\nTo: bob@example.test\n' > kept.txt
printf 'Subject: kept %s\n\nfirst words\n' "$ID" >> kept.txt
D3=$(S draft save kept.txt)
check_match "a draft saved from the command line" '^[0-9]+$' "$D3"
key R
check "R lists the drafts" wait_for 'sealmail: drafts'
check "the draft is listed" wait_for "kept $ID"
ui_open_msg "kept $ID"
check "the recalled draft's compose screen" wait_for "Subject: kept $ID"
echo fail2 > "$T/mode"
key e
check "e with an editor that fails: said, with the new draft" \
    wait_for 'the editor exited with status 3; what it saved is draft [0-9]+'
check "the message on the screen is as it was" wait_for "Subject: kept $ID"
check_eq "and so is the draft in the store" \
    "$(cat kept.txt)" "$(S draft show "$D3")"
D4=$(draft_of "fail2 $ID")
check_match "what the editor saved is a draft of its own" \
    'first words.*before it failed \(fail2\)' \
    "$(S draft show "$D4" | tr '\n' ' ')"
check "the compose screen still asks" wait_for '^Send\?  y:send'
# alice has no identity yet: y says what to do, in words that hold on
# this screen (s turns signing off), and within its 80 columns.
key y
check "y without an identity: the reason, and what to do here" wait_for \
    '^no identity for alice@example.test: keys import FILE.p12, or turn signing off$'
check "the message stays on the compose screen" wait_for "Subject: kept $ID"
echo rm > "$T/mode"
key e
check "an editor that removes its file: said" \
    wait_for 'cannot read the message back from the editor'
check "the message is as it was" wait_for "Subject: kept $ID"
key q
check "q asks" wait_for 'Postpone this message'
key n
check "discarded" wait_for 'message discarded'

# What a failed editor saved, refused by the store, is left in its file.
echo failfull > "$T/mode"
key m
check "the store did not take what the failed editor saved: said" \
    wait_for 'status 3; the store did not take what it saved'
f=$(grep -rlF 'before it failed (failfull)' "$H/tmp" 2>/dev/null)
check_match "its file is left in the private directory" "^$H/tmp/draft-" "$f"
check_eq "in one file" 1 "$(printf '%s\n' "$f" | grep -c .)"
prlimit --pid "$(cat "$T/uipid")" --fsize=unlimited:
check_eq "it is not a draft yet" "" "$(draft_of "failfull $ID")"

# recall SUBJECT: R, and the compose screen of the draft of SUBJECT.
recall() {
	key R
	check "R lists the drafts" wait_for 'sealmail: drafts'
	check "the draft is listed" wait_for "$1"
	ui_open_msg "$1"
	check "its compose screen" wait_for "Subject: $1"
}
# taken WORD BODY: a draft of Subject "WORD $ID" and the line BODY,
# saved from the command line, recalled here, then queued by another
# process; its id in TAKEN.
taken() {
	printf 'From: alice@example.test\nTo: bob@example.test\n' > "$1.txt"
	printf 'Subject: %s %s\n\n%s\n' "$1" "$ID" "$2" >> "$1.txt"
	TAKEN=$(S draft save "$1.txt")
	recall "$1 $ID"
	S send --no-sign --no-encrypt --draft "$TAKEN" >send.out 2>&1
}
# A recalled draft sent by another process, then changed here.
taken taken "words sent elsewhere"
D5=$TAKEN
check_eq "another process queues it" "" "$(draft_of "taken $ID")"
echo ok > "$T/mode"
key e
check "e then: the screen says another process took it" \
    wait_for "draft $D5 was queued, sent or deleted by another process"
S draft show "$D5" >/dev/null 2>&1 && notok "draft $D5 is not made again" ||
    ok "draft $D5 is not made again"
D6=$(draft_of "ok $ID")
check_match "the changes are a new draft" '^[0-9]+$' "$D6"
[ "$D6" != "$D5" ] && ok "under another id" || notok "under another id"
check_match "with them" 'words sent elsewhere.*before it failed \(ok\)' \
    "$(S draft show "$D6" | tr '\n' ' ')"
check "the compose screen shows the changed message" wait_for "Subject: ok $ID"
key q
check "q asks" wait_for 'Postpone this message'
key n
check "the new draft discarded" wait_for 'message discarded'

# The same, unchanged here: nothing is kept, and the screen goes.
n=$(ndrafts)
taken untouched "as sent"
D7=$TAKEN
echo same > "$T/mode"
key e
check "an unchanged message: the screen says another process took it" \
    wait_for "draft $D7 was queued, sent or deleted by another process"
check "and the compose screen goes" wait_for 'sealmail: INBOX'
S draft show "$D7" >/dev/null 2>&1 && notok "draft $D7 is not made again" ||
    ok "draft $D7 is not made again"
check_eq "no draft is made" "$n" "$(ndrafts)"
key Q
check "the program ends" wait_for 'EXITED 0'

# The next start keeps what the failed editor saved.
ui_restart "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the next start keeps the file" wait_for '1 unsent message kept as draft'
check_match "as a draft" '(failfull)' "$(S draft show "$(draft_of "failfull $ID")")"
check_eq "and the file is gone" "" \
    "$(grep -rlF 'before it failed (failfull)' "$H/tmp" 2>/dev/null)"
key Q
check "the program ends" wait_for 'EXITED 0'

# The program stopped while the editor holds a recalled draft that
# another process took meanwhile: what the editor saved is a new draft,
# not shredded.
ui_restart "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens again" wait_for 'sealmail: INBOX'
taken stopped "words of the draft"
D8=$TAKEN
echo term > "$T/mode"
key e
check "SIGTERM while the editor runs ends the program" wait_for 'EXITED'
D9=$(draft_of "term $ID")
check_match "what the editor saved is a new draft" '^[0-9]+$' "$D9"
check_match "with its changes" 'words of the draft.*before it failed \(term\)' \
    "$(S draft show "$D9" | tr '\n' ' ')"
t_done
