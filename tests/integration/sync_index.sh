# The search index trails the sync: a sync that brought mail indexes one
# batch of it at least (more only within a quarter of its own time, never
# more than there is); search, and a limit in the terminal program, catch
# up on the rest before they answer, and a sync with nothing new indexes
# nothing.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home" N=1500
F="indextest$$"
alice_folder "$F"
TM="tmux -L sealmail-sidx-$$"
trap '$TM kill-server 2>/dev/null; rm -rf "$FD"' EXIT
alice_config "$H" password
cli_home
# N plain messages of 4 to 40 KB; only the last has the word "ibexword".
python3 - "$FD/cur" "$N" "$$" <<'EOP'
import sys
d, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head = ('From: bob@example.test\nTo: alice@example.test\n'
        'Subject: message {0}\nMessage-ID: <{0}.' + pid + '@example.test>\n\n')
for i in range(1, n + 1):
    text = '{} text for the index, line of message {}\n'.format(
        'ibexword' if i == n else 'filler', i) * ((i % 10 + 1) * 80)
    with open('{}/1700000000.M{}P{}.lab:2,'.format(d, i, pid), 'w') as f:
        f.write(head.format(i) + text)
EOP
chown --reference="$MD" "$FD/cur/"*

sm sync --folder "$F" --json > "$T/sync1.json"; rc=$?
check_eq "the sync exits 0" 0 "$rc"
check_eq "it fetched every message" "$N" "$(json "$T/sync1.json" 'd["fetched"]')"
idx=$(json "$T/sync1.json" 'd["indexed"]')
check_match "it indexed one batch at least, at most what it fetched ($idx)" \
    '^yes$' "$([ "$idx" -ge 200 ] && [ "$idx" -le "$N" ] && echo yes)"
# The terminal program's limit, like search, indexes the rest first.
ui_start "$H"
check "the terminal program opens" ui_wait_for 'sealmail: INBOX'
check "on the test folder" ui_open_folder "$F"
check "with every message" ui_wait_for "sealmail: $F \\($N\\)"
ui_answer l ibexword
check "l finds the last message, which the sync left unindexed" \
    ui_wait_for "sealmail: $F \\(1\\) limit: ibexword"
$TM kill-server 2>/dev/null
sm search --json ibexword > "$T/s.json"; rc=$?
check_eq "search indexes the rest first: the last message is found" \
    "0 message $N" "$rc $(json "$T/s.json" '",".join(x["subject"] for x in d)')"
check_eq "and every message is searchable" "$N" \
    "$(sm search --json 'index' | json /dev/stdin 'len(d)')"
sm sync --folder "$F" --json > "$T/sync2.json"; rc=$?
check_eq "a sync with nothing new indexes nothing" "0 0 0" \
    "$rc $(json "$T/sync2.json" 'd["fetched"]') $(json "$T/sync2.json" 'd["indexed"]')"
t_done
