# What the terminal program lets out of itself. The store's passphrase is
# typed at the terminal (no Secret Service), so the program keeps it in a
# memory file for its background jobs: the $EDITOR it starts, and the
# password-command a background sync runs against the lab's Dovecot, must
# inherit neither that nor any other descriptor. And the running
# program is not dumpable: its /proc entries belong to root, not to the
# user it runs as, so no process of that user (gcore, a debugger) can read
# its memory.
. "$TOP/tests/lib.sh"
lab_without_bus
TM="tmux -L sealmail-hyg-$$"
trap '$TM kill-server 2>/dev/null' EXIT
H="$T/home"
mkdir -p "$H" && chmod 700 "$H"
printf '%s\n' "$LAB_ALICE_PASS" > "$T/alicepw"
cat > "$T/pwcmd.sh" <<EOM
#!/bin/sh
ls -l /proc/self/fd > "$T/pwfds.tmp" 2>&1
mv "$T/pwfds.tmp" "$T/pwfds"
cat "$T/alicepw"
EOM
chmod +x "$T/pwcmd.sh"
cat > "$H/config" <<EOM
[account lab]
address  = alice@example.test
imap     = imaps://localhost:$LAB_IMAPS_PORT
password-command = $T/pwcmd.sh
ca-file  = $LAB_CA
EOM
# only_expected FILE: the descriptors above 2 in an ls -l of /proc/self/fd
# that are not its own output, the directory listed or a script read.
only_expected() {
	awk '$9 ~ /^[0-9]+$/ && $9 > 2 { print $11 }' "$1" |
	    grep -v -e "^$T/[a-z]*fds.tmp\$" -e '^/proc/[0-9]*/fd$' -e "^$T/[a-z]*\.sh\$"
}
cat > "$T/editor.sh" <<EOM
#!/bin/sh
# Stands in for the user's editor: what it was given, by descriptor.
ls -l /proc/self/fd > "$T/fds.tmp" 2>&1
mv "$T/fds.tmp" "$T/fds"
EOM
chmod +x "$T/editor.sh"
$TM new-session -d -s ui -x 100 -y 30 \
    "env -u DBUS_SESSION_BUS_ADDRESS EDITOR='$T/editor.sh' '$SEALMAIL' --home '$H'; echo EXITED \$?; sleep 30"
check "the program asks for a new store passphrase" ui_wait_for 'New passphrase'
ui_press "and for it again" 'Again' 'hygiene words' Enter
ui_press "the program opens on the INBOX" 'sealmail: INBOX' 'hygiene words' Enter
pid=$($TM display-message -p -t ui '#{pane_pid}')
sealpid=$(pgrep -P "$pid" -f "$SEALMAIL" | head -1)
check "the program is running" test -n "$sealpid"
check_match "it holds its passphrase in a memory file" 'memfd:sealmail-pass' \
    "$(ls -l /proc/"$sealpid"/fd 2>&1)"
$TM send-keys -t ui m
i=0; while [ $i -lt 100 ] && [ ! -f "$T/fds" ]; do sleep 0.1; i=$((i + 1)); done
check "the editor ran" test -f "$T/fds"
fds=$(cat "$T/fds" 2>/dev/null)
check_nomatch "the editor inherits no memory file (the passphrase)" 'memfd' "$fds"
check_nomatch "nor the store" 'store\.db|store\.lock' "$fds"
check_nomatch "nor a pipe, socket or event descriptor" 'pipe:|socket:|anon_inode' "$fds"
# What it may hold: the terminal on 0-2, its output file, the directory
# it lists, and the script its shell reads.
extra=$(only_expected "$T/fds")
check_eq "nothing else is open in the editor" "" "$extra"
[ -n "$extra" ] && printf '%s\n' "$fds" | sed 's/^/#   /'
$TM send-keys -t ui Escape n
sleep 0.3
# A sync in the background: the job gets the memory file, its password
# command does not.
$TM send-keys -t ui S
i=0; while [ $i -lt 150 ] && [ ! -f "$T/pwfds" ]; do sleep 0.1; i=$((i + 1)); done
check "the background sync ran the password command" test -f "$T/pwfds"
check_nomatch "the password command inherits no memory file" 'memfd' \
    "$(cat "$T/pwfds" 2>/dev/null)"
check_eq "nor anything else of the program's" "" "$(only_expected "$T/pwfds")"
check "the sync itself worked" ui_wait_for 'sync|INBOX'
ui_press "Q quits with status 0" 'EXITED 0' Q

# Not dumpable: run it as nobody, whose own processes' /proc entries are
# nobody's; the program's are root's.
N="$T/nb"
mkdir -p "$N" && chmod 700 "$N"
secret "$T/nbpw" 'nobody words'
chown -R nobody "$N" "$T/nbpw"
chmod 711 "$T"
setpriv --reuid=nobody --regid=nogroup --clear-groups sleep 30 &
sleeper=$!
sleep 0.3
check_eq "a process of nobody's own is nobody's in /proc" nobody \
    "$(stat -c %U /proc/$sleeper/status)"
kill "$sleeper"
$TM new-session -d -s nb -x 100 -y 30 \
    "exec setpriv --reuid=nobody --regid=nogroup --clear-groups env -u DBUS_SESSION_BUS_ADDRESS '$SEALMAIL' --home '$N' --passphrase-file '$T/nbpw'"
i=0; while [ $i -lt 100 ] && ! $TM capture-pane -p -t nb | grep -q 'sealmail: INBOX'; do sleep 0.1; i=$((i + 1)); done
nbpid=$($TM display-message -p -t nb '#{pane_pid}')
check_match "the program runs as nobody" '^Uid:[[:space:]]+65534' \
    "$(grep '^Uid' /proc/"$nbpid"/status)"
check_eq "its /proc/PID/status is root's: it is not dumpable" root \
    "$(stat -c %U /proc/"$nbpid"/status)"
check_fails "nobody cannot read its memory map" 'maps: Permission denied' \
    setpriv --reuid=nobody --regid=nogroup --clear-groups cat /proc/"$nbpid"/maps
$TM send-keys -t nb Q
t_done
