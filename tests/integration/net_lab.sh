#!/bin/sh
# net/ against the lab's real Dovecot, Postfix and NSD: IMAP over STARTTLS
# and implicit TLS lists, selects and fetches; SMTP submission (both ports)
# delivers to Dovecot and the message reads back byte-identical; the lab's
# DNSSEC-signed TLSA records authenticate all four servers by DANE alone;
# a TLSA record that does not match the certificate, or a bogus TLSA
# answer, makes the connection fail.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
. "$TOP/tests/lab/dnszone.sh"

C=$TOOLS/net_client
H=$LAB_HOST
A="--host $H --addr 127.0.0.1 --ca $LAB_CA --timeout 10"
# The certificate the servers present, as a client sees it.
CERT=$T/server.pem
openssl s_client -connect 127.0.0.1:$LAB_IMAPS_PORT -servername $H \
    </dev/null 2>/dev/null | openssl x509 >"$CERT" 2>/dev/null
check "the lab's server certificate" test -s "$CERT"

# --- IMAP: STARTTLS and implicit TLS --------------------------------------
for mode in starttls implicit; do
	port=$LAB_IMAP_PORT
	[ $mode = implicit ] && port=$LAB_IMAPS_PORT
	check "imap $mode: login, list, select" $C imap $A --port $port \
	    --tls $mode --user "$LAB_ALICE" --pass "$LAB_ALICE_PASS" \
	    --list --select INBOX
	out=$(cat "$T/.out")
	check_match "imap $mode: server authenticated by PKIX" '^auth: PKIX$' "$out"
	check_match "imap $mode: CONDSTORE and QRESYNC enabled" \
	    'condstore 1 qresync 1' "$out"
	check_match "imap $mode: SPECIAL-USE Sent" '^folder Sent \\Sent$' "$out"
	check_match "imap $mode: SPECIAL-USE Drafts" '^folder Drafts \\Drafts$' "$out"
	check_match "imap $mode: SPECIAL-USE Trash" '^folder Trash \\Trash$' "$out"
	check_match "imap $mode: INBOX selected with UIDVALIDITY and MODSEQ" \
	    '^selected INBOX uidvalidity [1-9][0-9]* uidnext [1-9][0-9]* exists [0-9]+ highestmodseq [1-9]' \
	    "$out"
done

# --- PKIX through the system's trust store (read lazily) -----------------
# No --ca: the lab's CA is only in a bundle named by SSL_CERT_FILE, or only
# in a hashed directory named by SSL_CERT_DIR.
SYS=/etc/ssl/certs/ca-certificates.crt
B="--host $H --addr 127.0.0.1 --timeout 10 --port $LAB_IMAPS_PORT --tls implicit"
U="--user $LAB_ALICE --pass $LAB_ALICE_PASS --select INBOX"
cat "$SYS" "$LAB_CA" > "$T/bundle.pem"
mkdir -p "$T/cadir" && cp "$LAB_CA" "$T/cadir/" && openssl rehash "$T/cadir" 2>/dev/null
check "imap: the lab CA in the system bundle authenticates the server" \
    env SSL_CERT_FILE="$T/bundle.pem" SSL_CERT_DIR="$T/none" $C imap $B $U
check_match "imap: by PKIX" '^auth: PKIX$' "$(cat "$T/.out")"
check "imap: the lab CA in the system's hashed directory does too" \
    env SSL_CERT_FILE="$SYS" SSL_CERT_DIR="$T/cadir" $C imap $B $U
check_fails "imap: in neither, the server is not trusted" \
    'certificate issued by an unknown authority' \
    env SSL_CERT_FILE="$SYS" SSL_CERT_DIR="$T/none" $C imap $B $U
check_last "imap: and the failure names the certificate" 'certificate'

check_fails "imap: a wrong password is refused" \
    'login refused: Authentication failed' $C imap $A \
    --port $LAB_IMAPS_PORT --tls implicit --user "$LAB_ALICE" --pass wrong
check_last "imap: the refusal says so" "^net_client: $H:$LAB_IMAPS_PORT: login refused"

# --- SMTP submission, then read back over IMAP ----------------------------
id=net-$$-$(date +%s)
mkmsg() {	# file subject: CRLF, dot lines, a lone dot, a long line
	{
		printf 'Date: Sat, 28 Nov 2026 12:00:00 +0000\r\n'
		printf 'From: Alice <%s>\r\nTo: Bob <%s>\r\n' "$LAB_ALICE" "$LAB_BOB"
		printf 'Subject: %s\r\nMessage-ID: <%s@example.test>\r\n' "$2" "$2"
		printf 'MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n'
		printf 'first line\r\n.starts with a dot\r\n..two dots\r\n.\r\n'
		printf ' .\r\n%0900d\r\n\r\nlast line\r\n' 0
	} > "$1"
}
mkmsg "$T/m1.eml" "$id-587"
mkmsg "$T/m2.eml" "$id-465"
check "smtp submission (587, STARTTLS) delivers" $C smtp $A \
    --port $LAB_SUBMISSION_PORT --tls starttls --user "$LAB_ALICE" \
    --pass "$LAB_ALICE_PASS" --from "$LAB_ALICE" --to "$LAB_BOB" --msg "$T/m1.eml"
check_match "smtp 587: the server's final reply is returned" \
    '^final: 250 2\.0\.0 Ok: queued as' "$(cat "$T/.out")"
check "smtp submissions (465, implicit TLS) delivers" $C smtp $A \
    --port $LAB_SUBMISSIONS_PORT --tls implicit --user "$LAB_ALICE" \
    --pass "$LAB_ALICE_PASS" --from "$LAB_ALICE" --to "$LAB_BOB" --msg "$T/m2.eml"
check_fails "smtp: a refused recipient fails the submission" \
    'recipient someone@elsewhere\.invalid refused: 550' $C smtp $A \
    --port $LAB_SUBMISSION_PORT --tls starttls --user "$LAB_ALICE" \
    --pass "$LAB_ALICE_PASS" --from "$LAB_ALICE" --to "$LAB_BOB" \
    --to someone@elsewhere.invalid --msg "$T/m1.eml"
check_last "smtp: the refused recipient is named with the server's reply" \
    "recipient someone@elsewhere.invalid refused: 550 "
check_fails "smtp: a wrong password is refused" \
    'login refused: 535' $C smtp $A \
    --port $LAB_SUBMISSIONS_PORT --tls implicit --user "$LAB_ALICE" --pass wrong
check_last "smtp: the refusal carries the server's reply" "login refused: 535 "

# Delivery is asynchronous (Postfix, then LMTP): wait for both messages.
found1= found2= i=0
while [ $i -lt 40 ]; do
	for mode in starttls implicit; do
		port=$LAB_IMAP_PORT
		[ $mode = implicit ] && port=$LAB_IMAPS_PORT
		rm -rf "$T/f.$mode" && mkdir -p "$T/f.$mode"
		$C imap $A --port $port --tls $mode --user "$LAB_BOB" \
		    --pass "$LAB_BOB_PASS" --select INBOX --fetch "$T/f.$mode" \
		    >"$T/fetch.$mode.out" 2>"$T/fetch.$mode.err"
	done
	found1=$(grep -l "^Message-ID: <$id-587@" "$T"/f.implicit/* 2>/dev/null | head -1)
	found2=$(grep -l "^Message-ID: <$id-465@" "$T"/f.implicit/* 2>/dev/null | head -1)
	[ -n "$found1" ] && [ -n "$found2" ] && break
	sleep 0.25
	i=$((i + 1))
done
check "imap fetch over implicit TLS finds both messages" test -n "$found1" -a -n "$found2"
check_match "imap fetch reports UID, length, flags and date" \
    '^uid [0-9]+ len [0-9]+ flags \(.*\) date [1-9][0-9]+ modseq [1-9][0-9]*$' \
    "$(cat "$T/fetch.implicit.out")"
n_tls=$(ls "$T/f.starttls" | wc -l)
n_imp=$(ls "$T/f.implicit" | wc -l)
check_eq "imap fetch over STARTTLS gets the same messages" "$n_imp" "$n_tls"
# What was sent is what is stored: the delivered message is the submitted
# bytes after the trace fields the servers prepend (Return-Path, Received).
for k in 1 2; do
	eval f=\$found$k
	size=$(wc -c < "$T/m$k.eml")
	check "message $k reads back byte-identical" sh -c \
	    "tail -c $size '$f' | cmp -s - '$T/m$k.eml'"
	check "message $k: the same over STARTTLS" \
	    cmp -s "$f" "$T/f.starttls/$(basename "$f")"
done

# Once a read-write session has seen them, the messages have no flags at
# all: FLAGS () must come through as an empty list.
check "imap read-write select" $C imap $A --port $LAB_IMAPS_PORT \
    --tls implicit --user "$LAB_BOB" --pass "$LAB_BOB_PASS" --select INBOX --rw
mkdir -p "$T/f.noflags"
check "imap fetch of messages without flags" $C imap $A --port $LAB_IMAPS_PORT \
    --tls implicit --user "$LAB_BOB" --pass "$LAB_BOB_PASS" --select INBOX \
    --fetch "$T/f.noflags"
check_match "... shows FLAGS () as empty" '^uid [0-9]+ len [0-9]+ flags \(\) ' \
    "$(cat "$T/.out")"

# "N:*" past the last UID still names the last message on the server;
# the caller, who asked for new mail only, gets nothing.
next=$(sed -n 's/.*uidnext \([0-9]*\) .*/\1/p' "$T/.out")
check "imap fetch of UIDs from UIDNEXT on" $C imap $A --port $LAB_IMAPS_PORT \
    --tls implicit --user "$LAB_BOB" --pass "$LAB_BOB_PASS" --select INBOX \
    --fetch "$T/f.noflags" --first "$next"
check_nomatch "... hands over no message" '^uid ' "$(cat "$T/.out")"

# --- APPEND (APPENDUID), STORE, CHANGEDSINCE, MOVE, VANISHED --------------
AL="$A --port $LAB_IMAPS_PORT --tls implicit --user $LAB_ALICE --pass $LAB_ALICE_PASS"
mkmsg "$T/m3.eml" "$id-draft"
check "imap APPEND to Drafts" $C imap $AL --append "$T/m3.eml" --folder Drafts
u=$(sed -n 's/^appended uidvalidity [1-9][0-9]* uid \([1-9][0-9]*\)$/\1/p' "$T/.out")
check "... APPENDUID gives the new UID" test -n "$u"
$C imap $AL --select Drafts >"$T/sel.out" 2>&1
ms0=$(sed -n 's/.*highestmodseq \([0-9]*\)$/\1/p' "$T/sel.out")
check "imap UID STORE +\\Flagged \$Label1" $C imap $AL --select Drafts --rw \
    --store "$u + \\Flagged \$Label1"
mkdir -p "$T/f.d"
check "imap UID FETCH CHANGEDSINCE the old HIGHESTMODSEQ" $C imap $AL \
    --select Drafts --fetch "$T/f.d" --changedsince "$ms0"
out=$(cat "$T/.out")
check_match "... returns the stored message with its new flags and MODSEQ" \
    "^uid $u len [0-9]+ flags \\(.*\\\\Flagged.*\\\$Label1.*\\) date [0-9]+ modseq [1-9]" "$out"
check_eq "... and nothing else" 1 "$(printf '%s\n' "$out" | grep -c '^uid ')"
check "the appended message is the bytes given" cmp -s "$T/f.d/$u" "$T/m3.eml"
check "imap UID MOVE to Trash" $C imap $AL --select Drafts --rw --move "$u Trash"
check "imap QRESYNC fetch after the move" $C imap $AL --select Drafts \
    --fetch "$T/f.d" --changedsince "$ms0"
check_match "... reports the UID as VANISHED" "^vanished ([0-9]+:)?$u" "$(cat "$T/.out")"
mkdir -p "$T/f.t"
$C imap $AL --select Trash --fetch "$T/f.t" >/dev/null 2>&1
check "the moved message is in Trash" sh -c "grep -l '^Message-ID: <$id-draft@' '$T'/f.t/* >/dev/null"

# --- IDLE returns after its timeout without a change ----------------------
check "imap IDLE" $C imap $A --port $LAB_IMAPS_PORT --tls implicit \
    --user "$LAB_ALICE" --pass "$LAB_ALICE_PASS" --select INBOX --idle 300
check_match "imap IDLE: no change" '^idle changed 0$' "$(cat "$T/.out")"

# ... and wakes up when mail arrives (through the lab's MX on port 25).
$C imap $A --port $LAB_IMAPS_PORT --tls implicit --user "$LAB_BOB" \
    --pass "$LAB_BOB_PASS" --select INBOX --idle 20000 \
    >"$T/idle.out" 2>"$T/idle.err" &
ipid=$!
t0=$(date +%s)
sleep 2
mkmsg "$T/m4.eml" "$id-idle"
check "a message arrives by the lab's MX (STARTTLS, no login)" $C smtp $A \
    --port $LAB_SMTP_PORT --tls starttls --from "$LAB_ALICE" --to "$LAB_BOB" \
    --msg "$T/m4.eml"
wait $ipid
irc=$?
t1=$(date +%s)
check_eq "imap IDLE returns without error" 0 "$irc"
check_match "imap IDLE: the change is reported" '^idle changed 1$' "$(cat "$T/idle.out")"
check "... well before its 20 s timeout" test $((t1 - t0)) -lt 15

# --- DANE through the lab's DNSSEC-signed zone ----------------------------
D="--dns $LAB_DNS_RESOLVER --dns-ta $LAB_TA --dns-addr --timeout 10 --host $H"
check_fails "without DNS and without the lab CA, PKIX refuses the server" \
    'certificate issued by an unknown authority' \
    $C imap --host $H --addr 127.0.0.1 --port $LAB_IMAPS_PORT --tls implicit
check_last "... as an unknown authority" "unknown authority"
for s in "imap $LAB_IMAP_PORT starttls" "imap $LAB_IMAPS_PORT implicit" \
    "smtp $LAB_SUBMISSION_PORT starttls" "smtp $LAB_SUBMISSIONS_PORT implicit"; do
	set -- $s
	check "DANE: $1 $3 on $2 authenticated by its TLSA record" \
	    $C $1 $D --port $2 --tls $3 --user "$LAB_ALICE" --pass "$LAB_ALICE_PASS"
	out=$(cat "$T/.out")
	check_match "DANE: $1 $2: TLSA secure, address from the resolver" \
	    '^tlsa: secure \(1\).*address: 127\.0\.0\.1' "$(echo $out)"
	check_match "DANE: $1 $2: shown as DANE-EE" '^auth: DANE-EE$' "$out"
done

# Records built here go to the TLS layer as DNSSEC-validated input.
good311=$(dane_rdata_311 "$CERT")
ca201=$(printf '2 0 1 %s' "$(openssl x509 -in "$LAB_CA" -outform DER |
    openssl dgst -sha256 -binary | dz_hex)")
ee111=$(printf '1 1 1 %s' "${good311#3 1 1 }")
bad311="3 1 1 $(printf 'not the key' | openssl dgst -sha256 -binary | dz_hex)"
I="imap --host $H --addr 127.0.0.1 --port $LAB_IMAPS_PORT --tls implicit --timeout 10"
check "DANE-EE record given: authenticated" $C $I --tlsa "$good311"
check_match "... as DANE-EE" '^auth: DANE-EE$' "$(cat "$T/.out")"
check "DANE-TA record of the lab CA: authenticated" $C $I --tlsa "$ca201"
check_match "... as DANE-TA" '^auth: DANE-TA$' "$(cat "$T/.out")"
check "PKIX-EE record with the CA trusted: authenticated" $C $I \
    --ca "$LAB_CA" --tlsa "$ee111"
check_match "... as PKIX+DANE" '^auth: PKIX\+DANE$' "$(cat "$T/.out")"
check_fails "PKIX-EE record without a trusted CA: refused" \
    'certificate issued by an unknown authority' $C $I --tlsa "$ee111"
check_fails "a TLSA record that does not match: refused" \
    'no DNSSEC-secure TLSA record matches' $C $I \
    --ca "$LAB_CA" --tlsa "$bad311"
check_last "... even with the CA trusted (DANE decides)" \
    "no DNSSEC-secure TLSA record matches"
check_fails "a bogus TLSA status: refused before connecting" \
    'DNSSEC validation failed for TLSA .*refusing to connect' $C $I \
    --ca "$LAB_CA" --tlsa-status bogus
check_last "... naming DNSSEC" "DNSSEC validation failed for TLSA _$LAB_IMAPS_PORT._tcp.$H"

# The same from DNS: a zone of our own (fresh keys, our own NSD) whose TLSA
# record does not match, and a copy with broken signatures (bogus).
Z=$T/zone
NPORT=$((LAB_PORT_BASE + 353))
dz_keys example.test "$Z/keys" >/dev/null
{
	printf '$ORIGIN example.test.\n$TTL 60\n'
	printf '@ IN SOA ns1 hostmaster 1 3600 600 86400 60\n@ IN NS ns1\n'
	printf 'ns1 IN A 127.0.0.1\nmail IN A 127.0.0.1\n'
	printf '_%s._tcp.mail IN TLSA %s\n' "$LAB_IMAPS_PORT" "$bad311"
	printf '_%s._tcp.mail IN TLSA %s\n' "$LAB_SUBMISSIONS_PORT" "$bad311"
} > "$Z/z"
dz_sign example.test "$Z/z" "$Z/z.signed" "$Z/keys" >/dev/null 2>&1
dz_anchor example.test "$Z/keys" "$Z/ta"
dz_corrupt "$Z/z.signed" "$Z/z.bogus"
DD="--dns 127.0.0.1@$NPORT --dns-ta $Z/ta --dns-addr --timeout 10 --host $H --ca $LAB_CA"
# under_nsd DIR ZONEFILE CHECKS: runs the function CHECKS while our own NSD
# (in DIR, on NPORT) serves ZONEFILE as example.test; a failure if it does
# not start.
under_nsd() {
	if dz_nsd_start "$1" $NPORT example.test="$2" 2>"$T/nsd.err"; then
		$3
		dz_nsd_stop "$1"
	else
		notok "our NSD did not start"; sed 's/^/#   /' "$T/nsd.err"
	fi
}

mismatch_checks() {
	check_fails "DNS: a secure TLSA record that does not match: imaps refused" \
	    'no DNSSEC-secure TLSA record matches' \
	    $C imap $DD --port $LAB_IMAPS_PORT --tls implicit \
	    --user "$LAB_ALICE" --pass "$LAB_ALICE_PASS"
	check_last "... because no TLSA record matches" \
	    "$H:$LAB_IMAPS_PORT: no DNSSEC-secure TLSA record matches"
	check_fails "DNS: the same for submissions" \
	    'no DNSSEC-secure TLSA record matches' $C smtp $DD \
	    --port $LAB_SUBMISSIONS_PORT --tls implicit
	check_last "... because no TLSA record matches" \
	    "no DNSSEC-secure TLSA record matches"
	check "DNS: no TLSA record for 143 (secure denial): PKIX decides" \
	    $C imap $DD --port $LAB_IMAP_PORT --tls starttls
	check_match "... shown as PKIX" '^auth: PKIX$' "$(cat "$T/.out")"
}

bogus_checks() {
	check_fails "DNS: a bogus TLSA answer stops the connection" \
	    'DNSSEC validation failed for mail\.example\.test' \
	    $C imap $DD --port $LAB_IMAP_PORT --tls starttls \
	    --user "$LAB_ALICE" --pass "$LAB_ALICE_PASS"
	check_last "... saying DNSSEC validation failed" \
	    "DNSSEC validation failed"
}

under_nsd "$T/nsd" "$Z/z.signed" mismatch_checks
under_nsd "$T/nsd2" "$Z/z.bogus" bogus_checks

t_done
