#!/bin/sh
# No port of the lab takes a password before TLS. IMAP (from 127.0.0.2:
# Dovecot 2.3 counts 127.0.0.1 talking to itself as secured) advertises
# LOGINDISABLED and no AUTH=, and denies LOGIN and AUTHENTICATE; submission
# offers no AUTH before STARTTLS and answers AUTH and MAIL with 530; the
# inbound port offers no AUTH at all; the implicit-TLS ports say nothing in
# clear text.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up (LAB_ENV)"; t_done; }
talk() { python3 "$TOP/tests/lab/talk.py" "$@" 2>&1; }
# b64 of "\0alice@example.test\0alice-pass"
plain=$(printf '\0%s\0%s' "$LAB_ALICE" "$LAB_ALICE_PASS" | base64 -w0)

out=$(talk --from 127.0.0.2 "$LAB_IMAP_PORT" imap "a CAPABILITY" \
    "b LOGIN $LAB_ALICE $LAB_ALICE_PASS" "c AUTHENTICATE PLAIN $plain" \
    "d LOGOUT")
check_match "IMAP before STARTTLS: greeting has LOGINDISABLED" \
    '^\* OK \[CAPABILITY [^]]*LOGINDISABLED' "$out"
check_match "IMAP before STARTTLS: STARTTLS offered" \
    '^\* CAPABILITY .*STARTTLS' "$out"
check_nomatch "IMAP before STARTTLS: no AUTH= mechanism" 'AUTH=' "$out"
check_match "IMAP before STARTTLS: LOGIN denied" '^b NO ' "$out"
check_match "IMAP before STARTTLS: AUTHENTICATE PLAIN denied" '^c NO ' "$out"
check_nomatch "IMAP before STARTTLS: never logged in" '^[bc] OK' "$out"
check_fails "curl: IMAP login from 127.0.0.2 without TLS is denied" \
    'Login denied' curl -sS --interface 127.0.0.2 -u "$LAB_ALICE:$LAB_ALICE_PASS" \
    "imap://127.0.0.1:$LAB_IMAP_PORT/INBOX" -X "UID SEARCH ALL"
check "curl: the same login with STARTTLS from 127.0.0.2 works" \
    curl -s --ssl-reqd --cacert "$LAB_CA" --interface 127.0.0.2 \
    -u "$LAB_ALICE:$LAB_ALICE_PASS" \
    "imap://127.0.0.1:$LAB_IMAP_PORT/INBOX" -X "UID SEARCH ALL"

out=$(talk "$LAB_SUBMISSION_PORT" smtp "EHLO client.example.test" \
    "AUTH PLAIN $plain" "AUTH LOGIN" "MAIL FROM:<$LAB_ALICE>" QUIT)
check_match "submission 587: STARTTLS offered" '^250[- ]STARTTLS' "$out"
check_nomatch "submission 587: no AUTH in EHLO before STARTTLS" \
    '^250[- ]AUTH' "$out"
n=$(printf '%s\n' "$out" | grep -c '^530 5.7.0 Must issue a STARTTLS')
check_eq "submission 587: AUTH PLAIN, AUTH LOGIN and MAIL answered 530" 3 "$n"
check_nomatch "submission 587: no 235 (authenticated)" '^235' "$out"

out=$(talk "$LAB_SMTP_PORT" smtp "EHLO client.example.test" \
    "AUTH PLAIN $plain" QUIT)
check_match "inbound 25: greets" '^220 ' "$out"
check_nomatch "inbound 25: no AUTH in EHLO" '^250[- ]AUTH' "$out"
check_match "inbound 25: AUTH is not enabled (503)" '^503 ' "$out"

out=$(swaks --server 127.0.0.1 --port "$LAB_SMTP_PORT" --tls \
    --tls-ca-path "$LAB_CA" --tls-verify --quit-after AUTH 2>&1)
check_match "inbound 25: STARTTLS works" '^=== TLS started' "$out"
check_nomatch "inbound 25: no AUTH even after STARTTLS" '^<~ *250[- ]AUTH' \
    "$out"

for p in "$LAB_IMAPS_PORT" "$LAB_SUBMISSIONS_PORT"; do
	out=$(talk "$p" raw "a LOGIN $LAB_ALICE $LAB_ALICE_PASS")
	check_nomatch "port $p speaks only TLS: no greeting in clear text" \
	    '^(\* OK|220|a OK|235)' "$out"
done
t_done
