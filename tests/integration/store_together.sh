#!/bin/sh
# Several sealmail processes on one store at once. Two syncs of one
# folder: both end well, every message is there once, the store intact.
# "flag" and "copy" run again and again while a sync stores another
# folder: each waits its turn (none fails with "database is locked"),
# every copy is made, and the next sync pushes every flag to the server.
# A key import while a sync stores opens every message stored before
# that waited for the key.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
N=1500
alice_store_home "together$$"
G="together2$$" K="together3$$" W="together4$$"
GD="$MD/.$G" KD="$MD/.$K" WD="$MD/.$W"
trap 'rm -rf "$FD" "$GD" "$KD" "$WD"' EXIT
for d in "$GD" "$KD" "$WD"; do mkdir -p "$d/cur" "$d/new" "$d/tmp"; done
maildir_fill "$FD" "$N" seen
maildir_fill "$GD" "$N"
maildir_fill "$KD" 3000

# --- two syncs at once -------------------------------------------------------
sm sync --folder "$F" >"$T/s1" 2>"$T/e1" & p1=$!
sm sync --folder "$F" >"$T/s2" 2>"$T/e2" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "two syncs at once both end well" "0 0" "$r1 $r2"
[ "$r1 $r2" = "0 0" ] || cat "$T/e1" "$T/e2" | sed 's/^/#   /'
sm list --json --folder "$F" >"$T/list.json"
check_eq "every message is there once" "$N" "$(json "$T/list.json" 'len(d)')"
check_eq "no UID twice" "$N" \
    "$(json "$T/list.json" 'len(set(x["uid"] for x in d))')"
check_eq "the flags are the server's" $(((N + 1) / 2)) \
    "$(json "$T/list.json" 'len([x for x in d if x["flags"] == ["\\Seen"]])')"
out=$(sm store check 2>&1); rc=$?
check_eq "PRAGMA integrity_check says ok" "0 ok" "$rc $out"

# --- flag and copy while a sync stores ----------------------------------------
# try CMD...: runs CMD; a failure is counted in failed and shown.
failed=0
try() {
	"$@" >/dev/null 2>"$T/fe" && return 0
	failed=$((failed + 1))
	sed 's/^/# /' "$T/fe" | tail -1
}
ids=$(json "$T/list.json" '" ".join(str(x["id"]) for x in d[:400])')
sm sync --folder "$G" >"$T/s3" 2>"$T/e3" & p=$!
runs=0
for id in $ids; do
	kill -0 $p 2>/dev/null || break
	try sm flag "$id" +Flagged
	try sm copy "$id" Trash
	runs=$((runs + 1))
	flagged="${flagged:-} $id"
done
wait $p; rc=$?
echo "# $runs flag and copy commands ran while the sync stored"
check_eq "the sync of the other folder ends well" 0 "$rc"
check_match "they ran while the sync stored ($runs times)" '^[1-9][0-9]*$' \
    "$runs"
check_eq "no flag or copy command failed" 0 "$failed"
check_eq "every copy is in Trash" "$runs" "$(sm list --json --folder Trash |
    json /dev/stdin "len([x for x in d if '.$$@' in (x['message_id'] or '')])")"
sm list --json --folder "$F" >"$T/list.json"
check_eq "every flag is kept" "$runs" "$(json "$T/list.json" \
    "len([x for x in d if '\\\\Flagged' in x['flags'] and x['id'] in ($(echo $flagged | tr ' ' ','),)])")"
check "the next sync pushes them" sm sync --folder "$F"
check_eq "the server has them" "$runs" \
    "$(ls "$FD/cur" | grep -c ':2,F')"

# --- a key import while a sync stores -------------------------------------------
printf 'Content-Type: text/plain\n\nwaiting for the key\n' >"$T/gen/b"
openssl smime -encrypt -aes256 -in "$T/gen/b" -from bob@example.test \
    -to alice@example.test -subject "for later" -out "$T/gen/enc.eml" \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
python3 - "$WD/cur" "$T/gen/enc.eml" "$$" <<'EOP'
import sys
d, enc, pid = sys.argv[1], open(sys.argv[2], 'rb').read(), sys.argv[3]
for i in range(1, 401):
    open('%s/1700000000.M%dP%s.lab:2,' % (d, i, pid), 'wb').write(
        b'Message-ID: <w%d.%s@example.test>\n' % (i, pid.encode()) +
        enc.replace(b'\r', b''))
EOP
chown -R --reference="$MD" "$WD"
check "400 messages for alice stored before her key" sm sync --folder "$W"
sm sync --folder "$K" >"$T/s4" 2>"$T/e4" & p=$!
sleep 0.1
sm keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass" >"$T/ki" 2>"$T/ke"; rc=$?
wait $p; r2=$?
check_eq "the import and the sync both end well" "0 0" "$rc $r2"
check_match "the import opens every one of them" \
    '^400 stored message\(s\) decrypted' "$(tail -1 "$T/ki")"
check_eq "all 400 are decrypted" 400 "$(sm list --json --folder "$W" |
    json /dev/stdin 'len([x for x in d if x["encryption"] == "decrypted"])')"
t_done
