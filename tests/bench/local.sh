# Sourced by tests/bench/run.sh after sync.sh: what reads the local copy,
# both sides local and warm. sealmail's store in $H and mbsync's Maildir
# (indexed by notmuch) in $W/mbsync hold the same $size messages.

SEC="Fixed cost of a process (exec to its answer)"
say ""
say "== $SEC"
how "hyperfine -N (no shell), one warm-up run, then the runs counted; the \
store, the Maildir and notmuch's index local and in the page cache. \
sealmail search and notmuch search (its default output) both print one \
line per hit with its date, sender and subject."
hyper v "--version" "$SM --version"
rec "$SEC" "sealmail --version: exec and libraries alone" ms "$v" "" "" ""
hyper v "keys list" "$SM --home $H keys list"
rec "$SEC" "keys list, store key from the Secret Service, kept for the session" \
    ms "$v" "" "" "ours<=15" \
    "the first process asked the Secret Service and kept the key in the session keyring"
# The first command of a login session asks the Secret Service itself.
cp "$H/config" "$W/config.saved"
printf '\n[security]\nstore-key-cache = 0\n' >> "$H/config"
hyper v "keys list, Secret Service" "$SM --home $H keys list"
cp "$W/config.saved" "$H/config"
rec "$SEC" "keys list, the Secret Service asked each time" ms "$v" "" "" \
    "ours<=15" "store-key-cache = 0: what the first command of a session pays"
# Both print a line of date, sender and subject per hit (notmuch a line
# per thread, and every thread here is one message: gen.py writes no
# replies).
hyper v "search" "$SM --home $H search zanzibar"
hyper p "notmuch" "notmuch search zanzibar"
rec "$SEC" "search with one result, $size messages" ms "$v" \
    "notmuch search" "$p" "ratio<=1.0"
# Without a Secret Service: the store key comes from a passphrase.
H3="$W/home-pass"
mkdir -p "$H3" && chmod 700 "$H3"
printf 'bench passphrase\n' > "$W/pass" && chmod 600 "$W/pass"
NOSS="env -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR SEALMAIL_PASSPHRASE_FILE=$W/pass"
$NOSS "$SM" --home "$H3" keys list >/dev/null 2>&1
hyper v "keys list" "$NOSS $SM --home $H3 keys list"
rec "$SEC" "keys list, no Secret Service, the key kept for the session" ms \
    "$v" "" "" "ours<=15" "the first process derived it with scrypt and kept it in the session keyring"
printf '[security]\nstore-key-cache = 0\n' > "$H3/config"
hyper v "keys list, scrypt" "$NOSS $SM --home $H3 keys list" "$ROUNDS"
rm -f "$H3/config"
rec "$SEC" "keys list, no Secret Service, nothing kept (scrypt each time)" ms \
    "$v" "" "" "ours<=15" "store-key-cache = 0"

SEC="Search, the same $size messages (sealmail's store, notmuch's index of mbsync's Maildir)"
say ""
say "== $SEC"
how "as above, warm; both answer in JSON with each hit's date, sender, \
subject and flags or tags, read from their own index: sealmail search \
--json (list's elements), notmuch search --format=json --output=summary \
(a thread per message here: the mail holds no replies). notmuch indexes \
mbsync's Maildir of the same messages; it does not read encrypted mail, \
so it finds fewer where a word is only in encrypted text."
for w in zanzibar quetzal signature; do
	hyper v "$w" "$SM --home $H search --json $w"
	hyper p "$w" "notmuch search --format=json --output=summary $w"
	nv=$("$SM" --home "$H" search --json "$w" 2>/dev/null | jcount)
	np=$(notmuch count "$w" 2>/dev/null)
	rec "$SEC" "search $w" ms "$v" "notmuch search" "$p" "ratio<=1.0" \
	    "found: sealmail $nv, notmuch $np (notmuch does not read encrypted mail)"
done

# termrun TVAR RSSVAR KEYS SCRIPT: runs SCRIPT in a terminal of its own
# (tests/bench/ptyrun.py: a pseudo-terminal of 80x24) with KEYS typed at
# once; appends its seconds and its peak RSS in MB. Not script(1): while
# typed input waits unread, it sleeps in steps of 250 ms, and a figure
# under 250 ms would read as 250 ms and more.
termrun() {
	local _o
	if ! _o=$(python3 "$TOP/tests/bench/ptyrun.py" "$3" sh "$4" \
	    2>"$W/last.err"); then
		say "  (terminal run of $4 failed: $(tail -1 "$W/last.err"))"
		return 1
	fi
	printf -v "$1" '%s' "${!1} ${_o% *}"
	printf -v "$2" '%s' "${!2} ${_o#* }"
}
# keyrun VAR N STEPKEYS KEYS SCRIPT: runs SCRIPT as termrun does, KEYS
# typed at once; once its screen has settled, N keys typed one at a time
# (round the comma-separated STEPKEYS), each timed from the key written
# to the last byte of its redraw (ptyrun.py --steps), then Q. Appends the
# milliseconds of each key to VAR.
keyrun() {
	local _o
	if ! _o=$(python3 "$TOP/tests/bench/ptyrun.py" --steps "$2" "$3" Q \
	    "$4" sh "$5" 2>"$W/last.err"); then
		say "  (terminal run of $5 failed: $(tail -1 "$W/last.err"))"
		return 1
	fi
	printf -v "$1" '%s' "${!1} $(printf '%s\n' "$_o" | sed 1d |
	    awk '{ print $NF }' | tr '\n' ' ')"
}
# Q quits the terminal program at once, read after the index is drawn.
printf 'exec %s --home %s\n' "$SM" "$H" > "$W/ui.sh"
printf 'exec %s --home %s\n' "$SM" "$W/home2" > "$W/ui2.sh"

SEC="Opening the folder, local and warm, the same $size messages"
say ""
say "== $SEC"
how "each program on a pseudo-terminal of its own (80x24, \
tests/bench/ptyrun.py), timed from its start to its exit after its first \
screen, peak RSS from wait4. Both show the messages in the order they \
came: sealmail as stored (it reads the rows on the screen), neomutt \
with sort=unsorted (it reads every header from its cache). Warm: one run \
of each before the counted rounds, so that neomutt's header cache is \
full and both sides' files are in the page cache."
# Both show the folder in the order it came in, as sealmail does until o or
# O asks for another: neomutt with sort=unsorted (its Maildir's order)
# still reads every header from its cache, sealmail the rows on the screen.
if command -v neomutt >/dev/null; then
	cat > "$W/muttrc" <<EOM
set mbox_type=Maildir
set sleep_time=0
set quit=yes
set sort=unsorted
set mail_check_stats=no
set header_cache=$W/hcache/
set record=
set folder=$W/mbsync
set spoolfile=$W/mbsync/INBOX
set postponed=$W/mbsync/postponed
set mbox=$W/mbsync/INBOX
EOM
	mkdir -p "$W/hcache"
	printf 'exec neomutt -n -F %s -f %s -e "push <quit>"\n' "$W/muttrc" \
	    "$W/mbsync/INBOX" > "$W/nm.sh"
	# Warm: the header cache filled, the files in the page cache.
	termrun t r "" "$W/nm.sh"
	termrun t r Q "$W/ui.sh"
	tn="" rn="" ts="" rs=""
	for r in $(seq "$ROUNDS"); do
		termrun tn rn "" "$W/nm.sh"
		termrun ts rs Q "$W/ui.sh"
	done
	rec "$SEC" "open the INBOX, draw the index, quit" s "$ts" \
	    "neomutt, Maildir, warm header cache" "$tn" "ratio<=0.1"
	rec "$SEC" "peak RSS with the folder open" MB "$rs" "neomutt" "$rn" \
	    "ratio<=0.5"
else
	say "  (no neomutt: not measured)"
fi

SEC="A store of $NLIST messages (app_storefill)"
say ""
say "== $SEC"
how "app_storefill writes the same messages to sealmail's store and, for \
neomutt, to a Maildir. The terminal runs as in the section above, warm \
(the store just filled and read; neomutt after a first run not counted). \
Open: both in the order the messages came. O d: sealmail sorts every \
row newest first on those keys, neomutt starts with \
sort=reverse-date. list and search are whole processes under \
/usr/bin/time; the limits and the threading are timed in one process \
(app_querytime, app_threadtime), with no peer."
H2="$W/home2"
mkdir -p "$H2" && chmod 700 "$H2"
"$SM" --home "$H2" list >/dev/null 2>&1
# With neomutt, the same messages also go to a Maildir for it to open.
MD2=""
command -v neomutt >/dev/null && MD2="$W/fill"
if timeit t_fill "$TOOLS/app_storefill" "$H2" "" "$NLIST" $MD2; then
	say "  filled in $t_fill s"
	tl="" kl="" tq="" kq="" tu="" ku="" ta="" ka="" tk=""
	for r in $(seq "$ROUNDS"); do
		timeit t /usr/bin/time -v "$SM" --home "$H2" list --json --folder INBOX
		tl="$tl $t" kl="$kl $(peak_mb "$W/last.err")"
		timeit t /usr/bin/time -v "$SM" --home "$H2" search --json zebrafish
		tq="$tq $t" kq="$kq $(peak_mb "$W/last.err")"
		# Enter passes the offer to set up an account (the store has
		# none), then Q quits from the drawn index: the rows on the
		# screen are read, the others are ids until they are drawn.
		termrun tu ku '\rQ' "$W/ui2.sh"
		# O d sorts the index by date, newest first, before Q: every
		# row's summary is read, sorted, and the first screen drawn.
		termrun ta ka '\rOd\rQ' "$W/ui2.sh"
		# Moves up and down, pages, first and last: each key from
		# its reading to the screen redrawn, rows not yet read
		# among them.
		keyrun tk 36 'k,k,j,-,j,-, ,=,j,j, ,G' '\r' "$W/ui2.sh"
	done
	rec "$SEC" "terminal program: open, draw the first index, quit" s \
	    "$tu" "" "" "ours<=0.1" "the rows on the screen read, the others ids until drawn"
	if [ -n "$MD2" ]; then
		# neomutt on the same messages, local, its header cache warm
		# (filled by a first run that is not counted).
		sed "s|^set header_cache=.*|set header_cache=$W/hcache2/|" \
		    "$W/muttrc" > "$W/muttrc2"
		mkdir -p "$W/hcache2"
		printf 'exec neomutt -n -F %s -f %s -e "push <quit>"\n' \
		    "$W/muttrc2" "$MD2" > "$W/nm2.sh"
		tn2="" kn2=""
		termrun tn2 kn2 "" "$W/nm2.sh"
		tn2="" kn2=""
		for r in $(seq "$ROUNDS"); do termrun tn2 kn2 "" "$W/nm2.sh"; done
		rec "$SEC" "terminal program: open, draw the first index, quit, against neomutt" \
		    s "$tu" "neomutt, the same messages in a Maildir, warm header cache" \
		    "$tn2" "ratio<=0.1"
		rec "$SEC" "peak RSS of the terminal program" MB "$ku" "neomutt" \
		    "$kn2" "ratio<=0.5"
		# The same sorted newest first, as O d leaves sealmail's.
		sed 's|^set sort=.*|set sort=reverse-date|' "$W/muttrc2" \
		    > "$W/muttrc3"
		sed "s|$W/muttrc2|$W/muttrc3|" "$W/nm2.sh" > "$W/nm3.sh"
		tn3="" kn3=""
		for r in $(seq "$ROUNDS"); do termrun tn3 kn3 "" "$W/nm3.sh"; done
		rec "$SEC" "terminal program: open, O d (every row read and sorted), quit" s \
		    "$ta" "neomutt, sort=reverse-date, warm header cache" \
		    "$tn3" "" "peak RSS: sealmail $(stats "$ka") MB, neomutt $(stats "$kn3") MB"
	else
		rec "$SEC" "peak RSS of the terminal program" MB "$ku" "" "" ""
		rec "$SEC" "terminal program: open, O d (every row read and sorted), quit" s \
		    "$ta" "" "" "" "peak RSS $(stats "$ka") MB"
	fi
	rec "$SEC" "terminal program: redraw after a key press" ms "$tk" \
	    "" "" "ours<=16" "k j - Space = G, $ROUNDS x 36 keys, each from \
the key written to the pseudo-terminal to the last byte of its redraw"
	rec "$SEC" "list --json of the whole INBOX, whole process" s "$tl" \
	    "" "" "" "peak RSS $(stats "$kl") MB"
	rec "$SEC" "search --json zebrafish, whole process" s "$tq" "" "" "" \
	    "peak RSS $(stats "$kq") MB"
	for q in zebrafish 'from:sender7' 'is:unread zebrafish'; do
		"$TOOLS/app_querytime" "$H2" "" INBOX "$q" $((ROUNDS * 4)) \
		    > "$W/qt.out" 2>&1
		rec_runs "$SEC" "limit '$q' once the store is open" ms \
		    $((ROUNDS * 4)) "ours<=100" "$W/qt.out"
	done
else
	say "  (app_storefill failed: not measured)"
fi
# Threading as the index does it on `o`: the order and the tree drawing,
# NLIST messages in threads of ten (app_threadtime makes them).
"$TOOLS/app_threadtime" "$NLIST" $((ROUNDS * 2)) > "$W/tt.out" 2>&1
rec_runs "$SEC" "thread $NLIST messages and draw their tree" ms \
    $((ROUNDS * 2)) "ours<=200" "$W/tt.out"
