# A kept draft's fields as draft list shows them: read by the header
# reader the composer uses (folded To and Subject unfolded as sending
# unfolds them) and its To cut by the address list reader (a quoted
# comma, a comment, a group).
. "$TOP/tests/lib.sh"
cli_home

printf '%s\n' 'From: Me <me@example.test>' \
    'To: "Doe, Jane" <jane@example.test>,' \
    '	bob@example.test (Bob, at home),' \
    ' Team: k@example.test, L <l@example.test>;' \
    'Subject: a long' '  subject' '' 'To: body@example.test' \
    'hello' > "$T/d.txt"
check_eq "draft save keeps the folded draft" 1 \
    "$(sm draft save "$T/d.txt" 2>/dev/null)"
sm draft list --json > "$T/l.json" 2>/dev/null
check_eq "its To, one address per mailbox, the group's members among them" \
    '["jane@example.test", "bob@example.test", "k@example.test", "l@example.test"]' \
    "$(json "$T/l.json" 'd[0]["to"]')"
check_eq "its Subject unfolded as sending unfolds it" "a long  subject" \
    "$(json "$T/l.json" 'd[0]["subject"]')"
check_eq "its From" "Me <me@example.test>" "$(json "$T/l.json" 'd[0]["from"]')"
check_match "draft list shows the whole To, the comma in the name kept" \
    '^1 +"Doe, Jane" <jane@example.test>, +bob@example.test \(Bob, at home\), +Team: k@example.test, L <l@example.test>; +a long  subject' \
    "$(sm draft list 2>/dev/null)"

# A draft with a line that is no field before its To: the reader stops
# there, as sending does (which refuses it, naming the line).
printf 'From: me@example.test\nnot a field\nTo: x@example.test\n\nhi\n' \
    > "$T/bad.txt"
check_eq "a draft with a line that is no field is kept too" 2 \
    "$(sm draft save "$T/bad.txt" 2>/dev/null)"
sm draft list --json > "$T/l.json" 2>/dev/null
check_eq "no To is read past the line that is no field" '[]' \
    "$(json "$T/l.json" '[x for x in d if x["id"] == 2][0]["to"]')"

# draft list --json (and list --folder drafts --json) has list --json's
# members, read from the text as written.
printf '%s\n' 'From: me@example.test' 'To: x@example.test' \
    'Cc: C <c@example.test>, d@example.test' 'Subject: threaded' \
    'Message-ID: <d3@example.test>' 'In-Reply-To: <d1@example.test>' \
    'References: <d0@example.test> <d1@example.test>' '' 'hi' >"$T/th.txt"
check_eq "a threaded draft kept" 3 "$(sm draft save "$T/th.txt" 2>/dev/null)"
sm list --folder drafts --json > "$T/l.json" 2>/dev/null
d3() { json "$T/l.json" "[x for x in d if x['id'] == 3][0]$1"; }
check_eq "list --folder drafts: every member list --json has" "" \
    "$(json "$T/l.json" '" ".join(sorted(set(["id", "folder", "uid", "date", "from", "subject", "flags", "signature", "encryption", "account", "to", "cc", "message_id", "in_reply_to", "references", "size", "attachments"]) - set(d[0])))')"
check_eq "its cc" '["c@example.test", "d@example.test"]' "$(d3 '["cc"]')"
check_eq "its message_id, in_reply_to" "<d3@example.test> <d1@example.test>" \
    "$(d3 '["message_id"]') $(d3 '["in_reply_to"]')"
check_eq "its references" '["<d0@example.test>", "<d1@example.test>"]' \
    "$(d3 '["references"]')"
check_eq "its size, the bytes kept" "$(wc -c <"$T/th.txt")" "$(d3 '["size"]')"
check_eq "no files kept with it" 0 "$(d3 '["attachments"]')"
t_done
