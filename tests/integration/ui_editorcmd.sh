#!/bin/sh
# $EDITOR is a shell command, as mutt runs it: quoted words in it stay
# whole (EDITOR="emacsclient -t -a ''" is the usual case), and the draft's
# file is the last argument. An editor script given "-t", "-a", an empty
# word and "two words" records its arguments and writes the message; the
# compose screen follows.
. "$TOP/tests/lib.sh"
ui_alice uiec "ui editor command passphrase"
cat > "$T/editor.sh" <<EOM
#!/bin/sh
n=0
for a; do n=\$((n + 1)); printf '%s:[%s]\n' "\$n" "\$a"; done > "$T/args"
eval "f=\\\${\$#}"
sed -i 's/^To: *\$/To: bob@example.test/; s/^Subject: *\$/Subject: words $ID/' "\$f"
printf 'written\n' >> "\$f"
EOM
chmod +x "$T/editor.sh"
ui_start "$H" 80x24 \
    "HOME='$T' EDITOR=\"'$T/editor.sh' -t -a '' 'two words'\""
check "the program opens" wait_for 'sealmail: INBOX'
key m
check "the editor wrote the message: the compose screen" \
    wait_for "^Subject: +words $ID"
check_eq "it had four words and the file" "1:[-t]
2:[-a]
3:[]
4:[two words]" "$(sed -n 1,4p "$T/args")"
check_match "the file last" '^5:\[/.*/draft-[0-9]+-' "$(sed -n 5p "$T/args")"
check_eq "nothing more" 5 "$(wc -l < "$T/args")"
check "q discards" ui_discard
key Q
check "the program ends" wait_for 'EXITED 0'
t_done
