# The key store screen, driven through tmux: the user's own certificate is
# listed once, as the identity that signs, also when it was imported as a
# peer's too;
# a long address is cut so that the columns never run into each other.
. "$TOP/tests/lib.sh"
D=$TOP/tests/data/smime
TM="tmux -L sealmail-keys-$$"
H="$T/home"
mkdir -p "$H" && chmod 700 "$H"
secret "$T/pass" 'ui-keys-passphrase'
cp "$D/alice.p12" "$D/p12-passphrase" "$T/" &&
    chmod 600 "$T/alice.p12" "$T/p12-passphrase"
trap '$TM kill-server 2>/dev/null' EXIT
sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pass" "$@"; }

# A correspondent whose address is longer than the column.
LONG=a.correspondent.with.a.long.name@departments.example.test
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/long.key" -out "$T/long.pem" -days 30 -subj "/CN=Long" \
    -addext "subjectAltName=email:$LONG" 2>/dev/null
check "alice's identity imports" sm keys import "$T/alice.p12" \
    --passphrase-file "$T/p12-passphrase"
check "... and her certificate as a peer's as well" sm keys import "$D/alice.pem"
check "bob's certificate imports" sm keys import "$D/bob.pem"
check "the long-named correspondent imports" sm keys import "$T/long.pem"
check "the CA is an anchor" sm keys trust "$D/ca.pem"
check_eq "the store holds alice's certificate twice" 2 \
    "$(sm keys list --json | json /dev/stdin \
    'len([x for x in d if "alice@example.test" in x["email"]])')"

$TM new-session -d -s ui -x 120 -y 30 \
    "env -u DBUS_SESSION_BUS_ADDRESS '$SEALMAIL' --home '$H' --passphrase-file '$T/pass'; echo EXITED \$?; sleep 30"
check "with no account, setting one up is offered" tm_wait 10 \
    'No account is configured yet'
$TM send-keys -t ui Enter
check "the program opens" tm_wait 10 'sealmail: INBOX'
$TM send-keys -t ui K
check "K opens the key store" tm_wait 10 'sealmail: key store'
check "bob is listed" tm_wait 10 '^ *peer +bob@example.test'
tm_screen >"$T/keys"
check_eq "alice is listed once" 1 "$(grep -c 'alice@example.test' "$T/keys")"
check_match "... as the identity" '^ *identity +alice@example.test' \
    "$(cat "$T/keys")"
check_match "... marked as the one that signs her mail" \
    '^ *identity +alice@example.test .* imported  signs *$' "$(cat "$T/keys")"
check_eq "... and only she is" 1 "$(grep -c ' signs *$' "$T/keys")"
check_match "the long address is cut with an ellipsis" \
    'peer +a\.correspondent\.with\.a\.long\.nam… ' "$(cat "$T/keys")"
check_eq "every line's columns line up (until at one column)" 1 \
    "$(python3 -c 'import sys
print(len({l.index(" until ") for l in open(sys.argv[1], encoding="utf-8")
    if " until " in l}))' "$T/keys")"
$TM send-keys -t ui q Q
check "q back, Q quits with status 0" tm_wait 10 'EXITED 0'
t_done
