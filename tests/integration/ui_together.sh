#!/bin/sh
# The terminal program beside a sync that is storing: a message read in
# the pager is marked read, also when a sync run from the command line
# stores another folder at that moment (the mark once failed without a
# word, and the message stayed unread).
. "$TOP/tests/lib.sh"
ui_alice uitog "ui together passphrase"
N=1500
G="uitog2$$"
GD="$MD/.$G"
trap '$TM kill-server 2>/dev/null; rm -rf "$FD" "$GD"' EXIT
mkdir -p "$GD/cur" "$GD/new" "$GD/tmp"
maildir_fill "$FD" 12
maildir_fill "$GD" "$N"
check "the first folder is synced" S sync --folder "$FOLD"
ui_start "$H" 100x30
check "the program opens" wait_for 'sealmail: INBOX'
check "the first folder opens" ui_open_folder "$FOLD"

# Each message is opened while the sync stores, then q back.
S sync --folder "$G" >"$T/s" 2>"$T/e" & p=$!
opened=0
while kill -0 $p 2>/dev/null && [ $opened -lt 10 ]; do
	key Enter
	wait_for 'message [0-9]+ of 12' 30 >/dev/null 2>&1 || break
	key q
	wait_for "sealmail: $FOLD" 30 >/dev/null 2>&1 || break
	key k
	opened=$((opened + 1))
done
wait $p; rc=$?
echo "# $opened messages opened while the sync stored"
check_eq "the sync ends well" 0 "$rc"
check_match "messages were opened meanwhile ($opened)" '^([1-9]|10)$' \
    "$opened"
S list --json --folder "$FOLD" >"$T/l.json"
check_eq "every message opened is marked read" "$opened" \
    "$(json "$T/l.json" "len([x for x in d if '\\\\Seen' in x['flags']])")"
t_done
