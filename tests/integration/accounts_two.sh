#!/bin/sh
# Two accounts in one home on the lab: alice and bob. sync without
# --account syncs both; each account's folders, flags and messages stay
# its own; the folder list groups them with their unread counts; and in
# the terminal program a reply from bob's INBOX goes out From bob,
# through bob's login, as Dovecot shows in alice's mailbox.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-acct-$$"
lab_home "$T/home" 'two accounts passphrase'
secret "$T/bobpw" "$LAB_BOB_PASS"
# account WHO NAME: WHO's account on the lab, named NAME.
account() {
	lab_account "$1" "$1@example.test" "imaps://localhost:$LAB_IMAPS_PORT" \
	    "submission://localhost:$LAB_SUBMISSION_PORT" "$T/$1pw" \
	    "name     = $2" 'encrypt  = no'
}
{ account alice 'Alice Example'; account bob 'Bob Example'; } > "$H/config"
check "alice's identity imports" S keys import "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
check "bob's identity imports" S keys import "$LAB_SMIME_DIR/bob.p12" --passphrase-file "$T/p12pw"
check "the lab CA becomes a trust anchor" S keys trust "$LAB_CA"

# One message in each INBOX, as Dovecot would deliver it.
TAG="acct$$x$(date +%s)"
# What this script delivered leaves the shared mailboxes with it.
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"' EXIT
put() {	# put USER FILE
	_md="$LAB_MAIL_DIR/example.test/$1/Maildir"
	mkdir -p "$_md/cur" "$_md/new" "$_md/tmp"
	_put=$((${_put:-0} + 1))
	tr -d '\r' < "$2" > "$_md/new/$(date +%s).acct$_put.$$.lab"
	chown -R --reference="$LAB_MAIL_DIR" "$_md" 2>/dev/null
	chown -R nobody:nogroup "$LAB_MAIL_DIR" 2>/dev/null
}
# note NAME FROM TO: a message from FROM (named NAME) for TO alone.
note() {
	printf 'From: %s <%s@example.test>\nTo: %s@example.test\n' "$1" "$2" "$3"
	printf 'Subject: for %s %s\nDate: %s\n' "$3" "$TAG" "$(LC_ALL=C date -R)"
	printf 'Message-ID: <%.1s-%s@example.test>\n\n' "$3" "$TAG"
	printf 'Only %s has this one.\n' "$3"
}
note 'Bob Example' bob alice > "$T/to-alice"
note 'Alice Example' alice bob > "$T/to-bob"
put alice "$T/to-alice"
put bob "$T/to-bob"
# One sent to both of them, a copy in each INBOX (its Subject without
# TAG, so that each INBOX above holds one message of TAG).
BOTH="both$$"
{
	printf 'From: Carol <carol@example.test>\n'
	printf 'To: alice@example.test, bob@example.test\n'
	printf 'Subject: for %s\nDate: %s\n' "$BOTH" "$(LC_ALL=C date -R)"
	printf 'Message-ID: <both-%s@example.test>\n\nFor the two of you.\n' "$TAG"
} > "$T/to-both"
put alice "$T/to-both"
put bob "$T/to-both"

check "sync without --account syncs both" sh -c '"$@" > "$0/sync.out" 2>"$0/sync.err"' "$T" \
    "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" sync
check_match "alice's summary" '^alice: synced [0-9]+ folder' "$(cat "$T/sync.out")"
check_match "bob's summary" '^bob: synced [0-9]+ folder' "$(cat "$T/sync.out")"
S sync --json > "$T/sync.json"
check_eq "sync --json of two accounts is one array of their summaries" "alice bob" \
    "$(json "$T/sync.json" "' '.join(x['account'] for x in d)")"
# shellcheck disable=SC2046 # the members are words
check_eq "sealmail(1) names every member of a summary" "" \
    "$(man_unnamed '^\.It Cm sync ' '^\.It Cm watch' \
    $(json "$T/sync.json" "' '.join(d[0].keys())"))"

# A folder the server does not have: the sync fails, naming it, and
# leaves no empty folder of that name behind, in the store or the list.
TYPO="Tpyo$$"
check_fails "sync --folder of a folder neither server has fails" \
    "Mailbox doesn't exist: $TYPO" S sync --folder "$TYPO"
check_fails "list --folder of it is still an error" "no folder '$TYPO'" \
    S list --account bob --folder "$TYPO"

subjects() { S list --json --account "$1" --folder INBOX | json /dev/stdin "' '.join(x['subject'] for x in d if '$TAG' in x['subject'])"; }
check_eq "alice's INBOX holds only hers" "for alice $TAG" "$(subjects alice)"
check_eq "bob's INBOX holds only his" "for bob $TAG" "$(subjects bob)"
# Without --account, list and search read the first account's mail.
check_eq "list without --account: the first account's (alice's)" "for alice $TAG" \
    "$(S list --json --folder INBOX | json /dev/stdin "' '.join(x['subject'] for x in d if '$TAG' in x['subject'])")"
check_eq "search without --account: the first account's (alice's)" "alice" \
    "$(S search --json "$TAG" | json /dev/stdin "' '.join(x['account'] for x in d)")"
check_eq "search --account bob: bob's" "bob" \
    "$(S search --json --account bob "$TAG" | json /dev/stdin "' '.join(x['account'] for x in d)")"
# Every member of list --json is named in sealmail(1)'s entry for list.
# shellcheck disable=SC2046 # the members are words
check_eq "sealmail(1) names every member of list --json" "" \
    "$(man_unnamed '^\.Cm list$' '^\.It Cm show' \
    $(S list --json --thread --account bob --folder INBOX |
    json /dev/stdin "' '.join(d[0].keys())"))"
check_eq "each message names its account" "bob" \
    "$(S list --json --account bob --folder INBOX | json /dev/stdin "' '.join(x['account'] for x in d if '$TAG' in x['subject'])")"

# Mail sent to both is answered From the account whose INBOX holds the
# copy answered.
both_id() { S list --json --account "$1" --folder INBOX | json /dev/stdin "[x['id'] for x in d if x['subject'] == 'for $BOTH'][0]"; }
check_match "a reply in bob's INBOX to mail sent to both is From bob" \
    '^From: .*<bob@example.test>' "$(S reply "$(both_id bob)" | head -1)"
check_match "one in alice's is From alice" '^From: .*<alice@example.test>' \
    "$(S reply "$(both_id alice)" | head -1)"

# A flag set on bob's message stays bob's.
bid=$(S list --json --account bob --folder INBOX | json /dev/stdin "[x['id'] for x in d if '$TAG' in x['subject']][0]")
aid=$(S list --json --account alice --folder INBOX | json /dev/stdin "[x['id'] for x in d if '$TAG' in x['subject']][0]")
check "bob's message is flagged" S flag "$bid" '\Flagged'
check_match "bob's has the flag" 'Flagged' "$(S list --json --account bob --folder INBOX | json /dev/stdin "[x['flags'] for x in d if x['id'] == $bid][0]")"
check_nomatch "alice's has not" 'Flagged' "$(S list --json --account alice --folder INBOX | json /dev/stdin "[x['flags'] for x in d if x['id'] == $aid][0]")"

# A failure of one account is said once, naming it; the other still syncs.
sed -i "s|cat \"$T/bobpw\"|false|" "$H/config"
check_fails "a sync where bob's password is missing fails" 'account bob: ' S sync
S sync > "$T/sync2.out" 2> "$T/sync2.err"
check_match "alice is still synced" '^alice: synced' "$(cat "$T/sync2.out")"
check_match "the last line names bob's account" '^sealmail: account bob: ' "$(tail -1 "$T/sync2.err")"
check_eq "and is the only line" 1 "$(grep -c '^sealmail:' "$T/sync2.err")"
# On a terminal the accounts are synced one after the other, in this
# process: each summary and each failure names its account all the same,
# and each failure gives its own reason. tty_sync FILE: sync on a
# terminal, the screen into FILE.
tty_sync() {
	$TM new-session -d -s sync -x 150 -y 20 "'$SEALMAIL' --home '$H' \
	    --passphrase-file '$T/pw' sync; echo EXITED \$?; sleep 60"
	_i=0
	while [ $_i -lt 150 ] && ! $TM capture-pane -p -t sync | grep -q EXITED
	do sleep 0.1; _i=$((_i + 1)); done
	$TM capture-pane -p -t sync > "$1"
	$TM kill-session -t sync
}
tty_sync "$T/sync3.out"
check_match "on a terminal: alice's summary names her account" \
    '^alice: synced [0-9]+ folder' "$(cat "$T/sync3.out")"
check_match "... bob's failure names his" '^sealmail: account bob: ' \
    "$(cat "$T/sync3.out")"
check_match "... and the sync exits 1" '^EXITED 1' "$(cat "$T/sync3.out")"
sed -i "s|cat \"$T/alicepw\"|echo not-her-password|" "$H/config"
tty_sync "$T/sync4.out"
check_match "both failing: alice's line gives her reason" \
    '^sealmail: account alice: .*login refused' "$(cat "$T/sync4.out")"
check_nomatch "... and bob's line his, not hers" \
    '^sealmail: account bob: .*login refused' "$(cat "$T/sync4.out")"
check_match "... which is still said" '^sealmail: account bob: ' \
    "$(cat "$T/sync4.out")"
sed -i "s|echo not-her-password|cat \"$T/alicepw\"|" "$H/config"
sed -i "s|password-command = false|password-command = cat \"$T/bobpw\"|" "$H/config"

# arrived SUBJECT: a copy of the first file in alice's mailbox with Subject
# SUBJECT (10 s at most).
arrived() {
	_i=0
	while [ $_i -lt 100 ]; do
		_got=$(grep -rl "^Subject: $1" "$LAB_MAIL_DIR/example.test/alice/Maildir/new" "$LAB_MAIL_DIR/example.test/alice/Maildir/cur" 2>/dev/null | head -1)
		# A sync may move it from new/ to cur/ at any moment: what is
		# read after is a copy.
		[ -n "$_got" ] && cp "$_got" "$T/arrived.eml" 2>/dev/null &&
		    { echo "$T/arrived.eml"; return 0; }
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

# send without --account: through the account the message is From, a
# file or a draft alike.
for how in file draft; do
	printf 'From: Bob Example <bob@example.test>\nTo: alice@example.test\nSubject: cli %s %s\n\nSent from the command line.\n' \
	    "$how" "$TAG" > "$T/cli-$how"
done
check "send FILE From bob, no --account" S send --no-encrypt "$T/cli-file"
did=$(S draft save "$T/cli-draft" | grep -o '[0-9][0-9]*' | head -1)
check "send --draft From bob, no --account" S send --no-encrypt --draft "$did"
for how in file draft; do
	got=$(arrived "cli $how $TAG")
	check_match "the $how arrives From bob" '^From: .*bob@example.test' "$(grep -m1 '^From:' "$got" 2>/dev/null)"
done

# The terminal program: the folders of each account apart, with unread
# counts; a reply from bob's INBOX is From bob.
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: alice@example.test/; s/^Subject: *\$/Subject: new from bob $TAG/' "\$1"
printf 'Written in the terminal program.\\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 120x40 "HOME='$T' EDITOR='$T/editor.sh'"
screen() { ui_screen; }
wait_for() { ui_wait_for "$1"; }
check "the first account's INBOX opens" wait_for 'sealmail: alice: INBOX \([0-9]+\)'
check "it shows alice's message" wait_for "for alice $TAG"
check_nomatch "and not bob's" "for bob $TAG" "$(screen)"
ui_press "the folders" 'sealmail: folders' c
check_match "grouped under alice" '^alice' "$(screen)"
check_match "and under bob" '^bob' "$(screen)"
check_nomatch "with no folder the servers do not have" "$TYPO" "$(screen)"
brow=$(screen | grep -n '^bob' | head -1 | cut -d: -f1)
irow=$(screen | sed -n "$((brow + 1)),\$p" | grep -n '^ *INBOX ' | head -1 | cut -d: -f1)
irow=$((brow + ${irow:-1}))
check_match "bob's INBOX with its unread count" '^ +INBOX +[0-9]+  [0-9]+ unread' \
    "$(screen | sed -n "${irow}p")"
i=2; while [ "$i" -lt "$irow" ]; do $TM send-keys -t ui j; i=$((i + 1)); done
ui_press "bob's INBOX opens" 'sealmail: bob: INBOX \([0-9]+\)' Enter
check "with bob's message" wait_for "for bob $TAG"
check_nomatch "and not alice's" "for alice $TAG" "$(screen)"
ui_open_msg "for bob $TAG"
check "the pager opens it" wait_for "Subject: for bob $TAG"
check_match "its title names bob's account with the folder" \
    '^ sealmail: message [0-9]+ of [0-9]+ in bob: INBOX \(id [0-9]+\)' \
    "$(screen | head -1)"
# sent_from_bob KEY SUBJECT: KEY writes a message, y sends it; in Dovecot
# alice's INBOX gets it From bob (Postfix takes a sender only from its own
# login), signed.
sent_from_bob() {
	ui_press "$1 writes a message that waits to be sent" 'y:send' "$1"
	ui_press "it is sent" 'sent <' y
	got=$(arrived "$2")
	check "it reaches alice's mailbox" test -n "$got"
	check_match "From bob" '^From: .*bob@example.test' "$(grep -m1 '^From:' "$got" 2>/dev/null)"
	check_match "signed" 'application/(pkcs7|x-pkcs7)-signature' "$(cat "$got" 2>/dev/null)"
}
sent_from_bob r "Re: for bob $TAG"
sent=$(grep -rl "^Subject: Re: for bob $TAG" "$LAB_MAIL_DIR/example.test/bob/Maildir/.Sent" 2>/dev/null | head -1)
check "its copy is in bob's Sent" test -n "$sent"

# New mail written from bob's INBOX is From bob too.
ui_press "back in bob's INBOX" 'sealmail: bob: INBOX' q
sent_from_bob m "new from bob $TAG"
# S syncs every account: a message in a folder of bob's that no IDLE
# watches is there after it, under bob.
BF="S$TAG"
_md="$LAB_MAIL_DIR/example.test/bob/Maildir"
mkdir -p "$_md/.$BF/cur" "$_md/.$BF/new" "$_md/.$BF/tmp"
sed "s/^Subject: .*/Subject: in a folder $TAG/" "$T/to-bob" > "$_md/.$BF/new/$(date +%s).s.$$.lab"
chown -R --reference="$_md" "$_md/.$BF"
# bob_folder subscribe|delete NAME: on the server, as bob.
bob_folder() {
	python3 - "$LAB_IMAPS_PORT" "$LAB_CA" "$LAB_BOB" "$LAB_BOB_PASS" "$1" "$2" <<'PY'
import imaplib, ssl, sys
port, ca, user, pw, what, folder = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
c = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
c.login(user, pw)
if what == "subscribe":
    c.subscribe(folder)
else:
    c.unsubscribe(folder)
    c.delete(folder)
c.logout()
PY
}
trap '$TM kill-server 2>/dev/null; lab_forget "$TAG"; bob_folder delete "$BF"' EXIT
bob_folder subscribe "$BF"
$TM send-keys -t ui S
i=0
while [ $i -lt 30 ]; do
	$TM send-keys -t ui c
	sleep 0.3
	screen | grep -q "^ *$BF " && break
	$TM send-keys -t ui q
	sleep 0.5; i=$((i + 1))
done
frow=$(screen | grep -n "^ *$BF " | head -1 | cut -d: -f1)
brow=$(screen | grep -n '^bob' | head -1 | cut -d: -f1)
check "after S the new folder is listed" test -n "$frow"
check "under bob" test "${frow:-0}" -gt "${brow:-99}"
check_match "with its message, unread" "^ +$BF +1  1 unread" "$(screen | grep "^ *$BF ")"

# Each account's outbox and drafts are its own: a draft and a queued
# message of bob's are listed under bob, and only there.
$TM send-keys -t ui q
printf 'From: Bob Example <bob@example.test>\nTo: alice@example.test\nSubject: bob postponed %s\n\nLater.\n' \
    "$TAG" > "$T/bob-draft"
check "a draft of bob's is kept" S draft save "$T/bob-draft"
check_eq "draft list --json says it is bob's" bob \
    "$(S draft list --json | json /dev/stdin "[x['account'] for x in d if x['subject'] == 'bob postponed $TAG'][0]")"
printf 'From: Bob Example <bob@example.test>\nTo: alice@example.test\nSubject: bob queued %s\n\nNot yet.\n' \
    "$TAG" > "$T/bob-queued"
sed -i "s|cat \"$T/bobpw\"|false|" "$H/config"
check_fails "a send of bob's without his password fails" 'password-command failed' S send --no-encrypt "$T/bob-queued"
sed -i "s|password-command = false|password-command = cat \"$T/bobpw\"|" "$H/config"
check_match "and waits in the outbox" "bob queued $TAG" "$(S outbox 2>/dev/null)"
# --account keeps each account's outbox and drafts apart on the command
# line too.
for f in drafts outbox; do
	check_match "list --account bob --folder $f: his" "bob (postponed|queued) $TAG" \
	    "$(S list --json --account bob --folder $f)"
	check_nomatch "list --account alice --folder $f: not his" "bob (postponed|queued) $TAG" \
	    "$(S list --json --account alice --folder $f)"
done
# Without --account list lists the first account's, alice's, as in INBOX.
for f in drafts outbox; do
	out=$(S list --json --folder $f)
	check_match "list --folder $f prints an array" '^\[' "$out"
	check_nomatch "list --folder $f: the first account's, not bob's" \
	    "bob (postponed|queued) $TAG" "$out"
done
check_nomatch "outbox --account alice: not his" "bob queued $TAG" \
    "$(S outbox --account alice)"
check_nomatch "draft list --account alice: not his" "bob postponed $TAG" \
    "$(S draft list --account alice)"
check_error "list --folder drafts of an account not configured" 1 \
    'no account named nosuch' S list --account nosuch --folder drafts
# section ACCOUNT: the folder list's lines under ACCOUNT's heading.
section() {
	screen | awk -v a="$1" '/^[^ ]/ { on = ($1 == a); next } on'
}
# on_line ACCOUNT NAME KEY: KEY on the line NAME under ACCOUNT.
on_line() {
	_h=$(screen | grep -n "^$1 *\$" | head -1 | cut -d: -f1)
	_r=$(screen | sed -n "$((_h + 1)),\$p" | grep -n "^ *$2 " | head -1 | cut -d: -f1)
	_r=$((_h + ${_r:-1}))
	_i=2; while [ "$_i" -lt "$_r" ]; do $TM send-keys -t ui j; _i=$((_i + 1)); done
	$TM send-keys -t ui "$3"
}
# open_in ACCOUNT NAME: Enter on the line NAME under ACCOUNT.
open_in() { on_line "$1" "$2" Enter; }
ui_press "the folders again" 'sealmail: folders' c
check_match "bob's outbox counts his queued message" '^    outbox +1  \(messages not yet sent' "$(section bob)"
check_match "bob's drafts count his draft" '^    drafts +1  \(postponed' "$(section bob)"
check_match "alice's outbox is empty" '^    outbox +0 ' "$(section alice)"
check_match "and alice has no drafts" '^    drafts +0 ' "$(section alice)"
open_in bob outbox
check "bob's outbox opens" wait_for 'sealmail: bob: outbox'
check "with his queued message" wait_for "queued .*bob queued $TAG"
ui_press "the folders once more" 'sealmail: folders' q c
open_in alice outbox
check "alice's outbox opens" wait_for 'sealmail: alice: outbox'
check "and is empty" wait_for 'The outbox is empty'
ui_press "the folders for the drafts" 'sealmail: folders' q c
open_in bob drafts
check "bob's drafts open" wait_for 'sealmail: bob: drafts'
check "with his draft" wait_for "bob postponed $TAG"
ui_press "the folders for alice's INBOX" 'sealmail: folders' q c
open_in alice INBOX
check "alice's INBOX opens" wait_for 'sealmail: alice: INBOX'
# s offers the folders of the message's own account, not bob's.
ui_press "s in alice's INBOX asks for a folder" 'Move to folder:' s
$TM send-keys -t ui -l "${BF%"${BF#????}"}"
$TM send-keys -t ui Tab
check "Tab does not complete a folder of bob's" wait_for 'no folder begins so'
check_nomatch "nor shows its name" "$BF" "$(screen | tail -1)"
$TM send-keys -t ui C-u
$TM send-keys -t ui -l Tra
$TM send-keys -t ui Tab
check "it completes alice's own" wait_for 'Move to folder: Trash'
$TM send-keys -t ui Escape
check "Escape leaves the message where it was" wait_for "for alice $TAG"
# Over alice's INBOX, m and R are of the account the screen on top is
# about: bob's folder under the cursor, bob's outbox.
ui_press "the folders over alice's INBOX" 'sealmail: folders' c
on_line bob INBOX m
check "m on bob's INBOX line writes From bob" \
    wait_for '^From: +Bob Example <bob@example.test>'
check "which is discarded" ui_discard
ui_press "back in alice's INBOX" 'sealmail: alice: INBOX' q
ui_press "the folders over it again" 'sealmail: folders' c
open_in bob outbox
check "bob's outbox opens over alice's INBOX" wait_for 'sealmail: bob: outbox'
ui_press "m in bob's outbox writes From bob" \
    '^From: +Bob Example <bob@example.test>' m
check "which is discarded" ui_discard
ui_press "R in bob's outbox: his drafts" 'sealmail: bob: drafts' R
ui_press "back in alice's INBOX" 'sealmail: alice: INBOX' q q
ui_press "R in alice's index: her drafts" 'sealmail: alice: drafts' R
check "where bob's is not" wait_for 'There are no drafts'
ui_press "back in bob's INBOX" 'sealmail: bob: INBOX' q q
ui_press "R in bob's index: his drafts" 'sealmail: bob: drafts' R
check "with his draft" wait_for "bob postponed $TAG"
$TM send-keys -t ui q
ui_press "Q quits" 'EXITED 0' Q
t_done
