# Sourced by tests/bench/run.sh: the first sync of bob's INBOX as it grows
# through $SIZES, against mbsync with FSync yes and with FSync no, and the
# time until every message is searchable against mbsync followed by
# notmuch new on the same mail. Leaves $H (sealmail's home) and $W/mbsync
# (mbsync's Maildir, indexed by notmuch in $W/notmuch) holding the largest
# mailbox.
SEC="Sync as the mailbox grows (bob's INBOX over IMAPS from the lab's Dovecot)"
DURABLE="durability: mbsync FSync yes flushes every message file and its state; FSync no flushes nothing (a power loss may lose what the page cache held); sealmail commits one SQLCipher transaction per 200 messages, WAL with synchronous=NORMAL (flushed at checkpoints: a power loss may undo the last transactions, which the next sync fetches again, and never leaves a torn store)"
say ""
say "== $SEC: $SIZES messages of 2-50 KB (10% signed, 5% signed+encrypted)"
say "  $DURABLE"
how "each side fetches every folder of bob's account whole (INBOX holds \
the messages; Drafts, Sent and Trash are empty) over IMAPS from the same \
Dovecot, on the same two CPUs, unpinned. Every round starts each side \
empty (mbsync's Maildir and state removed; sealmail's home made anew and \
bob's key imported, not timed) and runs mbsync FSync no, mbsync FSync \
yes, notmuch new on that Maildir, sealmail sync, then sealmail's first \
search. The server is warm for every client: Dovecot indexed the grown \
mailbox once before the rounds, and its files are in the page cache. \
Until searchable: mbsync (FSync yes) plus notmuch new against sealmail's \
sync plus its first search, which indexes what the sync left; notmuch \
indexes the plain text, sealmail the decrypted text of the encrypted \
messages too. Nothing new: the largest mailbox, each side syncing again \
what it has, twice as many rounds."

# mbrc FILE YES|NO: mbsync IMAPS into a Maildir, every folder, as sealmail.
mbrc() {
	cat > "$1" <<EOM
FSync $2

IMAPAccount bob
Host localhost
Port $LAB_IMAPS_PORT
User $LAB_BOB
Pass $LAB_BOB_PASS
SSLType IMAPS
CertificateFile $LAB_CA

IMAPStore bob-remote
Account bob

MaildirStore bob-local
Path $W/mbsync/
Inbox $W/mbsync/INBOX

Channel bob
Far :bob-remote:
Near :bob-local:
Patterns *
Create Near
Sync Pull
SyncState *
EOM
}
mbrc "$W/mbsync-yes" yes
mbrc "$W/mbsync-no" no
mbfresh() {
	rm -rf "$W/mbsync" "$W/notmuch" && mkdir -p "$W/mbsync" "$W/notmuch"
}

cat > "$W/notmuch-config" <<EOM
[database]
path=$W/notmuch
mail_root=$W/mbsync
[user]
name=Bob
primary_email=$LAB_BOB
[new]
tags=inbox;
ignore=.mbsyncstate;.mbsyncstate.journal;.mbsyncstate.new;.uidvalidity;.mbsyncstate.lock
[search]
exclude_tags=
[maildir]
synchronize_flags=false
EOM
export NOTMUCH_CONFIG="$W/notmuch-config"

# sealmail: the store key in the lab's Secret Service, as for a desktop user.
H="$W/home"
SMH() { "$SM" --home "$H" "$@"; }
fresh_home() {
	rm -rf "$H" && mkdir -p "$H" && chmod 700 "$H"
	cat > "$H/config" <<EOM
[account bob]
address = $LAB_BOB
imap = imaps://localhost:$LAB_IMAPS_PORT
smtp = submissions://localhost:$LAB_SUBMISSIONS_PORT
password-command = echo $LAB_BOB_PASS
ca-file = $LAB_CA
EOM
	SMH keys import "$LAB_SMIME_DIR/bob.p12" --passphrase-file \
	    "$LAB_SMIME_DIR/p12-pass" >/dev/null 2>&1
	SMH keys trust "$LAB_CA" >/dev/null 2>&1
}

have=0
for size in $SIZES; do
	python3 "$TOP/tests/bench/gen.py" maildir "$MD" $((size - have)) 7 \
	    "$LAB_SMIME_DIR" "$have"
	have=$size
	chown -R nobody:nogroup "$LAB_DIR/mail" 2>/dev/null
	# Dovecot indexes the grown mailbox once, for every client alike.
	curl -s --ssl-reqd --cacert "$LAB_CA" \
	    "imaps://localhost:$LAB_IMAPS_PORT/INBOX" \
	    -u "$LAB_BOB:$LAB_BOB_PASS" -X 'EXAMINE INBOX' >/dev/null
	mby="" mbn="" s1="" ss="" nm="" mbnm=""
	for r in $(seq "$ROUNDS"); do
		mbfresh
		timeit t mbsync -c "$W/mbsync-no" -q bob
		mbn="$mbn $t"
		mbfresh
		timeit t mbsync -c "$W/mbsync-yes" -q bob
		mby="$mby $t"
		timeit t2 notmuch new --quiet
		nm="$nm $t2"
		mbnm="$mbnm $(add "$t" "$t2")"
		fresh_home
		timeit t SMH sync --json
		s1="$s1 $t"
		# search indexes whatever the sync left unindexed, then answers.
		timeit t2 SMH search --json zanzibar
		ss="$ss $(add "$t" "$t2")"
	done
	nmb=$(find "$W/mbsync/INBOX" -type f \( -path '*/cur/*' -o -path '*/new/*' \) | wc -l)
	nsm=$(SMH list --json --folder INBOX 2>/dev/null | jcount)
	say "  $size messages: mbsync wrote $nmb, sealmail stored $nsm"
	rec "$SEC" "first sync, $size messages" s "$s1" "mbsync, FSync yes" \
	    "$mby" "ratio<=1.0"
	rec "$SEC" "first sync, $size messages" s "$s1" "mbsync, FSync no" \
	    "$mbn" "ratio<=1.0"
	rec "$SEC" "until all $size are searchable" s "$ss" \
	    "mbsync (FSync yes), then notmuch new" "$mbnm" "ratio<=1.0" \
	    "notmuch new alone: $(stats "$nm")"
done

# No change since the last sync, on the largest mailbox.
sleep 1.1	# mbsync pauses when its Maildir changed within the second
mb2="" s2=""
for r in $(seq $((ROUNDS * 2))); do
	timeit t mbsync -c "$W/mbsync-yes" -q bob
	mb2="$mb2 $t"
	timeit t SMH sync --json
	s2="$s2 $t"
done
rec "$SEC" "sync with nothing new, $size messages" s "$s2" \
    "mbsync, FSync yes" "$mb2" "ratio<=1.0" "$DURABLE"
