#!/bin/sh
# An editor that fails loses nothing it saved. On the compose screen at
# 80x24, driven through tmux against the lab: a new message whose editor
# saves a text and exits 3 goes nowhere, and the text it saved is a draft
# of its own (the status line says which); so is what an editor killed by
# a signal saved; an editor that fails without saving anything leaves no
# draft behind. A recalled draft edited again by an editor that fails
# stays as it was on the compose screen and in the store, and what the
# editor saved is one more draft.
. "$TOP/tests/lib.sh"
ui_alice uied "ui editor passphrase"

# The editor does what $T/mode says: "fail" saves a Subject and a line
# and exits 3, "kill" saves them and is killed by SIGKILL, "quit" exits 1
# having saved nothing, "ok" saves them and exits 0.
cat > "$T/editor.sh" <<EOM
#!/bin/sh
mode=\$(cat "$T/mode")
[ "\$mode" = quit ] && exit 1
sed -i "s/^Subject:.*\\\$/Subject: \$mode $ID/; s/^To: *\\\$/To: bob@example.test/" "\$1"
printf 'the line written before it failed (%s)\n' "\$mode" >> "\$1"
case "\$mode" in
fail*) exit 3 ;;
kill) kill -9 \$\$ ;;
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
key q
check "q asks" wait_for 'Postpone this message'
key n
check "discarded" wait_for 'message discarded'
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
