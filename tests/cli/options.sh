# Each command's options as its entry declares them: long only, anywhere
# among the words, "--name V" or "--name=V", the last of a pair winning;
# in list's and search's query a word such as "-is:signed" is a word.
. "$TOP/tests/lib.sh"
cli_home
D=$TOP/tests/data/smime
mkdir -p "$H"
check "a message in the store" "$TOOLS/app_storefill" "$H" "$T/pw" 1
id=$(sm list --json | json /dev/stdin 'd[0]["id"]')
check_match "... with an ID" '^[0-9]+$' "$id"

# Where an option stands, and how its value is given, does not matter.
a=$(sm show --json "$id")
check_match "show --json ID prints the message as JSON" '"id"' "$a"
check_eq "show ID --json prints the same" "$a" "$(sm show "$id" --json)"
a=$(sm list --json --folder INBOX)
check_eq "list --folder=INBOX is list --folder INBOX" "$a" \
    "$(sm list --folder=INBOX --json)"
check_eq "... and an option after the query's words is still one" \
    "$(sm list --json -- nosuchword)" "$(sm list nosuchword --json)"

# The query's words: "-word" negates, "--" ends the options.
check_eq "list -nosuchword: a negated word, the message stays" 1 \
    "$(sm list --json -nosuchword | json /dev/stdin 'len(d)')"
check_eq "list nosuchword: none" 0 \
    "$(sm list --json nosuchword | json /dev/stdin 'len(d)')"
check_eq "list -- --json: after --, --json is a word of the query" 0 \
    "$(sm list -- --json | wc -l)"
check "search -- --thread: a query, not an option" sm search -- --thread

# What a command does not take, or takes once, is a usage error.
check_error "list --thread --sort date: one order only" 2 \
    "list: '--thread' and '--sort' exclude each other$" \
    sm list --thread --sort date
check_error "list --sort date --sort from: once" 2 \
    "list: '--sort' is given twice$" sm list --sort date --sort from
check_error "list --sort bogus is refused, the values named" 2 \
    "list: '--sort' takes date\\|from\\|subject\\|size, not 'bogus'$" \
    sm list --sort bogus
check_error "... also as --sort=bogus" 2 "list: '--sort' takes .*, not 'bogus'$" \
    sm list --sort=bogus
check_error "list --sort without its value" 2 \
    "list: '--sort' needs one of date\\|from\\|subject\\|size$" sm list --sort
check_error "reply --all --list: one or the other" 2 \
    "reply: '--all' and '--list' exclude each other$" sm reply --all --list 1
check_error "search takes no --folder" 2 'search: ' \
    sm search --folder INBOX word
check_error "show -x: no one-letter options" 2 'show: ' sm show -x "$id"
check_error "reply --all --list: one of them" 2 'reply: ' \
    sm reply --all --list "$id"
check_error "forward --all: reply's only" 2 \
    "forward: unknown option '--all'" sm forward --all "$id"
check_error "store check --new-passphrase-file: passphrase's only" 2 \
    'store: ' sm store check --new-passphrase-file "$T/pw"
check_error "keys trust --passphrase-file: import's only" 2 'keys: ' \
    sm keys trust --passphrase-file "$T/pw" "$D/ca.pem"

# A command's own --passphrase-file opens the store, before the global one.
check "draft --passphrase-file F list" "$SEALMAIL" --home "$H" draft \
    --passphrase-file "$T/pw" list
check "draft list --passphrase-file=F" "$SEALMAIL" --home "$H" draft list \
    --passphrase-file="$T/pw"
check_error "draft --passphrase-file NOFILE list: that file is read" 1 \
    "$T/nofile" sm draft --passphrase-file "$T/nofile" list
check_error "send --sign --no-sign --bogus: the unknown one is named" 2 \
    "send: unknown option '--bogus'" sm send --sign --no-sign --bogus -
t_done
