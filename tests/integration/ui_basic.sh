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
ui_press "? opens the help" 'sealmail: help' '?'
# Down to the marks at its end (j stops at the last line).
ui_press "help explains the signature marks" 'BAD signature' \
    $(printf 'j %.0s' $(seq 1 60))
# The keys of every screen stand under "Everywhere", not under the last
# screen's heading before them (read whole on a tall terminal).
$TM resize-window -t ui -x 110 -y 90
ui_press "on a tall terminal the help shows from its top" '^Index' =
# section HEADING: the lines under HEADING, up to the next heading.
section() {
	ui_screen | awk -v h="$1" '/^[^ ]/ { on = ($0 == h); next } on'
}
for k in 'S or \$ +sync every account' '^  K +the key store' \
    '^  q x +back' '^  Q  \^C +quit at once'; do
	check_match "the help names '$k' under Everywhere" "$k" \
	    "$(section Everywhere)"
	check_nomatch "... and not under the outbox screen's keys" "$k" \
	    "$(section 'Outbox (c, then outbox)')"
done
$TM resize-window -t ui -x 110 -y 32
# ? in the help opens no second help over it: one q leaves it.
$TM send-keys -t ui '?'
ui_press "? in the help, then q: back on the index" 'sealmail: INBOX' q
ui_press "K opens the key store" 'sealmail: key store' K
check "an empty key store says how to import" wait_for 'keys import FILE.p12'
$TM send-keys -t ui K
ui_press "K in the key store, then q: back on the index" 'sealmail: INBOX' q
ui_press "c opens the folders" 'sealmail: folders' c
$TM send-keys -t ui c
ui_press "c in the folders, then q: back on the index" 'sealmail: INBOX' q
ui_press "c again" 'sealmail: folders' c
check "the account's outbox is a folder, with its count" wait_for '^    outbox +0  \(messages not yet sent\)'
check "and its drafts" wait_for '^    drafts +0  \(postponed, kept here'
ui_press "Enter on a folder opens its index" 'sealmail: INBOX' Enter
ui_press "q goes back from it to the first index" 'sealmail: INBOX' q
ui_press "q on the first screen asks before quitting" 'Quit sealmail\? \(y/N\)' q
ui_press "y quits with status 0" 'EXITED 0' y
check "the store was created, not in clear" sh -c "! grep -rq 'SQLite format 3' '$H'"
t_done
