# Errors that say what to do: each exits 1 (or 2 for usage) with a last
# line on stderr that names the file, option or folder, and the fix.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
mkdir -p "$H"
check "a store to work on" sm keys list

# Files that are not what the command expects.
check_error "keys import README.md: neither certificate nor PKCS#12" 1 \
    'README.md: not a certificate .*not a PKCS#12' sm keys import "$TOP/README.md"
check_error "keys trust README.md: not a certificate" 1 \
    'README.md: not a certificate' sm keys trust "$TOP/README.md"
check_error "keys trust bob.pem: an end-entity certificate is refused" 1 \
    'bob.pem: an end-entity certificate, not a CA.*keys import' \
    sm keys trust "$D/bob.pem"
check_eq "... and it is not an anchor" 0 \
    "$(sm keys list --json | json /dev/stdin 'len([x for x in d if x["kind"]=="anchor"])')"
check "keys trust ca.pem still works" sm keys trust "$D/ca.pem"
check_error "inspect README.md: not a message" 1 \
    'README.md: not a message' sm inspect "$TOP/README.md"
check_error "inspect /etc/passwd: not a message" 1 \
    '/etc/passwd: not a message' sm inspect /etc/passwd
check_eq "... and nothing of it is printed" "" "$(cat "$T/.out")"
check_error "inspect - with text on stdin: not a message" 1 \
    'standard input: not a message' sh -c \
    "printf 'just words\n' | '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' inspect -"
check_error "inspect NOFILE: the cause, as every command names it" 1 \
    "^sealmail: $T/nofile: No such file or directory$" sm inspect "$T/nofile"
check_error "... send NOFILE the same" 1 \
    "^sealmail: $T/nofile: No such file or directory$" sm send "$T/nofile"
check_error "inspect DIR: a directory" 1 "^sealmail: $T: Is a directory$" \
    sm inspect "$T"
for cmd in "inspect -" "send -" "draft save -"; do
	check_error "$cmd with nothing on stdin: standard input is empty" 1 \
	    '^sealmail: standard input: not a message \(it is empty\)$' \
	    sh -c "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw' $cmd \
	    </dev/null"
done
: >"$T/empty.eml"
check_error "inspect EMPTY: that file is empty" 1 \
    "^sealmail: $T/empty.eml: not a message \\(it is empty\\)$" \
    sm inspect "$T/empty.eml"
check "inspect a real message still works" sm inspect "$D/sig-valid.eml"
check_error "inspect --time past what a time holds is none" 1 \
    "@99999999999999999999: not a time" \
    sm inspect --time @99999999999999999999 "$D/sig-valid.eml"
check_error "... nor is a day that does not exist" 1 \
    "2026-02-30: not a time" sm inspect --time 2026-02-30 "$D/sig-valid.eml"
# A message saved from an mbox begins with its "From " line.
{ printf 'From alice@example.test Mon Dec  7 01:00:00 2026\n'
  cat "$D/sig-valid.eml"; } >"$T/saved.eml"
check_eq "inspect: an mbox's From line is not the message's" \
    "$(sm inspect --json "$D/sig-valid.eml")" \
    "$(sm inspect --json "$T/saved.eml")"
check_eq "... also on standard input" "alice@example.test" \
    "$(sm inspect --json - <"$T/saved.eml" | json /dev/stdin 'd["from"]')"
check_error "send /etc/passwd: not a message" 1 \
    '/etc/passwd: not a message' sm send /etc/passwd
check_error "draft save README.md: not a message" 1 \
    'README.md: not a message' sm draft save "$TOP/README.md"
check_error "draft save - with text on stdin: not a message" 1 \
    'standard input: not a message' sh -c \
    "printf 'just words\n' | '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' draft save -"
check_eq "... and none of them became a draft" 0 \
    "$(sm draft list --json | json /dev/stdin 'len(d)')"
id=$(sm draft save "$T/saved.eml")
check_eq "draft save: the draft begins with the header fields" \
    "From: Alice <alice@example.test>" \
    "$(sm draft show "$id" | head -1 | tr -d '\r')"
check "... and it goes" sm draft delete "$id"
check_error "config check with no config file names it" 1 \
    "$H/config: no such file" sm config check
check_error "list --folder Nope names the folder" 1 \
    "no folder 'Nope'" sm list --folder Nope
check "list of the INBOX before any sync is empty, not an error" sm list

# Usage errors: exit 2, the last line names what was wrong.
check_error "an unknown command is named last" 2 \
    "unknown command 'bogus'" sm bogus
check_error "an unknown global option is named last" 2 \
    "unknown option '--bogus'" "$SEALMAIL" --bogus
check_error "list --jsn names --jsn" 2 "list: unknown option '--jsn'" \
    sm list --jsn
check_error "keys list --jsn names --jsn" 2 "unknown option '--jsn'" \
    sm keys list --jsn
check_error "--home after the command is named: it goes before" 2 \
    "list: unknown option '--home'" sm list --home "$H"
check_error "an option without its value is named" 2 \
    "option '--folder' needs a value" sm list --folder
check_error "... a global one too, not called unknown" 2 \
    "^sealmail: option '--home' needs a value$" "$SEALMAIL" --home
check_error "... and an empty one is none: --home ''" 2 \
    "^sealmail: option '--home' needs a value, not ''$" \
    "$SEALMAIL" --home '' list
check_error "... --passphrase-file=" 2 \
    "^sealmail: option '--passphrase-file' needs a value, not ''$" \
    "$SEALMAIL" --home "$H" --passphrase-file= list
check_error "SEALMAIL_PASSPHRASE_FILE set empty is not set" 1 \
    "no Secret Service.*no terminal.*--passphrase-file" \
    env SEALMAIL_PASSPHRASE_FILE= "$SEALMAIL" --home "$T/h8" list
check_error "... --pin-file '' after the command" 2 \
    "^sealmail: option '--pin-file' needs a file$" sm list --pin-file ''
check_error "a one-letter option is named: none has one" 2 \
    "^sealmail: inspect: unknown option '-x'$" sm inspect -x
check_error "... also before the ID" 2 "^sealmail: show: unknown option '-x'$" \
    sm show -x 1
check_error "... while -1 is a bad ID" 2 "show: '-1' is not a message ID" \
    sm show -1
check_error "a value given to a flag is named" 2 \
    "^sealmail: list: option '--json' takes no value$" sm list --json=1
check_error "... also after a subcommand" 2 \
    "^sealmail: keys: option '--json' takes no value$" sm keys list --json=no
printf 'an attachment\n' >"$T/-x"
check_error "an option's value that looks like one is its value" 2 \
    "^sealmail: send: FILE\\|- is missing$" sh -c "cd '$T' &&
    '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' send --attach -x"
check_error "a repeated option's '...' is not an argument" 2 \
    "^sealmail: send: FILE\\|- is missing$" sm send --sign
check_error "an option is spelled out: --js is not --json" 2 \
    "list: unknown option '--js'" sm list --js
check_error "... nor --fold --folder" 2 "list: unknown option '--fold'" \
    sm list --fold INBOX
check_error "... nor --hom --home, before the command" 2 \
    "unknown option '--hom'" "$SEALMAIL" --hom "$H" list
check_eq "... while --home=DIR and --folder=NAME are whole" 0 \
    "$("$SEALMAIL" --home="$H" --passphrase-file="$T/pw" list \
    --folder=INBOX >/dev/null; echo $?)"
check_error "a missing argument is named last" 2 "show: ID is missing" \
    sm show
check_error "an argument too many is named last" 2 \
    "show: '2' is one argument too many" sm show 1 2
check_error "a message ID that is not a number is named" 2 \
    "show: 'abc' is not a message ID \\(a whole number above 0, as list prints\\)" \
    sm show abc
check_error "... and so is 0" 2 "move: '0' is not a message ID" \
    sm move 0 Archive
check_error "... and ' 1', a space before the number" 2 \
    "delete: ' 1' is not a message ID" sm delete ' 1'
check_error "... and +1, the number with a sign" 2 \
    "move: '[+]1' is not a message ID" sm move +1 Archive
check_error "a draft's ID is as strict: ' 1'" 2 \
    "draft: ' 1' is not a draft ID \\(a whole number above 0, as draft list" \
    sm draft show ' 1'
check_error "... draft delete abc: a usage error, as show abc is" 2 \
    "draft: 'abc' is not a draft ID" sm draft delete abc
check_error "... send --draft x" 2 "send: 'x' is not a draft ID" \
    sm send --draft x
check_error "... and an outbox ID: outbox send +1" 2 \
    "outbox: '[+]1' is not an outbox ID \\(a whole number above 0, as outbox" \
    sm outbox send +1
check_error "... outbox delete 0" 2 "outbox: '0' is not an outbox ID" \
    sm outbox delete 0
check_error "... also after an option" 2 "reply: '4x' is not a message ID" \
    sm reply --all 4x
check_error "... after a subcommand too" 2 \
    'keys import: FILE.p12.FILE.pem is missing' sm keys import
check_error "a missing subcommand: every one is named" 2 \
    'keys: a subcommand is missing \(import, trust, list, lookup, remove\)' sm keys
check_error "an unknown subcommand is named, with the ones there are" 2 \
    "keys: no subcommand 'frobnicate' \\(keys has import, trust, list, lookup, remove\\)" \
    sm keys frobnicate
check_error "... draft's" 2 \
    "draft: no subcommand 'view' \\(draft has save, list, show, delete\\)" \
    sm draft view 1
check_error "... outbox's" 2 \
    "outbox: no subcommand 'frob' \\(outbox has send, delete\\)" sm outbox frob
check_error "... store's" 2 \
    "store: no subcommand 'frob' \\(store has check, keyring, passphrase\\)" \
    sm store frob
check_error "... config's" 2 "config: no subcommand 'frob' \\(config has check\\)" \
    sm config frob
check_error "a subcommand that is there, with an option it does not take" 2 \
    "draft: show takes no '--json'" sm draft show 1 --json
check_error "... outbox send's" 2 "outbox: send takes no '--json'" \
    sm outbox send --json
check_error "a subcommand's missing argument, in a usage of several" 2 \
    'outbox delete: ID is missing' sm outbox delete
check_error "... and its argument too many" 2 "outbox: '2' is one argument too many" \
    sm outbox delete 1 2
check_error "a missing subcommand of a usage of alternatives" 2 \
    'draft: a subcommand is missing \(save, list, show, delete\)' sm draft

# --help fits 80 columns and names the system flags.
"$SEALMAIL" --help >"$T/help"
check_eq "--help: no line over 80 columns" "" \
    "$(awk 'length($0) > 80' "$T/help")"
# The options: getopt's table in cli.c, and each command entry's option
# words (its fifth member, a string or a named one).
python3 - "$TOP" >"$T/opts" <<'PY'
import glob, re, sys
lit = lambda s: "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s))
src = "".join(open(f).read() for f in glob.glob(sys.argv[1] + "/app/cmd-*.c"))
named = {m[0]: lit(m[1]) for m in re.findall(
    r'static const char\s+(\w+)\[\]\s*=\s*((?:\s*"(?:[^"\\]|\\.)*")+)\s*;', src)}
out = set(re.findall(r'\{ "([a-z-]+)",\s*\w+_argument',
    open(sys.argv[1] + "/app/cli.c").read()))
for body in re.findall(r'const struct cli_cmd cmd_\w+_entry = \{(.*?)\};', src, re.S):
    f = re.findall(r'((?:\s*"(?:[^"\\]|\\.)*")+|\w+)\s*(?:,|$)', body)
    opts = lit(f[4]) if f[4].lstrip().startswith('"') else named.get(f[4], "")
    out.update(w.rstrip("=") for w in opts.split())
print("\n".join(sorted(out)))
PY
check_match "the options are found (cli.c's and the commands')" \
    'attach .*new-passphrase-file .*pin-file .*rsa-pss' "$(tr '\n' ' ' <"$T/opts")"
check_each_in "--help names every option the commands take" "$T/help" \
    "$T/opts" -- '\b'
check_match "--help says which flags are system flags" \
    'Seen, *Flagged, *Answered, *Deleted *and *Draft' "$(tr '\n' ' ' <"$T/help")"

# flag: system flags by name, with or without the backslash.
check "a message in the store" "$TOOLS/app_storefill" "$H" "$T/pw" 1
id=$(sm list --json | json /dev/stdin 'd[0]["id"]')
flags() { sm list --json | json /dev/stdin 'sorted(d[0]["flags"])'; }
check "flag +Flagged" sm flag "$id" +Flagged
check_eq "Flagged is \\Flagged" '["\\Flagged"]' "$(flags)"
check "flag Seen +'\\Answered' -flagged" sm flag "$id" Seen +'\Answered' -flagged
check_eq "Seen and Answered are system flags, Flagged is gone" \
    '["\\Answered", "\\Seen"]' "$(flags)"
check "flag +Draft +Deleted +\$Work" sm flag "$id" +Draft +Deleted +'$Work'
check_eq "Draft and Deleted too; \$Work stays a keyword" \
    '["$Work", "\\Answered", "\\Deleted", "\\Draft", "\\Seen"]' "$(flags)"
check_error "a made-up system flag is refused, naming it" 1 \
    "bad flag '[+].Frobbed'" sm flag "$id" +'\Frobbed'
# A keyword that is no IMAP atom would make every sync after it fail.
K256=$(printf '%0256d' 0)
for k in "$(printf '\303\274')" 'a]b' "${K256}0"; do
	check_error "a keyword that is no IMAP atom is refused (${#k} bytes)" \
	    1 "bad flag .*printable ASCII, up to 256 bytes" sm flag "$id" "+$k"
done
check "... a keyword of 256 bytes is one" sm flag "$id" "+$K256"
check_eq "... kept beside the five before it" true \
    "$(sm list --json | json /dev/stdin \
    "'$K256' in d[0]['flags'] and len(d[0]['flags']) == 6")"

# Loose permissions, refused as ssh does.
chmod 600 "$T/pw"
chmod 0777 "$H"
check_error "a home others may write is refused, naming it" 1 \
    "$H: a home that group or others may write.*chmod go-w" sm keys list
chmod 0700 "$H"
printf '[account a]\naddress = a@example.test\n' >"$H/config"
chmod 0666 "$H/config"
check_error "a config others may write is refused, naming it" 1 \
    "$H/config: a config file that group or others may write" sm config check
chmod 0600 "$H/config"
check "a config of mode 600 is read" sm config check
chmod 0644 "$T/pw"
check_error "a passphrase file others may read is refused, naming it" 1 \
    "$T/pw: a passphrase file that group or others may read.*chmod 600" \
    sm keys list
chmod 0600 "$T/pw"
check_error "a directory for the passphrase file: no chmod would help" 1 \
    "^sealmail: $T: a directory, not a passphrase file$" \
    "$SEALMAIL" --home "$H" --passphrase-file "$T" keys list
mkdir -m 700 "$T/h7" "$T/h7/config"
check_error "... nor for the config file" 1 \
    "^sealmail: $T/h7/config: a directory, not a config file$" \
    "$SEALMAIL" --home "$T/h7" config check
check "a passphrase in a file without a name (memfd) is read" python3 -c '
import os, sys
fd = os.memfd_create("pw", 0)
os.write(fd, b"store pass phrase\n")
os.execv(sys.argv[1], [sys.argv[1], "--home", sys.argv[2],
    "--passphrase-file", "/proc/self/fd/%d" % fd, "keys", "list"])' \
    "$SEALMAIL" "$H"

# No Secret Service, a new home: one consistent line.
"$SEALMAIL" --home "$T/h2" keys list </dev/null >/dev/null 2>"$T/err"; rc=$?
check_eq "no Secret Service, no file, no terminal: exit 1" 1 "$rc"
check_eq "... in one line" 1 "$(wc -l <"$T/err")"
check_match "... that says why and what to give" \
    'no Secret Service.*no terminal.*--passphrase-file' "$(cat "$T/err")"
"$SEALMAIL" --home "$T/h2" --passphrase-file "$T/pw" keys list \
    >/dev/null 2>"$T/err"
check_match "with a passphrase file the notice names it" \
    "no Secret Service.*using a passphrase instead, read from $T/pw" \
    "$(cat "$T/err")"
check_nomatch "... and says nothing of a terminal" 'terminal' "$(cat "$T/err")"

# An account without servers: the line says what to add, and where.
printf '[account bare]\naddress = alice@example.test\n' > "$H/config"
check_error "sync of an account with no imap server says what to add" 1 \
    "account bare has no imap server: add imap = imaps://HOST to its section of $H/config" \
    sm sync
check_error "check of an account with no server says what to add" 1 \
    "account bare names no server: add imap = imaps://HOST and smtp = submission://HOST to its section of $H/config" \
    sm check
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: s\n\nx\n' \
    > "$T/bare.txt"
check_error "send through an account with no smtp server says what to add" \
    1 "account bare has no smtp server: add smtp = submission://HOST" \
    sm send --no-sign --no-encrypt "$T/bare.txt"
rm -f "$H/config"
t_done
