#!/bin/sh
# Many recipients do not push the attached files off the compose screen.
# At 80x24, a message to bob and thirteen addresses without certificates
# with a file attached: the screen lists as many recipients as leave room
# for the file and the keys' line, and one line says how many more there
# are and how many of those have no certificate. At 130x50 every
# recipient shows, and no such line.
. "$TOP/tests/lib.sh"
ui_alice uimr "ui many recipients passphrase"
alice_identity
TO="bob@example.test"
i=1
while [ $i -le 13 ]; do TO="$TO, nocert$i@example.test"; i=$((i + 1)); done
cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i 's/^To: *\$/To: $TO/; s/^Subject: *\$/Subject: many $ID/' "\$1"
printf 'to many\n' >> "\$1"
EOM
chmod +x "$T/editor.sh"
head -c 3000 /dev/urandom > "$T/file-$ID.bin"
ui_start "$H" 80x24 "HOME='$T' EDITOR='$T/editor.sh'"
check "the program opens" wait_for 'sealmail: INBOX'
ui_press "the compose screen" '^Send\?  y:send' m
ui_press "a file attached" 'attached file-' a "~/file-$ID.bin" Enter
check "the file is on the screen" \
    wait_for "^> 1 file-$ID.bin +application/octet-stream +2.9 KB"
check "so is the keys' line" wait_for '^t To  c Cc  b Bcc  a attach  D detach'
check "the first recipients show" wait_for '^  bob@example.test '
check "one line counts the others, and those without a certificate" \
    wait_for '^  … and [0-9]+ more, [0-9]+ of them without a certificate$'
more=$(ui_screen | sed -n 's/^  … and \([0-9]*\) more.*/\1/p')
shown=$(ui_screen | grep -c '^  [a-z0-9.]*@example.test ')
check_eq "the shown and the counted make fourteen" 14 $((shown + more))
check "130x50" $TM resize-window -t ui -x 130 -y 50
check "the last recipient shows" wait_for '^  nocert13@example.test '
check_nomatch "and nothing is counted" '… and [0-9]+ more' "$(ui_screen)"
check "the file still shows" wait_for "^> 1 file-$ID.bin"
check "q discards" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
