#!/usr/bin/env bash
# make bench: sealmail side by side with its peers on the same lab, in the
# same run, reported as ratios (sealmail time / peer time; below 1.0 means
# sealmail is faster). Never part of make check.
#
#   BENCH_COUNT   messages in the mailbox (default 10000)
#   BENCH_CRYPTO  messages in the verify-and-decrypt set (default 1000)
#   BENCH_LIST    messages in the list/search store (default 100000)
#   BENCH_KEYOPS  private-key operations per figure (default 2000)
#   BENCH_ROUNDS  first syncs from nothing, per program (default 3)
#   LAB_PORT_BASE lab ports (default 30000)
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
SM="$TOP/sealmail"
COUNT=${BENCH_COUNT:-10000}
NCRYPTO=${BENCH_CRYPTO:-1000}
NLIST=${BENCH_LIST:-100000}
export LAB_PORT_BASE=${LAB_PORT_BASE:-30000}
W=$(mktemp -d "${TMPDIR:-/tmp}/sealmail-bench.XXXXXX")
REPORT="$TOP/build/bench-report.txt"
mkdir -p "$TOP/build"
: > "$REPORT"

cleanup() { sh "$TOP/tests/lab/stop.sh" "$W/lab" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" | tee -a "$REPORT"; }
now() { date +%s%N; }
# timeit VAR command...: runs it, stores seconds (3 decimals) in VAR.
timeit() {
	local _v=$1 _s _e; shift
	_s=$(now)
	"$@" >"$W/last.out" 2>"$W/last.err"
	local rc=$?
	_e=$(now)
	printf -v "$_v" '%d.%03d' $(( (_e - _s) / 1000000000 )) $(( (_e - _s) / 1000000 % 1000 ))
	if [ $rc -ne 0 ]; then
		say "  (command failed, rc $rc: $(tail -1 "$W/last.err"))"
	fi
	return $rc
}
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b > 0 else 'n/a')" "$1" "$2"; }
peak_kb() { awk '/Maximum resident/ {print $6}' "$1"; }

sh "$TOP/tests/lab/start.sh" "$W/lab" >"$W/lab.log" 2>&1 || { cat "$W/lab.log"; exit 1; }
. "$W/lab/lab.env"
MD="$LAB_DIR/mail/example.test/bob/Maildir"

say "sealmail benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
say ""
say "== mailbox: $COUNT messages of 2-50 KB (10% signed, 5% signed+encrypted) in bob's INBOX"
timeit t_gen python3 "$TOP/tests/bench/gen.py" maildir "$MD" "$COUNT" 7 "$LAB_SMIME_DIR"
chown -R nobody:nogroup "$LAB_DIR/mail" 2>/dev/null
say "  generated in $t_gen s; $(du -sh "$MD" | cut -f1)"
# Dovecot indexes the new mailbox once, for every client alike.
curl -s --ssl-reqd --cacert "$LAB_CA" "imaps://localhost:$LAB_IMAPS_PORT/INBOX" \
    -u "$LAB_BOB:$LAB_BOB_PASS" -X 'EXAMINE INBOX' >/dev/null

# Each first sync runs ROUNDS times from nothing, each no-change sync
# NOCHANGE times after it; the medians are reported, so that one slow
# moment of the machine does not decide a ratio.
ROUNDS=${BENCH_ROUNDS:-3}
NOCHANGE=5
median() { python3 -c 'import sys,statistics; print("%.3f" % statistics.median(map(float, sys.argv[1:])))' "$@"; }

# mbsync: IMAPS into a Maildir, every folder, as sealmail syncs them.
cat > "$W/mbsyncrc" <<EOM
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
mb1="" mb2=""
for r in $(seq "$ROUNDS"); do
	rm -rf "$W/mbsync" && mkdir -p "$W/mbsync"
	timeit t mbsync -c "$W/mbsyncrc" -q bob
	mb1="$mb1 $t"
	sleep 1.1	# mbsync pauses when its Maildir changed within the second
	for i in $(seq "$NOCHANGE"); do
		timeit t mbsync -c "$W/mbsyncrc" -q bob
		mb2="$mb2 $t"
	done
done
t_mb1=$(median $mb1) t_mb2=$(median $mb2)
say "  mbsync first sync:        $t_mb1 s median of$mb1 ($(find "$W/mbsync" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l) messages)"
say "  mbsync no-change sync:    $t_mb2 s median of$mb2"

# sealmail: the same mailbox into the encrypted store.
H="$W/home"
# The store key lives in the lab's Secret Service, as for a desktop user.
SMH() { "$SM" --home "$H" "$@"; }
s1="" s2=""
for r in $(seq "$ROUNDS"); do
	rm -rf "$H" && mkdir -p "$H" && chmod 700 "$H"
	cat > "$H/config" <<EOM
[account bob]
address = $LAB_BOB
imap = imaps://localhost:$LAB_IMAPS_PORT
smtp = submissions://localhost:$LAB_SUBMISSIONS_PORT
password-command = echo $LAB_BOB_PASS
ca-file = $LAB_CA
EOM
	SMH keys import "$LAB_SMIME_DIR/bob.p12" --passphrase-file "$LAB_SMIME_DIR/p12-pass" >/dev/null 2>&1 ||
	    SMH keys import "$LAB_SMIME_DIR/bob.p12" >/dev/null 2>&1
	SMH keys trust "$LAB_CA" >/dev/null 2>&1
	timeit t SMH sync --json
	s1="$s1 $t"
	cp "$W/last.out" "$W/sync1.json"
	for i in $(seq "$NOCHANGE"); do
		timeit t SMH sync --json
		s2="$s2 $t"
	done
done
t_s1=$(median $s1) t_s2=$(median $s2)
n1=$(SMH list --json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null)
say "  sealmail first sync:      $t_s1 s median of$s1 ($n1 messages, decrypted, verified, stored encrypted; $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d indexed for search at once, the rest trailing" % d["indexed"])' "$W/sync1.json" 2>/dev/null))"
say "  sealmail no-change sync:  $t_s2 s median of$s2"
say "  ratio first sync  sealmail/mbsync: $(ratio "$t_s1" "$t_mb1")   (target <= 1.0)"
say "  ratio no-change   sealmail/mbsync: $(ratio "$t_s2" "$t_mb2")   (target <= 1.0)"

# Fetch alone (net/): the pipelined UID FETCH of the test client, each
# message written to a file as mbsync writes its Maildir; no store.
NC="$TOP/build/rel/tests/tools/net_client"
if [ -x "$NC" ]; then
	mkdir -p "$W/netfetch"
	timeit t_nf "$NC" imap --host localhost --port "$LAB_IMAPS_PORT" --tls implicit \
	    --ca "$LAB_CA" --user "$LAB_BOB" --pass "$LAB_BOB_PASS" --select INBOX --fetch "$W/netfetch"
	say "  net fetch to files:       $t_nf s ($(ls "$W/netfetch" | wc -l) files); ratio net/mbsync: $(ratio "$t_nf" "$t_mb1")   (target <= 1.0)"
fi

# neomutt opening the folder over IMAPS (headers of every message).
if command -v neomutt >/dev/null; then
	cat > "$W/muttrc" <<EOM
set imap_user=$LAB_BOB
set imap_pass=$LAB_BOB_PASS
set ssl_ca_certificates_file=$LAB_CA
set ssl_force_tls=yes
set sleep_time=0
set quit=yes
set sort=date
set mail_check_stats=no
set header_cache=$W/hcache/
set folder=imaps://localhost:$LAB_IMAPS_PORT/
set spoolfile=+INBOX
set record=
EOM
	mkdir -p "$W/hcache"
	timeit t_nm timeout 300 env TERM=xterm script -qec "neomutt -n -F $W/muttrc -f imaps://localhost:$LAB_IMAPS_PORT/INBOX -e 'push <quit>'" /dev/null </dev/null
	timeit t_ls SMH list --json
	say "  neomutt open INBOX (headers): $t_nm s; sealmail list of the stored folder: $t_ls s"
fi

say ""
say "== verify and decrypt: $NCRYPTO signed+encrypted messages of 20 KB, one inspect process"
python3 "$TOP/tests/bench/gen.py" crypto "$W/crypto" "$NCRYPTO" "$LAB_SMIME_DIR"
ins=""
for r in $(seq "$ROUNDS"); do
	timeit t SMH inspect --json "$W"/crypto/*.eml
	ins="$ins $t"
done
t_in=$(median $ins)
ok=$(grep -o '"signature":"valid"' "$W/last.out" 2>/dev/null | wc -l)
timeit t_os bash -c 'for f in "$1"/*.eml; do openssl cms -decrypt -in "$f" -inkey "$2/bob.key" -recip "$2/bob.pem" | openssl cms -verify -CAfile "$3" -out /dev/null 2>/dev/null || exit 1; done' sh "$W/crypto" "$LAB_SMIME_DIR" "$LAB_CA"
rsa=$(openssl speed -seconds 2 rsa2048 2>/dev/null | awk '/^rsa 2048/ {print $6}')
mps=$(python3 -c "print('%.0f' % ($NCRYPTO / $t_in))")
say "  sealmail inspect:         $t_in s median of$ins, $mps messages/s ($ok judged valid)"
say "  openssl cms per message:  $t_os s; ratio sealmail/openssl: $(ratio "$t_in" "$t_os")"
say "  openssl speed rsa2048:    $rsa private-key operations/s; sealmail reaches $(python3 -c "print('%.0f%%' % (100.0 * $mps / $rsa))" 2>/dev/null) of it (target >= 70%)"

say ""
say "== private-key operations: bob's RSA-2048 key through the key agent, in the process, on a token"
KR="$TOP/build/rel/tests/tools/app_keyrate"
NKEY=${BENCH_KEYOPS:-2000}
if [ -x "$KR" ] || make -s build/rel/tests/tools/app_keyrate >/dev/null 2>&1; then
	# The agent's figure against the key used where it is read, as
	# before the agent: what one round trip per operation costs.
	"$KR" "$H" "" "$NKEY" >"$W/keyrate" 2>&1
	keyline() {
		awk -v w="$1" '$3 == w { printf "%s sign/s, %s decrypt/s", $5, $7 }' "$W/keyrate"
	}
	say "  store key through the agent: $(keyline agent)"
	say "  store key in the process:    $(keyline here)"
	say "  agent/in-process: $(awk '$3 == "agent" { s = $5; d = $7 } $3 == "here" { hs = $5; hd = $7 } END { if (hs > 0 && hd > 0) printf "sign %.2f, decrypt %.2f", s / hs, d / hd }' "$W/keyrate") (target >= 0.80)"
	MOD=$(find /usr/lib -name libsofthsm2.so 2>/dev/null | head -1)
	if [ -n "$MOD" ] && command -v pkcs11-tool >/dev/null; then
		mkdir -p "$W/tokens" "$W/home3" && chmod 700 "$W/home3"
		printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
		    "$W" >"$W/softhsm2.conf"
		export SOFTHSM2_CONF="$W/softhsm2.conf"
		(umask 077; echo 1234 >"$W/pin"; echo bench >"$W/pw")
		softhsm2-util --init-token --free --label bench --pin 1234 \
		    --so-pin 12345678 >/dev/null 2>&1
		openssl pkcs8 -topk8 -nocrypt -in "$LAB_SMIME_DIR/bob.key" \
		    -outform DER -out "$W/bob.p8" 2>/dev/null
		pkcs11-tool --module "$MOD" --token-label bench --login \
		    --pin 1234 --write-object "$W/bob.p8" --type privkey \
		    --label bob --usage-sign --usage-decrypt >/dev/null 2>&1
		"$SM" --home "$W/home3" --passphrase-file "$W/pw" keys import \
		    'pkcs11:token=bench;object=bob' "$LAB_SMIME_DIR/bob.pem" \
		    --pin-file "$W/pin" >/dev/null 2>&1
		"$KR" "$W/home3" "$W/pw" "$NKEY" "$MOD" "$W/pin" >"$W/keyrate" 2>&1
		say "  the same key on a SoftHSM2 token, through the agent: $(keyline token)"
	fi
else
	say "  (no app_keyrate tool: not measured)"
fi

say ""
say "== DNS: SMIMEA lookup of bob, uncached then cached"
cat >> "$H/config" <<EOM

[dns]
resolver = $LAB_DNS_RESOLVER
trust-anchor = $LAB_TA
timeout = 5
EOM
# alice: no certificate of hers in bob's store, so the first answer comes
# from DNS and the second from the store's cache.
timeit t_d1 SMH keys lookup --json "$LAB_ALICE"
timeit t_d2 SMH keys lookup --json "$LAB_ALICE"
say "  first lookup (one round trip + validation, whole process): $t_d1 s"
say "  second lookup (store cache, whole process):                $t_d2 s"

LAB_ENV="$W/lab/lab.env" sh "$TOP/tests/bench/dns.sh" build/rel 2>&1 | sed 's/^/  /' | tee -a "$REPORT"

say ""
say "== list and search over a store of $NLIST messages"
if [ -x "$TOP/build/rel/tests/tools/app_storefill" ] || make -s build/rel/tests/tools/app_storefill >/dev/null 2>&1; then
	H2="$W/home2"; mkdir -p "$H2" && chmod 700 "$H2"
	"$SM" --home "$H2" list >/dev/null 2>&1
	timeit t_fill "$TOP/build/rel/tests/tools/app_storefill" "$H2" "" "$NLIST"
	L() { /usr/bin/time -v "$SM" --home "$H2" "$@"; }
	timeit t_l L list --json --folder INBOX
	kl=$(peak_kb "$W/last.err")
	timeit t_q L search --json zebrafish
	kq=$(peak_kb "$W/last.err")
	say "  filled in $t_fill s; list: $t_l s, peak $kl KB; search: $t_q s, peak $kq KB"
else
	say "  (no app_storefill tool: not measured)"
fi
say ""
say "report: $REPORT"
