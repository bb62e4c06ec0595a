#!/bin/sh
# The compose screen tells a recipient who has no certificate from one
# whose certificate could not be looked up. With the lab's resolver, an
# address without SMIMEA has "no certificate"; with the resolver down,
# bob's (who has one in DNS) is "the SMIMEA lookup failed", not "no
# certificate", and the send asks before going in the clear, saying why.
. "$TOP/tests/lib.sh"
ui_alice uidns "ui dns down passphrase"
alice_identity
# No server to sync from: a signed message of bob's in the lab's INBOX
# (another test's) would give his certificate, harvested, to the send.
sed -i 's|^imap = .*|imap = imap://mail.example.test:9|' "$H/config"

# editor TO: fills To with TO and the Subject, writes a line.
editor() {
	cat > "$T/editor.sh" <<EOM
#!/bin/sh
sed -i "s/^Subject:.*\\\$/Subject: dns $ID/; s/^To: *\\\$/To: $1/" "\$1"
printf 'a line\n' >> "\$1"
EOM
	chmod +x "$T/editor.sh"
}
start() {
	tm_new_session -d -s ui -x 140 -y 30 \
	    "HOME='$T' EDITOR='$T/editor.sh' exec '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
	check "the program opens" wait_for 'sealmail: INBOX'
}
# discard: q on the compose screen, and no to postponing. The status line
# may already say the next try to reach the (absent) server, so the word
# "discarded" is not waited for: the index is, and the store holds no
# draft.
discard() {
	key q
	wait_for 'Postpone this message' >/dev/null 2>&1
	key n
	check "back on the index" wait_for 'No messages here yet'
	check_eq "the message is discarded: no draft kept" "[]" \
	    "$(S draft list --json 2>/dev/null)"
}

editor nobody@example.test
start
key m
check "an address without SMIMEA: no certificate" \
    wait_for 'nobody@example.test +no certificate \(key store, harvested, SMIMEA\)'
discard
$TM kill-server

sed -i 's/^resolver = .*/resolver = 127.0.0.1@9/' "$H/config"
sed -i 's/^\[dns\]$/&\ntimeout = 2/' "$H/config"
editor bob@example.test
start
key m
check "bob with the resolver down: the lookup failed" \
    wait_for 'bob@example.test +none in the key store, and the SMIMEA lookup failed'
check_nomatch "not: no certificate" 'no certificate \(key store' \
    "$(ui_screen)"
key y
check "the send asks before sending in the clear, saying why" \
    wait_for 'cannot encrypt to bob@example.test: DNS'
key n
discard
t_done
