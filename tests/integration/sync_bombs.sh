# Compression bombs through sync (tests/data/mkbombs.py, the envelope to
# the lab's alice): each is stored with the verdict error and a finding,
# and syncing a folder that holds one costs at most 1 s of CPU and 64 MiB
# of memory more than syncing one that holds an ordinary compressed
# message.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
H="$T/home" S="$LAB_SMIME_DIR"
alice_config "$H" password
sm() { "$SEALMAIL" --home "$H" "$@"; }
check "the bombs are made" python3 "$TOP/tests/data/mkbombs.py" "$T/b" \
    "$S/alice.pem"
check "import alice's identity" sm keys import "$S/alice.p12" \
    --passphrase-file "$S/p12-pass"
dirs=
trap 'rm -rf $dirs' EXIT
n=0
for f in plain eight deep huge enc; do
	n=$((n + 1))
	alice_folder "bomb$f$$"
	dirs="$dirs $FD"
	tr -d '\r' <"$T/b/$f.eml" >"$FD/cur/$(date +%s).M${n}P$$.lab:2,S"
	chown --reference="$MD" "$FD/cur/"*
done
sync_one() {
	measure "$T/sync.json" "$SEALMAIL" --home "$H" sync \
	    --folder "bomb$1$$" --json 2>"$T/err"
}
# The cost of an ordinary message, the better of two.
set -- $(sync_one plain)
check_eq "plain: sync exits 0" 0 "$3"
base_ms=$4 base_kb=$2
set -- $(sync_one plain)
[ "$4" -lt "$base_ms" ] && base_ms=$4
[ "$2" -lt "$base_kb" ] && base_kb=$2

for b in eight:inflates deep:"more than 8 S/MIME layers" huge:inflates \
    enc:inflates; do
	f=${b%%:*}
	set -- $(sync_one "$f")
	check_eq "$f: sync exits 0" 0 "$3"
	check "$f: within 1 s of CPU more ($4 ms, ordinary $base_ms ms)" \
	    test $(($4 - base_ms)) -lt 1000
	check "$f: within 64 MiB more ($2 KiB, ordinary $base_kb KiB)" \
	    test $(($2 - base_kb)) -lt 65536
	sm list --json --folder "bomb$f$$" >"$T/list.json" 2>/dev/null
	check_eq "$f: stored with the verdict error" error \
	    "$(json "$T/list.json" 'd[0]["signature"]')"
	sm show --json "$(json "$T/list.json" 'd[0]["id"]')" \
	    >"$T/show.json" 2>/dev/null
	check_match "$f: show names the finding" "${b#*:}" \
	    "$(json "$T/show.json" 'd["findings"]')"
	check_match "$f: so does show without --json, as a warning" \
	    "^Warning: .*${b#*:}" "$(sm show "$(json "$T/list.json" \
	    'd[0]["id"]')" 2>/dev/null)"
done
t_done
