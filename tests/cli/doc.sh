# The manual pages: mandoc finds nothing to warn of, man renders them,
# make install-man puts them in place, and they document every command
# and option of --help and every key the configuration reader knows.
. "$TOP/tests/lib.sh"
M1=$TOP/doc/sealmail.1
M5=$TOP/doc/sealmail.conf.5

for m in "$M1" "$M5"; do
	n=$(basename "$m")
	if command -v mandoc >/dev/null 2>&1; then
		check_eq "mandoc -T lint: no warning in $n" "" \
		    "$(mandoc -T lint -W warning "$m" 2>&1)"
	else
		notok "mandoc (tests/deps.sh installs it) lints $n"
	fi
	MANWIDTH=80 man --warnings -l "$m" >"$T/$n.txt" 2>"$T/$n.err"
	check_eq "man -l renders $n without a warning" "" "$(cat "$T/$n.err")"
	check_match "... and it has a NAME section" '^NAME' "$(cat "$T/$n.txt")"
done
tr -s ' \n' ' ' <"$T/sealmail.1.txt" >"$T/man1"
tr -s ' \n' ' ' <"$T/sealmail.conf.5.txt" >"$T/man5"

# Every command of --help (with its subcommand) is in sealmail(1).
"$SEALMAIL" --help >"$T/help"
sed -n 's/^  sealmail \([a-z]*\)\( [a-z][a-z]*\)\{0,1\}.*/\1\2/p' "$T/help" |
    sort -u >"$T/cmds"
check_match "--help lists commands" 'keys import' "$(cat "$T/cmds")"
check_each_in "sealmail(1) documents every command of --help" "$T/man1" \
    "$T/cmds" ' ' ' '

# sealmail CMD --help: exit 0, that command's forms exactly as --help has
# them, and sealmail(1) says so.
bad=
for c in $(cut -d' ' -f1 "$T/cmds" | sort -u); do
	if ! "$SEALMAIL" "$c" --help >"$T/one" 2>"$T/one.err"; then
		bad="$bad [$c: exit $?]"
		continue
	fi
	[ -s "$T/one.err" ] && bad="$bad [$c: stderr]"
	grep -q "^  sealmail $c\b" "$T/one" || bad="$bad [$c: not named]"
	sed -n '/^  sealmail /,/^$/p' "$T/one" | sed '$d' >"$T/one.body"
	[ -z "$(grep -vxFf "$T/help" "$T/one.body")" ] ||
	    bad="$bad [$c: not --help's]"
	[ "$(grep -c "^  sealmail $c\b" "$T/help")" = \
	    "$(grep -c '^  sealmail ' "$T/one")" ] || bad="$bad [$c: forms]"
done
check_eq "CMD --help: each command's forms, exit 0" "" "$bad"
check_eq "... also after its arguments" "$("$SEALMAIL" check --help)" \
    "$("$SEALMAIL" check --account a --json --help)"
check_error "... but not after --: there it is a word" 2 \
    "show: '--help' is one argument too many" "$SEALMAIL" show 1 -- --help
check_match "sealmail(1) documents CMD --help" \
    'command --help\), print only that command' "$(cat "$T/man1")"

# Every option of --help, and every global one, is in sealmail(1).
grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u >"$T/opts"
check_each_in "sealmail(1) documents every option of --help" "$T/man1" \
    "$T/opts"

# Every key the configuration reader accepts is in sealmail.conf(5).
# (keys compared by name, and the table's ACCOUNT("k", ...), { "k", CKEY_...)
sed -n 's/.*strcmp(k, "\([a-z-]*\)").*/\1/p
    s/^[ \t]*ACCOUNT("\([a-z-]*\)",.*/\1/p
    s/^[ \t]*{ "\([a-z-]*\)", CKEY_.*/\1/p' "$TOP/app/config.c" |
    sort -u >"$T/keys"
check_match "the configuration's keys are found (trash, encrypt, resolver)" \
    'encrypt .*resolver .*trash' "$(tr '\n' ' ' <"$T/keys")"
check_each_in "sealmail.conf(5) documents every configuration key" \
    "$T/man5" "$T/keys" '' ' = '
# Each numeric key's entry gives its range, as the reader checks it, and
# its default: "LO to HI, default N".
int='"[a-z-]*", *CKEY_INT, *\(offsetof([^)]*)\|[a-z_]*\), *[0-9]*, *[0-9]*'
tr '\n\t' '  ' <"$TOP/app/config.c" | grep -o "$int" |
    sed 's/"\([a-z-]*\)".*, *\([0-9]*\), *\([0-9]*\)$/\1 \2 \3/' >"$T/ints"
check_match "the numeric keys are found (poll, timeout)" \
    'poll 5 [0-9]+ .*timeout 1 ' "$(tr '\n' ' ' <"$T/ints")"
bad=
while read -r k lo hi; do
	# each entry of key k in the page on a line (timeout is in three)
	awk -v k="$k" '/^\.It / { if (on) print ""; on = ($2 == "Ic" && $3 == k) }
	    /^\.El/ { if (on) print ""; on = 0 } on { printf "%s ", $0 }' \
	    "$M5" >"$T/entry"
	[ "$(grep -c '([0-9]* to [0-9]*, default [0-9]*)' "$T/entry")" = \
	    "$(grep -c . "$T/entry")" ] || bad="$bad $k"
	grep -q "($lo to $hi, default [0-9]*)" "$T/entry" ||
	    bad="$bad $k($lo-$hi)"
done <"$T/ints"
check_eq "sealmail.conf(5) gives each numeric key's range and default" "" \
    "$bad"
# The README's configuration, every key with its comment, is read as it
# stands.
mkdir -m 700 "$T/readme-home"
awk '/^    \[account work\]/ { on = 1 } on && /^[^ ]/ { exit }
    on { sub(/^    /, ""); print }' "$TOP/README.md" >"$T/readme-home/config"
check_match "README.md's configuration is found, with [dns] and [security]" \
    '\[dns\].*\[security\]' "$(tr '\n' ' ' <"$T/readme-home/config")"
check "config check reads README.md's configuration as written" \
    "$SEALMAIL" --home "$T/readme-home" config check
for s in account dns security pkcs11; do
	check_match "sealmail.conf(5) has the [$s] section" "\\[$s" \
	    "$(cat "$T/man5")"
done

# Every key of the terminal program's help (its column of keys, in
# ui/view-lists.c) is in README.md's tables and in sealmail(1)'s THE
# TERMINAL PROGRAM.
sed -n '/help_lines\[\] = {/,/^};/p' "$TOP/ui/view-lists.c" |
    sed -n 's/^\t"  \([^ ].\{13\}\)  .*/\1/p' | tr ' ,' '\n\n' |
    grep -x '.\|\^.\|Esc\|Space\|Enter\|Home\|End' | sort -u >"$T/uikeys"
check_match "the help's keys are found (; J K ^C Esc)" '; .*Esc .*J K .*\^C' \
    "$(tr '\n' ' ' <"$T/uikeys")"
sed -n '/^\.Sh THE TERMINAL PROGRAM/,/^\.Sh /p' "$M1" |
    grep '^\.\(It \)\{0,1\}Ic ' | sed 's/^\.It //; s/^\.//' | awk '{ on = 0
	for (i = 1; i <= NF; i++) {
		if ($i == "Ic") on = 1
		else if ($i ~ /^(No|Ns|Pq|Dq|Po|Pc)$/) on = 0
		else if (on) print $i
	} }' | sed 's/^\\&//; s/^\\(ba$/|/; s/^Esc-.*/Esc/' | sort -u >"$T/mankeys"
# Every key the index reads itself (ix_key's case labels) is in the help.
sed -n '/^ix_key(/,/^}/p' "$TOP/ui/view-index.c" |
    grep -o "case '[^' \\]'" | cut -c7 | sort -u >"$T/ixkeys"
check_match "the index's keys are found (@ l z)" '@ .*l .*z' \
    "$(tr '\n' ' ' <"$T/ixkeys")"
# (as a word of its own: "o O" stand mid-line)
sed -n '/help_lines\[\] = {/,/^};/p' "$TOP/ui/view-lists.c" |
    sed -n 's/^\t"\(.*\)",$/\1/p' | tr ' ,' '\n\n' | sort -u >"$T/helpwords"
check_eq "the help names every key the index reads" "" \
    "$(grep -vxFf "$T/helpwords" "$T/ixkeys" | tr '\n' ' ')"
missing=
while read -r k; do
	rk=$k
	[ "$k" = '|' ] && rk='\|'
	grep -qF -- "\`$rk\`" "$TOP/README.md" || missing="$missing README:$k"
	grep -qxF -- "$k" "$T/mankeys" || missing="$missing sealmail.1:$k"
done <"$T/uikeys"
check_eq "README.md and sealmail(1) name every key of the help" "" \
    "$missing"

# README.md's apt-get line installs what tests/deps.sh installs to build
# and run (its BUILD and RUN), no package more or less.
deps_of() {	# deps_of VAR: the words of VAR="..." in tests/deps.sh
	awk -v v="$1" '!on && index($0, v "=\"") == 1 {
		on = 1; $0 = substr($0, length(v) + 3) }
	on { if (sub(/".*/, "")) { print; exit } print }' "$TOP/tests/deps.sh" |
	    tr ' ' '\n' | grep -v '^$'
}
{ deps_of BUILD; deps_of RUN; } | sort -u >"$T/deps"
awk '/^    (sudo )?apt-get install / { on = 1 }
	on { print; if ($0 !~ /\\$/) exit }' "$TOP/README.md" |
    tr ' \\' '\n\n' | grep -v '^$' | grep -vx 'sudo\|apt-get\|install' |
    sort -u >"$T/readme-deps"
check_match "deps.sh's packages to build and run are found" \
    'ca-certificates .*dns-root-data .*libetpan-dev ' "$(tr '\n' ' ' <"$T/deps")"
check_eq "README.md's apt-get line names them, and no other" \
    "$(cat "$T/deps")" "$(cat "$T/readme-deps")"

# Every member of inspect --json is in sealmail(1)'s THE VERDICT.
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
secret "$T/pw" 'doc store pass phrase'
"$SEALMAIL" --home "$T/vhome" --passphrase-file "$T/pw" inspect --json \
    "$TOP/tests/data/smime/sig-valid.eml" >"$T/verdict.json"
members=$(json "$T/verdict.json" "' '.join(d.keys())")
check_match "inspect --json gives its members (signature, coverage)" \
    'signature .*coverage' "$members"
# shellcheck disable=SC2086 # the members are words
check_eq "sealmail(1)'s THE VERDICT names every member of inspect --json" \
    "" "$(man_unnamed '^\.Sh THE VERDICT' '^\.Sh THE TERMINAL' $members)"

# ... and every member of keys list --json is in its entry.
# (an anchor and an identity, whose members are more)
cp "$TOP/tests/data/smime/bob.p12" "$TOP/tests/data/smime/p12-passphrase" "$T/"
chmod 600 "$T/bob.p12" "$T/p12-passphrase"
"$SEALMAIL" --home "$T/vhome" --passphrase-file "$T/pw" keys trust \
    "$TOP/tests/data/smime/ca.pem" >/dev/null
"$SEALMAIL" --home "$T/vhome" --passphrase-file "$T/pw" keys import \
    "$T/bob.p12" --passphrase-file "$T/p12-passphrase" >/dev/null
"$SEALMAIL" --home "$T/vhome" --passphrase-file "$T/pw" keys list --json \
    >"$T/keys.json"
check_eq "the key store holds an anchor and an identity" "anchor identity" \
    "$(json "$T/keys.json" "' '.join(sorted(x['kind'] for x in d))")"
# shellcheck disable=SC2046 # the members are words
check_eq "sealmail(1) names every member of keys list --json" "" \
    "$(man_unnamed '^\.It Cm keys list' '^\.It Cm keys lookup' \
    $(json "$T/keys.json" "' '.join(sorted(set(k for x in d for k in x)))"))"

# doc/design.md names the store's newest format and every table it holds.
D=$TOP/doc/design.md
fmt=$(sed -n 's/^#define STORE_FORMAT[ \t]*\([0-9]*\).*/\1/p' "$TOP/store/db.c")
check_match "store/db.c gives the newest store format" '^[0-9]+$' "$fmt"
check_match "design.md names format $fmt as the newest" \
    "The newest is format $fmt\\." "$(tr -s ' \n' ' ' <"$D")"
cat "$TOP"/store/*.c | tr -s ' \t\n' ' ' |
    grep -o 'CREATE \(VIRTUAL \)\{0,1\}TABLE [a-z_]*' |
    sed 's/.* //' | sort -u >"$T/tables"
check_match "the store's tables are found (cert, message, outbox)" \
    'cert .*message .*outbox' "$(tr '\n' ' ' <"$T/tables")"
missing=
for t in $(cat "$T/tables"); do
	grep -qF -- "\`$t\`" "$D" || missing="$missing $t"
done
check_eq "design.md names every table of the store" "" "$missing"

# Exit status and files.
check_match "sealmail(1) gives the exit statuses 0, 1 and 2" \
    'EXIT STATUS 0 .* 1 .* 2 Usage error' "$(cat "$T/man1")"
for f in HOME/config HOME/store.db SEALMAIL_HOME SEALMAIL_PASSPHRASE_FILE; do
	check_match "sealmail(1) names $f" "$f" "$(cat "$T/man1")"
done

# make install-man installs both pages.
check "make install-man" make -s -C "$TOP" install-man DESTDIR="$T/dest" \
    PREFIX=/usr
check "sealmail.1 is installed" test -f "$T/dest/usr/share/man/man1/sealmail.1"
check "sealmail.conf.5 is installed" \
    test -f "$T/dest/usr/share/man/man5/sealmail.conf.5"

# The README points only at files that are in the repository.
missing=
for f in $(grep -o '`[A-Za-z0-9_./-]*\.\(md\|[15]\)`' "$TOP/README.md" |
    tr -d '`' | sort -u); do
	[ -e "$TOP/$f" ] || missing="$missing $f"
done
check_eq "every file README.md names is in the repository" "" "$missing"
check_nomatch "README.md sends no one to shared documents" \
    'shared documents' "$(cat "$TOP/README.md")"
t_done
