# A reader that goes away (`| head`) is no error of sealmail's to report
# falsely: a write to a closed pipe exits 1 with "output closed" as the
# last line on stderr, never "success"; output that fits is exit 0.
. "$TOP/tests/lib.sh"
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
H=$T/home
mkdir -p "$H"
secret "$T/pw" 'store pass phrase'
sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
check "a store to work on" sm keys import "$TOP/tests/data/smime/bob.pem"

# A message whose text is far larger than a pipe holds.
{ printf 'From: a@example.test\nTo: b@example.test\nSubject: long\n\n'
  i=0; while [ $i -lt 20000 ]; do
	printf 'line %d of a long text that goes on and on\n' $i
	i=$((i + 1))
  done; } > "$T/long.eml"

# head -c 100 reads a little and leaves.
sh -c "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' inspect --json \
    '$T/long.eml' 2>'$T/err'; echo \$? > '$T/rc'" | head -c 100 > "$T/head.out"
check_eq "head got its 100 bytes" 100 "$(wc -c < "$T/head.out")"
check_eq "inspect | head -c 100: exit 1" 1 "$(cat "$T/rc")"
check_eq "saying the output was closed" "sealmail: output closed" \
    "$(tail -1 "$T/err")"
check_nomatch "never success" 'success' "$(cat "$T/err")"

# Each command that prints, to a pipe whose reader is already gone.
closed() {
	python3 - "$SEALMAIL" "$H" "$T/pw" "$@" <<'PY'
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], '--home', sys.argv[2],
    '--passphrase-file', sys.argv[3]] + sys.argv[4:], stdout=w,
    stderr=subprocess.PIPE)
lines = p.stderr.decode().strip().splitlines()
print(p.returncode, lines[-1] if lines else '')
PY
}
printf '[account a]\naddress = a@example.test\n' >"$H/config"
chmod 600 "$H/config"
# Also those that print a line or two without a look at each write: the
# last look, as the command ends, finds the output gone.
for cmd in "search --json x" "list --json" "keys list --json" \
    "inspect $TOP/tests/data/smime/sig-valid.eml" "draft list" \
    "keys list" "config check" "store check" "--version" "--help" \
    "show --help"; do
	# shellcheck disable=SC2086
	check_eq "$cmd to a closed pipe" "1 sealmail: output closed" \
	    "$(closed $cmd)"
done

# A standard descriptor the program was started without: no file it
# opens takes its place, and a write to it is an error, not success.
std_closed() {
	sh -c "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' $1 \
	    2>'$T/err'; echo \$? >'$T/rc'"
	echo "$(cat "$T/rc") $(tail -1 "$T/err")"
}
for cmd in "list --json >&-" "keys list >&-" "config check >&-" \
    "--version >&-"; do
	check_eq "$cmd: exit 1, naming the output" \
	    "1 sealmail: writing output: Bad file descriptor" "$(std_closed "$cmd")"
done
check_eq "inspect - <&-: standard input cannot be read, exit 1" \
    "1 sealmail: standard input: Bad file descriptor" \
    "$(std_closed "inspect - <&-")"
check "... and the store is whole after it all" sm store check
check_eq "list to a full disk: exit 1, saying so" \
    "1 sealmail: writing output: No space left on device" \
    "$(std_closed "keys list >/dev/full")"

# Output that fits before head leaves is no error.
sh -c "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' keys list --json \
    2>'$T/err'; echo \$? > '$T/rc'" | head -c 10 > "$T/head.out"
check_eq "keys list --json | head -c 10: exit 0 when it all fit" 0 \
    "$(cat "$T/rc")"
t_done
