# The index names each sender by the display name the store keeps beside
# the message, read when the message was synced: with every stored copy
# of the folder taken away afterwards (app_storestrip), the rows still
# show the names, decoded and sanitized, and an address where the From
# field has no name.
. "$TOP/tests/lib.sh"
F="uinames$$"
ui_lab uinames "$F"
alice_lab_home 'ui names passphrase'

# put FROM SUBJECT: one message from FROM into the test folder.
put() {
	printf 'From: %s\nTo: alice@example.test\nSubject: %s\n' "$1" "$2" > "$T/m"
	printf 'Date: 3 Nov 2026 10:00:00 +0000\n\nthe text of %s\n' "$2" >> "$T/m"
	alice_deliver "$T/m" S
}
put 'Bob Example <bob@example.test>' 'nm-plain'
put '=?utf-8?q?Zo=C3=AB_=1B[31mQuinn?= <zoe@example.test>' 'nm-encoded'
put 'carol@example.test' 'nm-bare'
put '"Dave, the Second" <dave@example.test>' 'nm-quoted'
# The account's folders too, so that the sync the program starts with
# adds none while the folder list is open.
check "sync the account" S sync
check "sync the test folder" S sync --folder "$F"
check_eq "every stored copy taken away" 4 \
    "$("$TOOLS/app_storestrip" "$H" "$T/pw" "$F")"
ids=$(S list --json --folder "$F" | grep -o '"id": *[0-9]*' | grep -o '[0-9]*$')
check_eq "the folder lists all four" 4 "$(echo $ids | wc -w)"
shown=""
for id in $ids; do
	shown="$shown$(S show "$id" 2>&1 | grep -o 'the text of nm-[a-z]*')"
done
check_eq "nothing left of them to show" "" "$shown"

$TM new-session -d -s ui -x 100 -y 24 \
    "'$SEALMAIL' --home '$H' --passphrase-file '$T/pw'; echo EXITED \$?; sleep 60"
check "the program opens" ui_wait_for 'sealmail: INBOX'
check "c and Enter open the test folder" ui_open_folder "$F"
check "the folder is shown" ui_wait_for "sealmail: $F \\(4\\)"
check_match "a plain display name" ' Bob Example +nm-plain' \
    "$(ui_screen | grep 'nm-plain')"
check_match "an encoded one, decoded and sanitized" ' Zoë Quinn +nm-encoded' \
    "$(ui_screen | grep 'nm-encoded')"
check_match "no name: the address" ' carol@example.test +nm-bare' \
    "$(ui_screen | grep 'nm-bare')"
check_match "a quoted one" ' Dave, the Second +nm-quoted' \
    "$(ui_screen | grep 'nm-quoted')"
check_nomatch "no escape reaches the screen" "$(printf '\033')" \
    "$($TM capture-pane -p -e -t ui | grep 'nm-encoded' | sed 's/\x1b\[[0-9;]*m//g')"
ui_press "Q quits cleanly" 'EXITED 0' Q
t_done
