#!/bin/sh
# net/ against scripted hostile IMAP and SMTP servers (tests/hostile/server.py
# on 127.0.0.1): every downgrade of STARTTLS, bad certificates, a silent
# server, an endless line, a 4 GiB literal and long lines disguised as
# literals. Each case must fail with a clear message within the timeout, in
# bounded memory, and the password must never reach the server (the server
# records every byte it receives). A control case against the same server
# with a good certificate shows that the recording does catch the password
# when it is sent.
. "$TOP/tests/lib.sh"

C=$TOOLS/net_client
SRV=$TOP/tests/hostile/server.py
USER=alice@example.test
PASS=Hostile-S3cret-pw-7Qz
HOST=mail.example.test
TMO=3			# seconds given to the client
SLACK=3			# allowed beyond it (sanitizer start-up, scheduling)
MAXRSS_KB=98304		# 96 MiB: the sanitized client idles at ~40; a 64 MiB line would not fit

B64_PLAIN=$(printf '\000%s\000%s' "$USER" "$PASS" | base64 -w0)
B64_PASS=$(printf '%s' "$PASS" | base64 -w0)

# Certificates made here: a private CA, a good server certificate, one for
# another name, a self-signed one and an expired one.
cd "$T" || exit 1
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ca.key -out ca.pem -days 30 -subj /CN=hostile-test-ca
mkcert() {	# name cn [faketime date]
	q openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$2" >"$1.ext"
	if [ -n "${3:-}" ]; then
		q faketime "$3" openssl x509 -req -in "$1.csr" -CA ca.pem \
		    -CAkey ca.key -CAcreateserial -days 30 -extfile "$1.ext" \
		    -out "$1.pem"
	else
		q openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
		    -CAcreateserial -days 30 -extfile "$1.ext" -out "$1.pem"
	fi
}
mkcert good $HOST
mkcert wrongname other.example.test
mkcert expired $HOST '2020-01-01 00:00:00'
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout selfsigned.key -out selfsigned.pem -days 30 -subj "/CN=$HOST" \
    -addext "subjectAltName=DNS:$HOST"
check "test certificates made" test -s good.pem -a -s wrongname.pem -a \
    -s expired.pem -a -s selfsigned.pem

# wait_ready: waits for the server to write its port to $ready.
wait_ready() {
	i=0
	while [ ! -s "$ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}

# serve NAME PROTO MODE [--implicit]: the scripted server in MODE with the
# good certificate, what it reads recorded in $rec; waits for its port.
serve() {
	rec=$T/rec.$1 ready=$T/ready.$1
	python3 "$SRV" --proto "$2" --mode "$3" ${4:-} --record "$rec" \
	    --ready "$ready" --cert "$T/good.pem" --key "$T/good.key" \
	    --lifetime 60 </dev/null >/dev/null 2>&1 &
	spid=$!
	wait_ready
}

# unserve: stops the server.
unserve() {
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
}

# client PROTO TLS [ARG...]: net_client logs in to the server as $USER.
client() {
	_p=$1 _t=$2
	shift 2
	"$C" "$_p" --host $HOST --addr 127.0.0.1 --port "$(cat "$ready")" \
	    --tls "$_t" --ca "$T/ca.pem" --timeout $TMO --user "$USER" \
	    --pass "$PASS" "$@"
}

n=0
# hostile NAME PROTO MODE starttls|implicit CERT REGEX [MAX_SECONDS]
hostile() {
	name=$1 proto=$2 mode=$3 tls=$4 cert=$5 want=$6 max=${7:-$((TMO + SLACK))}
	n=$((n + 1))
	rec=$T/rec.$n ready=$T/ready.$n
	set -- --proto "$proto" --mode "$mode" --record "$rec" \
	    --ready "$ready" --cert "$T/$cert.pem" --key "$T/$cert.key" \
	    --silence 10 --lifetime 60
	[ "$tls" = implicit ] && set -- "$@" --implicit
	python3 "$SRV" "$@" </dev/null >/dev/null 2>"$T/srv.$n.err" &
	spid=$!
	wait_ready
	port=$(cat "$ready" 2>/dev/null)
	# The client's wall time (ms), peak RSS (KiB) and exit status
	# (tests/lib.sh); a client that hangs is ended after 120 s.
	res=$(measure "$T/out.$n" timeout 120 "$C" "$proto" --host $HOST \
	    --addr 127.0.0.1 --port "${port:-1}" --tls "$tls" \
	    --ca "$T/ca.pem" --timeout $TMO --user "$USER" --pass "$PASS" \
	    2>"$T/err.$n")
	unserve
	ms=${res%% *} rest=${res#* } kb=${rest%% *} rest=${rest#* } rc=${rest%% *}
	msg=$(tail -1 "$T/err.$n")
	check_eq "$name: the connection fails" 1 "$rc"
	check_match "$name: clear message" "^net_client: $HOST:$port: .*$want" "$msg"
	# What a server says before it is authenticated is anyone's text.
	check_nomatch "$name: no cleartext server text shown" \
	    "not today|no such command|TLS not available|syntax|sure|carry on|welcome" \
	    "$msg"
	if [ "$ms" -le $((max * 1000)) ]; then
		ok "$name: fails within the timeout (${ms} ms)"
	else
		notok "$name: took ${ms} ms"
	fi
	if [ "$kb" -le $MAXRSS_KB ]; then
		ok "$name: memory bounded (peak ${kb} KiB)"
	else
		notok "$name: peak RSS ${kb} KiB"
	fi
	if grep -qF -e "$PASS" -e "$B64_PLAIN" -e "$B64_PASS" "$rec"; then
		notok "$name: the password reached the server"
	else
		ok "$name: the password never reached the server"
	fi
}

for proto in imap smtp; do
	hostile "$proto no STARTTLS" $proto nostarttls starttls good \
	    "server does not offer STARTTLS; refusing to continue in plaintext"
	hostile "$proto STARTTLS refused" $proto starttls-no starttls good \
	    "refused STARTTLS.*refusing to continue in plaintext"
	hostile "$proto STARTTLS bad" $proto starttls-bad starttls good \
	    "refused STARTTLS.*refusing to continue in plaintext"
	hostile "$proto STARTTLS odd answer" $proto starttls-odd starttls good \
	    "STARTTLS|TLS handshake failed|could not be understood|out of turn"
	hostile "$proto injection after STARTTLS" $proto inject starttls good \
	    "sent data after accepting STARTTLS .*injected"
	for tls in starttls implicit; do
		hostile "$proto $tls wrong name" $proto tls $tls wrongname \
		    "certificate name mismatch"
		hostile "$proto $tls self-signed" $proto tls $tls selfsigned \
		    "self-signed certificate"
		hostile "$proto $tls expired" $proto tls $tls expired \
		    "certificate has expired"
	done
	hostile "$proto silent server" $proto silent implicit good \
	    "no answer from the server within $TMO s"
	hostile "$proto silent server (cleartext)" $proto silent starttls good \
	    "no answer from the server within $TMO s"
	hostile "$proto 64 MiB line" $proto longline implicit good \
	    "line longer than 1 MiB"
	hostile "$proto 64 MiB line (cleartext)" $proto longline starttls good \
	    "line longer than 1 MiB"
	hostile "$proto endless answer of short lines" $proto manylines \
	    implicit good "reply (is longer than [0-9]+ MiB|has more than [0-9]+ lines)"
	# One byte per half second never trips the per-wait timeout; the
	# whole opening phase has twice the timeout.
	hostile "$proto greeting dripped a byte at a time" $proto trickle \
	    implicit good "too slow \\(more than $((2 * TMO)) s" $((2 * TMO + SLACK))
done
hostile "imap PREAUTH on a STARTTLS port" imap preauth starttls good \
    "PREAUTH before STARTTLS; refusing to continue in plaintext"
hostile "imap 4 GiB literal" imap literal implicit good \
    "literal of 4294967296 bytes"
# "{N}" ending a status line is text: what follows is a line, not a literal.
hostile "imap 30 MiB lines after status lines" imap statuslit implicit good \
    "line longer than 1 MiB"
hostile "imap 30 MiB lines after status lines (cleartext)" imap statuslit \
    starttls good "line longer than 1 MiB"

# Control: the same server with a good certificate does get the login, and
# its recording shows it; so the absence above means something.
for proto in imap smtp; do
    for tls in implicit starttls; do
	imp=
	[ $tls = implicit ] && imp=--implicit
	serve ctl.$proto.$tls $proto tls $imp
	check "$proto $tls control: login to an authenticated server" \
	    client $proto $tls
	unserve
	check "$proto $tls control: the recording holds the login" \
	    grep -qF -e "$B64_PLAIN" "$rec"
    done
done

# AUTHENTICATE PLAIN needs no SASL plugin, with the credentials sent after
# the server's "+" (it has no SASL-IR).
serve nosasl imap tls --implicit
mkdir -p "$T/nosasl"
nosasl_client() (
	SASL_PATH=$T/nosasl
	export SASL_PATH
	client "$@"
)
check "imap: login with no SASL plugins" nosasl_client imap implicit
check_match "... logged in" '^logged in' "$(cat "$T/.out")"
check "... the credentials went after the \"+\"" \
    grep -qF -e "$B64_PLAIN" "$rec"
unserve

# A server that refuses the courtesies (ENABLE, ID) is still usable.
serve grumpy imap grumpy --implicit
check "imap: a refused ENABLE and ID do not fail the login" \
    client imap implicit
check_match "... and QRESYNC is off" 'condstore 1 qresync 0' "$(cat "$T/.out")"
check_match "... and the login's [ALERT] is kept for the user" \
    '^alert: Mailbox over quota$' "$(cat "$T/.out")"
# Without MOVE: UID COPY, then \Deleted, then UID EXPUNGE of just those.
check "imap: move without MOVE" client imap implicit \
    --select INBOX --rw --move "7 Trash"
check_match "... copies, flags and expunges that UID" \
    'UID COPY 7 Trash.*UID STORE 7 \+FLAGS\.SILENT \(\\Deleted\).*UID EXPUNGE 7' \
    "$(tr -d '\r' < "$rec" | tr '\n' ' ')"
unserve

# PREAUTH over implicit TLS: the server is authenticated and knows us;
# the session works and no credentials are sent at all.
serve preauth imap preauth-tls --implicit
check "imap: PREAUTH after implicit TLS is a usable session" \
    client imap implicit
check_match "... logged in" '^logged in' "$(cat "$T/.out")"
grep -qF -e "$PASS" \
    -e "$B64_PLAIN" -e "$B64_PASS" -e "$USER" "$rec"
check_eq "... and no credentials were sent (grep: none found)" 1 "$?"
unserve

# AUTH LOGIN where PLAIN is not offered (after TLS, to an honest server).
serve grumpy2 smtp grumpy
check "smtp: AUTH LOGIN over STARTTLS" client smtp starttls
check "... the password went base64-encoded, after TLS" \
    grep -qF -e "$B64_PASS" "$rec"
check_nomatch "... and never in cleartext" "$B64_PASS" \
    "$(sed -n '1,/^STARTTLS/p' "$rec")"
unserve

t_done
