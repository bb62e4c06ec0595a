#!/bin/sh
# The lab's mail path: a message submitted to Postfix with STARTTLS (587)
# or implicit TLS (465) and AUTH, the server certificate verified against
# the lab CA, reaches Dovecot over LMTP and is read back over IMAP
# (STARTTLS) and IMAPS; the inbound SMTP port and LMTP deliver too; Postfix
# refuses a forged sender and relaying.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up (LAB_ENV)"; t_done; }
ok "the lab is up"
H=$LAB_HOST

# imap_uid USER PASS URLBASE SUBJECT: the UID of the message with SUBJECT in
# INBOX, waiting up to 10 s for it to arrive (Postfix delivers at once, but
# through its queue).
imap_uid() {
	_i=0
	while [ $_i -lt 100 ]; do
		_u=$(curl -s --ssl-reqd --cacert "$LAB_CA" \
		    --resolve "$H:$LAB_IMAP_PORT:127.0.0.1" \
		    --resolve "$H:$LAB_IMAPS_PORT:127.0.0.1" \
		    -u "$1:$2" "$3/INBOX" -X "UID SEARCH SUBJECT \"$4\"" |
		    tr -d '\r' | sed -n 's/^\* SEARCH *//p')
		if [ -n "$_u" ]; then
			echo "$_u"
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# fetch USER PASS URLBASE UID: the whole message.
fetch() {
	curl -s --ssl-reqd --cacert "$LAB_CA" \
	    --resolve "$H:$LAB_IMAP_PORT:127.0.0.1" \
	    --resolve "$H:$LAB_IMAPS_PORT:127.0.0.1" \
	    -u "$1:$2" "$3/INBOX;UID=$4"
}

send() {
	# send PORT-OPTION... : alice to bob through swaks, TLS verified.
	swaks --server 127.0.0.1 --tls-verify --tls-ca-path "$LAB_CA" \
	    --tls-sni "$H" --auth PLAIN --auth-user "$LAB_ALICE" \
	    --auth-password "$LAB_ALICE_PASS" --from "$LAB_ALICE" "$@"
}

tag=$(date +%s)-$$
s587="lab submission 587 $tag"
s465="lab submissions 465 $tag"
check "swaks: submission 587 with STARTTLS, verified, AUTH PLAIN" \
    send --port "$LAB_SUBMISSION_PORT" --tls --to "$LAB_BOB" \
    --header "Subject: $s587" --body "body via 587 $tag"
check "swaks: submissions 465 with implicit TLS, verified, AUTH LOGIN" \
    swaks --server 127.0.0.1 --port "$LAB_SUBMISSIONS_PORT" --tlsc \
    --tls-verify --tls-ca-path "$LAB_CA" --auth LOGIN \
    --auth-user "$LAB_ALICE" --auth-password "$LAB_ALICE_PASS" \
    --from "$LAB_ALICE" --to "$LAB_BOB" --header "Subject: $s465" \
    --body "body via 465 $tag"
out=$(swaks --server 127.0.0.1 --port "$LAB_SUBMISSION_PORT" --tls \
    --tls-verify --auth PLAIN --auth-user "$LAB_ALICE" \
    --auth-password "$LAB_ALICE_PASS" --from "$LAB_ALICE" --to "$LAB_BOB" \
    2>&1)
check_match "without the lab CA, swaks stops at certificate verification" \
    'certificate verify failed' "$out"
check_nomatch "... and sends no AUTH" '^ ~?-> AUTH' "$out"

# bob_reads URLBASE SUBJECT "what": checks that bob's INBOX holds SUBJECT,
# read over URLBASE; the message goes to m.
bob_reads() {
	_u=$(imap_uid "$LAB_BOB" "$LAB_BOB_PASS" "$1" "$2")
	check_match "$3" '^[0-9]+$' "$_u"
	m=$(fetch "$LAB_BOB" "$LAB_BOB_PASS" "$1" "$_u")
}

bob_reads "imap://$H:$LAB_IMAP_PORT" "$s587" \
    "the 587 message is in bob's INBOX (IMAP STARTTLS)"
check_match "read back over IMAP: its body" "body via 587 $tag" "$m"
check_match "read back over IMAP: from alice" "^From: .*$LAB_ALICE" "$m"
check_match "it was submitted with TLS and AUTH (ESMTPSA)" "ESMTPSA" "$m"
check_match "it was delivered over LMTP" "with LMTP" "$m"

bob_reads "imaps://$H:$LAB_IMAPS_PORT" "$s465" \
    "the 465 message is in bob's INBOX (IMAPS)"
check_match "read back over IMAPS: its body" "body via 465 $tag" "$m"
check_match "read back over IMAPS: ESMTPSA" "ESMTPSA" "$m"
n=$(grep -rl "body via 465 $tag" "$LAB_DIR/mail/example.test/bob/Maildir" |
    wc -l)
check_eq "the message is a file in bob's Maildir under LAB_DIR" 1 "$n"

check_fails "IMAP refuses a wrong password" 'Login denied' \
    curl -sS --ssl-reqd --cacert "$LAB_CA" -u "$LAB_BOB:wrong" \
    "imaps://127.0.0.1:$LAB_IMAPS_PORT/INBOX" -X "UID SEARCH ALL"
check_fails "submission refuses a wrong password" '535 5\.7\.8' \
    swaks --server 127.0.0.1 --port "$LAB_SUBMISSION_PORT" --tls \
    --auth PLAIN --auth-user "$LAB_ALICE" --auth-password wrong \
    --from "$LAB_ALICE" --to "$LAB_BOB"
check_fails "alice cannot send as bob" 'Sender address rejected' \
    send --port "$LAB_SUBMISSION_PORT" --tls --from "$LAB_BOB" \
    --to "$LAB_ALICE"
check_fails "no relaying elsewhere, even authenticated" \
    'someone@example\.org>: Recipient address rejected' \
    send --port "$LAB_SUBMISSION_PORT" --tls --to someone@example.org

si="lab inbound $tag"
check "inbound SMTP port accepts mail for alice without AUTH" \
    swaks --server 127.0.0.1 --port "$LAB_SMTP_PORT" \
    --from someone@example.org --to "$LAB_ALICE" --header "Subject: $si"
check_fails "inbound SMTP port does not relay" \
    'someone@example\.org>: (Relay access denied|Recipient address rejected)' \
    swaks --server 127.0.0.1 --port "$LAB_SMTP_PORT" \
    --from "$LAB_ALICE" --to someone@example.org
check_fails "inbound SMTP port refuses unknown users" \
    'nobody@example\.test>: Recipient address rejected' \
    swaks --server 127.0.0.1 --port "$LAB_SMTP_PORT" \
    --from someone@example.org --to nobody@example.test
u3=$(imap_uid "$LAB_ALICE" "$LAB_ALICE_PASS" "imaps://$H:$LAB_IMAPS_PORT" "$si")
check_match "the inbound message is in alice's INBOX" '^[0-9]+$' "$u3"

sl="lab lmtp $tag"
check "LMTP delivers to bob directly" \
    swaks --server 127.0.0.1 --port "$LAB_LMTP_PORT" --protocol LMTP \
    --from someone@example.org --to "$LAB_BOB" --header "Subject: $sl"
u4=$(imap_uid "$LAB_BOB" "$LAB_BOB_PASS" "imaps://$H:$LAB_IMAPS_PORT" "$sl")
check_match "the LMTP message is in bob's INBOX" '^[0-9]+$' "$u4"
t_done
