#!/bin/sh
# sealmail check: connects to an account's IMAP and SMTP servers in the lab
# and says how each was authenticated (DANE through the lab's signed zone,
# PKIX with the account's ca-file), logging in with password-command.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }

home() {	# dir imap-url smtp-url extra-lines...
	d=$1; shift
	mkdir -p "$d"
	{
		printf '[account lab]\naddress = %s\n' "$LAB_ALICE"
		printf 'imap = %s\nsmtp = %s\n' "$1" "$2"
		printf "password-command = cat %s/pw\ntimeout = 10\n" "$d"
		shift 2
		for l in "$@"; do printf '%s\n' "$l"; done
	} > "$d/config"
	secret "$d/pw" "$LAB_ALICE_PASS"
}

# said "what" REGEX: the last command checked printed a line matching REGEX.
said() { check_match "$1" "$2" "$(cat "$T/.out")"; }

# DANE through the lab's resolver; the lab CA is not trusted at all.
home "$T/h1" "imap://$LAB_HOST:$LAB_IMAP_PORT" \
    "submissions://$LAB_HOST:$LAB_SUBMISSIONS_PORT" "" "[dns]" \
    "resolver = $LAB_DNS_RESOLVER" "trust-anchor = $LAB_TA"
check "check with the lab's DNS" "$SEALMAIL" --home "$T/h1" check
said "imap over STARTTLS authenticated by DANE-EE, login ok" \
    "^imap $LAB_HOST:$LAB_IMAP_PORT \\(starttls\\): server DANE-EE, TLSA secure, login ok$"
said "smtp over implicit TLS authenticated by DANE-EE, login ok" \
    "^smtp $LAB_HOST:$LAB_SUBMISSIONS_PORT \\(implicit\\): server DANE-EE, TLSA secure, login ok$"
check "check --json" "$SEALMAIL" --home "$T/h1" check --json
cp "$T/.out" "$T/check.json"
check_eq "json: imap auth" DANE-EE "$(json "$T/check.json" "d['imap']['auth']")"
check_eq "json: smtp auth" DANE-EE "$(json "$T/check.json" "d['smtp']['auth']")"
check_eq "json: imap login" true "$(json "$T/check.json" "d['imap']['login']")"
check_eq "json: tlsa" secure "$(json "$T/check.json" "d['smtp']['tlsa']")"

# The login needs no SASL plugin: with none to be found (SASL_PATH names an
# empty directory) the password still goes, as AUTHENTICATE PLAIN.
mkdir -p "$T/nosasl"
check "check with no SASL plugins" env SASL_PATH="$T/nosasl" \
    "$SEALMAIL" --home "$T/h1" check
said "... logs in to IMAP" \
    "^imap $LAB_HOST:$LAB_IMAP_PORT \\(starttls\\): server DANE-EE, TLSA secure, login ok$"
said "... and to SMTP" \
    "^smtp $LAB_HOST:$LAB_SUBMISSIONS_PORT \\(implicit\\): server DANE-EE, TLSA secure, login ok$"

# PKIX with the account's ca-file (names the certificate holds).
home "$T/h2" "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://127.0.0.1:$LAB_SUBMISSION_PORT" "ca-file = $LAB_CA"
check "check with ca-file" "$SEALMAIL" --home "$T/h2" check
said "imaps authenticated by PKIX" \
    "^imap localhost:$LAB_IMAPS_PORT \\(implicit\\): server PKIX, .*login ok$"
said "submission to an address literal authenticated by PKIX" \
    "^smtp 127\\.0\\.0\\.1:$LAB_SUBMISSION_PORT \\(starttls\\): server PKIX, .*login ok$"

# Without the CA nothing vouches for the server: no login is attempted.
home "$T/h3" "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://127.0.0.1:$LAB_SUBMISSION_PORT"
check_fails "check without a trust anchor fails" \
    "certificate issued by an unknown authority" "$SEALMAIL" --home "$T/h3" check
check_eq "... naming the server and the reason" \
    "sealmail: localhost:$LAB_IMAPS_PORT: certificate issued by an unknown authority" \
    "$(tail -1 "$T/.err")"

# A TLSA lookup that fails (here: more records than sealmail takes) is
# said with the resolver's reason, and PKIX decides: with the lab CA it
# holds, but the lab's certificate does not name this host.
home "$T/h6" "imaps://toomany.example.test:$LAB_IMAPS_PORT" \
    "submission://127.0.0.1:$LAB_SUBMISSION_PORT" "ca-file = $LAB_CA" \
    "[dns]" "resolver = $LAB_DNS_RESOLVER" "trust-anchor = $LAB_TA"
check_fails "check with a failed TLSA lookup falls back to PKIX" \
    "certificate name mismatch" "$SEALMAIL" --home "$T/h6" check
said "... and says why the lookup failed" \
    "^imap toomany.example.test:$LAB_IMAPS_PORT \\(implicit\\): server not authenticated, TLSA lookup failed: DNS answer for _${LAB_IMAPS_PORT}\\._tcp\\.toomany\\.example\\.test: more than 512 records, login not done$"
check_fails "check --json too" "certificate name mismatch" \
    "$SEALMAIL" --home "$T/h6" check --json
check_eq "json: tlsa failed" failed "$(json "$T/.out" "d['imap']['tlsa']")"
check_match "json: the reason" "more than 512 records" \
    "$(json "$T/.out" "d['imap']['tlsa_error']")"

# A wrong password is the server's refusal, said in one line.
home "$T/h4" "imaps://localhost:$LAB_IMAPS_PORT" \
    "submission://127.0.0.1:$LAB_SUBMISSION_PORT" "ca-file = $LAB_CA"
echo wrong > "$T/h4/pw"
check_fails "check with a wrong password fails" "login refused" "$SEALMAIL" --home "$T/h4" check
check_match "... as a refused login" \
    "^sealmail: localhost:$LAB_IMAPS_PORT: login refused" "$(tail -1 "$T/.err")"


# The config's own words: a "#" comment after a value, a relative ca-file
# read from HOME, a password-command run by /bin/sh in HOME of which only
# the first line counts, its newline stripped.
mkdir -p "$T/h5"
cp "$LAB_CA" "$T/h5/lab-ca.pem"
secret "$T/h5/pw2" "$LAB_ALICE_PASS"
printf 'not the password\n' >>"$T/h5/pw2"
cat >"$T/h5/config" <<EOF
# alice, in the lab
[account lab]
address = $LAB_ALICE          # the From address
imap = imaps://localhost:$LAB_IMAPS_PORT   # implicit TLS
smtp = submission://127.0.0.1:$LAB_SUBMISSION_PORT
password-command = cat pw2 | tr -d x   # relative: run in HOME
ca-file = lab-ca.pem
timeout = 10
EOF
check "check: comments, relative names, a two-line password output" \
    "$SEALMAIL" --home "$T/h5" check
said "... the server proved by the CA in HOME, the login taken" \
    "^imap localhost:$LAB_IMAPS_PORT \\(implicit\\): server PKIX, .*login ok$"
said "... at submission too" \
    "^smtp 127\\.0\\.0\\.1:$LAB_SUBMISSION_PORT \\(starttls\\): server PKIX, .*login ok$"
t_done
