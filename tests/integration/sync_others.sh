#!/bin/sh
# The same mailbox changed by another client (a phone, say) between two
# syncs, that client being a second IMAP session (python3 imaplib over
# IMAPS with the lab's CA): what each side changed arrives on the other,
# and what the user changed here and had not pushed yet is neither lost
# nor undoes what the other client did.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
F="others$$" G="othersg$$"
alice_folder "$G"; GD=$FD
alice_folder "$F"
# The subscriptions go with the folders: one left dangling would be read
# by every later test's sync.
trap 'other_client "unsubscribe $F" "unsubscribe $G" "unsubscribe ${G}r" \
    "unsubscribe ${F}d" >/dev/null 2>&1
    rm -rf "$FD" "$GD" "$MD/.${G}r" "$MD/.${F}d"' EXIT
alice_config "$T/home" password
cli_home
maildir_fill "$FD" 4 seen

# here FOLDER: the same "UID FLAG..." lines for the store's copy.
here() {
	sm list --json --folder "$1" | python3 -c '
import json, sys
for x in sorted(json.load(sys.stdin), key=lambda x: x["uid"] or 0):
    print(" ".join([str(x["uid"])] + sorted(x["flags"])))'
}
# id FOLDER UID: the store's id of the message UID of FOLDER.
id() {
	sm list --json --folder "$1" |
	    json /dev/stdin "[x['id'] for x in d if x['uid']==$2][0]"
}
# synced: a sync of the test folder, its --json in $T/sync.json.
synced() { sm sync --folder "$F" --json >"$T/sync.json" 2>>"$T/err"; }
# moved WHAT: "flags_in flags_out expunged" of the last sync.
moved() {
	json "$T/sync.json" \
	    '"%d %d %d" % (d["flags_in"], d["flags_out"], d["expunged"])'
}

check "the first sync fetches the folder" synced
check_eq "both sides agree" "$(other_client "flags $F")" "$(here "$F")"

# Both sides change flags of the same messages before the next sync: the
# other client flags 1 and labels it, marks 3 unread and answers 2; here
# the user reads 1, flags 3 and answers 2 as well.
check "the other client changes flags" other_client "select $F" \
    'uid STORE 1 +FLAGS (\Flagged $Phone)' 'uid STORE 3 -FLAGS (\Seen)' \
    'uid STORE 2 +FLAGS (\Answered)'
check "flags are changed here" sm flag "$(id "$F" 1)" +Seen
check "and here" sm flag "$(id "$F" 3)" +Flagged
check "and here, as there" sm flag "$(id "$F" 2)" +Answered
check "the sync after both" synced
check_eq "the server has both sides' changes" \
    "1 \$Phone \\Flagged \\Seen
2 \\Answered
3 \\Flagged
4" "$(other_client "flags $F")"
check_eq "so has the store" "$(other_client "flags $F")" "$(here "$F")"
check "a sync again" synced
check_eq "which changes nothing either way (nothing flip-flops)" "0 0 0" \
    "$(moved)"

# Taken back on both sides: the other client unflags 1 and drops its
# label, the user here marks 1 unread; a keyword the user removes here
# goes, one the other client adds stays.
check "the other client takes its flag back" other_client "select $F" \
    'uid STORE 1 -FLAGS (\Flagged $Phone)' 'uid STORE 4 +FLAGS ($Work)'
check "the user marks 1 unread here" sm flag "$(id "$F" 1)" -Seen
check "and 4 read" sm flag "$(id "$F" 4)" +Seen
check "the sync after both" synced
check_eq "both take-backs hold on the server" \
    "1
2 \\Answered
3 \\Flagged
4 \$Work \\Seen" "$(other_client "flags $F")"
check_eq "and in the store" "$(other_client "flags $F")" "$(here "$F")"

# count QUERY FOLDER: how many messages search finds in FOLDER.
count() {
	sm search --json "$1" |
	    json /dev/stdin "len([x for x in d if x['folder']=='$2'])"
}
maildir_fill "$GD" 3
check "both folders are subscribed" other_client "subscribe $F" "subscribe $G"
check "a sync of every folder" sm sync
check_eq "reads the second folder" 3 "$(count message "$G")"

# The other client renames the second folder, which leaves the old name
# subscribed (Dovecot keeps subscriptions apart from folders), and new
# mail arrives in the test folder.
check "the other client renames the second folder" \
    other_client "rename $G ${G}r" "deliver $F/afterrename"
sm sync >"$T/out" 2>&1; rc=$?
check_eq "a sync of every folder still succeeds" 0 "$rc"
check_nomatch "and says nothing of the dangling subscription" \
    "$G" "$(cat "$T/out")"
check_eq "the mail that came meanwhile is fetched" 1 \
    "$(count afterrename "$F")"
check_eq "the old name's messages are gone from the store" 0 \
    "$(count message "$G")"
check_fails "and so is the old name" "no folder '$G'" sm list --folder "$G"
check "the new name is subscribed" other_client "subscribe ${G}r"
check "a sync again" sm sync
check_eq "the messages are there under the new name" 3 \
    "$(count message "${G}r")"
check_eq "once each" 3 "$(sm search --json message | json /dev/stdin \
    "len([x for x in d if x['folder'].startswith('$G')])")"

# Deleted elsewhere, subscription and all.
check "the other client deletes the folder" \
    other_client "unsubscribe ${G}r" "delete ${G}r"
check "a sync after" sm sync
check_eq "none of its messages is left" 0 "$(sm search --json message |
    json /dev/stdin "len([x for x in d if x['folder'].startswith('$G')])")"

# Moved here after the other client expunged it: the move cannot happen,
# and the copy made for it in the folder moved to goes, or it would be
# listed there while on no server. First with the server reachable, then
# with the move waiting for the next sync (as the terminal program's
# moves do).
check "the other client expunges message 4" other_client "select $F" \
    'uid STORE 4 +FLAGS (\Deleted)' expunge
check_fails "moving it here fails, and says why" \
    "no longer in $F on the server" sm move "$(id "$F" 4)" "${F}d"
check_eq "it is in neither folder" "0 0" \
    "$(count '"message 4"' "$F") $(count '"message 4"' "${F}d")"
cp "$H/config" "$T/config.good"
sed -i "s/^imap = .*/imap = imap:\/\/mail.example.test:1/" "$H/config"
sm move "$(id "$F" 3)" "${F}d" >"$T/out" 2>&1; rc=$?
check_eq "offline, a move is queued (exit 0)" 0 "$rc"
check_match "and says so" "the next sync does it" "$(cat "$T/out")"
cp "$T/config.good" "$H/config"
check "the other client expunges message 3" other_client "select $F" \
    'uid STORE 3 +FLAGS (\Deleted)' expunge
check "the sync that pushes the move succeeds" sm sync
check_eq "message 3 is in neither folder" "0 0" \
    "$(count '"message 3"' "$F") $(count '"message 3"' "${F}d")"
check "a move of a message still there" sm move "$(id "$F" 2)" "${F}d"
check "and a sync" sm sync
check_eq "is where it was moved, once" "0 1" \
    "$(count '"message 2"' "$F") $(count '"message 2"' "${F}d")"

# An id the user saw never names another message: after the other client
# expunged the newest one, the next new message gets an id of its own.
# uidof SUBJECT: its UID in the test folder.
uidof() {
	sm list --json --folder "$F" |
	    json /dev/stdin "[x['uid'] for x in d if x['subject']=='$1'][0]"
}
check "a message comes" other_client "deliver $F/newest"
check "and is synced" sm sync
old=$(sm search --json newest | json /dev/stdin 'd[0]["id"]')
check "the other client expunges it" other_client "select $F" \
    "uid STORE $(uidof newest) +FLAGS (\\Deleted)" expunge
check "a sync" sm sync
check "another message comes" other_client "deliver $F/later"
check "a sync" sm sync
new=$(sm search --json later | json /dev/stdin 'd[0]["id"]')
check_match "it has an id of its own ($old, then $new)" '^yes$' \
    "$([ "$new" -gt "$old" ] && echo yes)"
check_fails "the old id names no message" "no message $old" sm show "$old"
t_done
