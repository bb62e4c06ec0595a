#!/bin/sh
# tests/bench/net_fetch.sh [BUILD_DIR]: the time net/ takes to fetch 10,000
# messages (2-50 KB) from the lab's Dovecot over TLS, next to mbsync's full
# sync of the same mailbox in the same run. Both write one file per message.
# Uses the lab named by LAB_ENV, or starts one (LAB_PORT_BASE) and stops it.
# Prints one line per run and the medians; set NET_BENCH_COUNT and
# NET_BENCH_RUNS to change the defaults (10000, 3).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$TOP/build/rel}
COUNT=${NET_BENCH_COUNT:-10000}
RUNS=${NET_BENCH_RUNS:-3}
. "$TOP/tests/bench/lab.sh"
bench_work netbench
trap 'exit 130' INT TERM HUP

die() { echo "net_fetch: $*" >&2; exit 1; }

command -v mbsync >/dev/null || die "mbsync is not installed (sh tests/deps.sh bench)"
[ -x "$B/tests/tools/net_client" ] ||
    die "no $B/tests/tools/net_client (make $B/tests/tools/net_client)"
bench_lab || { tail -5 "$W/lab.log"; die "the lab did not start"; }

# The mailbox: a user of its own so nothing else in the lab is disturbed;
# bob's INBOX when the lab has no spare user.
U=$LAB_BOB P=$LAB_BOB_PASS
MD=$LAB_DIR/mail/example.test/${U%@*}/Maildir
have=$(find "$MD/cur" "$MD/new" -type f 2>/dev/null | wc -l)
if [ "$have" -lt "$COUNT" ]; then
	echo "populating $COUNT messages ..."
	python3 "$TOP/tests/bench/gen.py" maildir "$W/gen" "$COUNT" 1 \
	    "$LAB_SMIME_DIR" || die "gen.py failed"
	mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
	cp "$W/gen/cur/"* "$MD/cur/" || die "cannot fill $MD"
	owner=$(stat -c %U:%G "$MD/..")
	chown -R "$owner" "$MD"
	doveadm -c "$LAB_DIR/dovecot/dovecot.conf" force-resync -u "$U" INBOX
	doveadm -c "$LAB_DIR/dovecot/dovecot.conf" index -u "$U" INBOX
fi

# FSync off: net_client does not fsync either, so both pay the same disk.
cat > "$W/mbsync.rc" <<EOF
FSync no

IMAPAccount lab
Host localhost
Port $LAB_IMAPS_PORT
User $U
Pass $P
SSLType IMAPS
CertificateFile $LAB_CA

IMAPStore lab-remote
Account lab

MaildirStore lab-local
Path $W/mb/
Inbox $W/mb/INBOX
SubFolders Verbatim

Channel lab
Far :lab-remote:INBOX
Near :lab-local:INBOX
Sync Pull
Create Near
SyncState *
EOF

ms() { echo $(( $(date +%s%N) / 1000000 )); }

run_mbsync() {
	rm -rf "$W/mb" && mkdir -p "$W/mb"
	t=$(ms)
	mbsync -q -c "$W/mbsync.rc" -a >/dev/null 2>"$W/mbsync.err" ||
	    { cat "$W/mbsync.err" >&2; die "mbsync failed"; }
	t=$(( $(ms) - t ))
	n=$(find "$W/mb/INBOX/cur" "$W/mb/INBOX/new" -type f | wc -l)
	echo "$t $n"
}

run_net() {
	rm -rf "$W/net" && mkdir -p "$W/net"
	t=$(ms)
	"$B/tests/tools/net_client" imap --host localhost --port \
	    "$LAB_IMAPS_PORT" --tls implicit --ca "$LAB_CA" --user "$U" \
	    --pass "$P" --select INBOX --fetch "$W/net" >/dev/null \
	    2>"$W/net.err" || { cat "$W/net.err" >&2; die "net fetch failed"; }
	t=$(( $(ms) - t ))
	n=$(find "$W/net" -type f | wc -l)
	echo "$t $n"
}

# The middle value; of an even count, the mean of the two in the middle.
median() {
	sort -n | awk '{ a[NR] = $1 }
	    END { print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "warm-up ..."
run_mbsync >/dev/null
run_net >/dev/null
: > "$W/mb.times"
: > "$W/net.times"
i=1
while [ $i -le "$RUNS" ]; do
	set -- $(run_mbsync)
	echo "run $i: mbsync full sync  $1 ms ($2 messages)"
	echo "$1" >> "$W/mb.times"
	set -- $(run_net)
	echo "run $i: net UID FETCH     $1 ms ($2 messages)"
	echo "$1" >> "$W/net.times"
	i=$((i + 1))
done
mb=$(median < "$W/mb.times")
nt=$(median < "$W/net.times")
printf 'net fetch of %s messages over TLS: %s ms; mbsync: %s ms (medians of %s)\n' \
    "$COUNT" "$nt" "$mb" "$RUNS"
if [ "$nt" -le "$mb" ]; then
	echo "net fetch time is within mbsync's"
else
	echo "net fetch time exceeds mbsync's by $((nt - mb)) ms"
fi
