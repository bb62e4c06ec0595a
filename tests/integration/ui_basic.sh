# The terminal program, driven through tmux: it opens on an empty home,
# shows the index, help, key store and folders, and quits cleanly.
. "$TOP/tests/lib.sh"
TM="tmux -L sealmail-test-$$"
H="$T/home"
mkdir -p "$H" && chmod 700 "$H"
secret "$T/pass" 'ui-test-passphrase'
printf '[account demo]\naddress = alice@example.test\nname = Alice Example\n' > "$H/config"
trap '$TM kill-server 2>/dev/null' EXIT

wait_for() { ui_wait_for "$1"; }

$TM new-session -d -s ui -x 110 -y 32 \
    "env -u DBUS_SESSION_BUS_ADDRESS '$SEALMAIL' --home '$H' --passphrase-file '$T/pass'; echo EXITED \$?; sleep 30"
check "the program opens on the INBOX index" wait_for 'sealmail: INBOX \(0\)'
check "an empty INBOX says how to sync" wait_for 'S syncs the account'
check "the key hint line is shown" wait_for 'q:back +Enter:read'
$TM send-keys -t ui '?'
check "? opens the help" wait_for 'sealmail: help'
$TM send-keys -t ui j j j j j j j j j j j j j j j j j j
check "help explains the signature marks" wait_for 'BAD signature'
$TM send-keys -t ui q K
check "K opens the key store" wait_for 'sealmail: key store'
check "an empty key store says how to import" wait_for 'keys import FILE.p12'
$TM send-keys -t ui q c
check "c opens the folders" wait_for 'sealmail: folders'
check "the account's outbox is a folder, with its count" wait_for '^  outbox +0  \(messages not yet sent\)'
check "and its drafts" wait_for '^  drafts +0  \(postponed'
$TM send-keys -t ui Enter
check "Enter on a folder opens its index" wait_for 'sealmail: INBOX'
$TM send-keys -t ui q
check "q goes back from it to the first index" wait_for 'sealmail: INBOX'
$TM send-keys -t ui q
check "q on the first screen asks before quitting" wait_for 'Quit sealmail\? \(y/N\)'
$TM send-keys -t ui y
check "y quits with status 0" wait_for 'EXITED 0'
check "the store was created, not in clear" sh -c "! grep -rq 'SQLite format 3' '$H'"
t_done
