# sealmail setup against the lab: the servers come from the DNSSEC-signed
# SRV records of example.test, both are proved by DANE and take the login,
# and only then is the account written; sync and send work with what was
# written. No SRV record, an unsigned record pointing outside the domain, a
# bogus answer, a server whose certificate fails, a wrong password and a
# missing Secret Service each stop it with a clear line and no config (and
# the failing server never sees the password). On a terminal it asks the
# password without echo and offers to import an identity.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
ACCT="alice@example.test@mail.example.test"
SOCK="sm-setup-$$"
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" \
	    2>/dev/null
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null
}
trap cleanup EXIT
secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null

sum() { md5sum < "$1/config"; }
secret "$T/pw" "$LAB_ALICE_PASS"
secret "$T/wrong" "not-alices-password"

# --- the whole way: SRV, DANE, login, config, then sync and send ------------
H=$T/home
lab_dns_home "$H"
printf '%s\n' "$LAB_ALICE_PASS" |
    "$SEALMAIL" --home "$H" setup alice@example.test --json \
    > "$T/s.json" 2>"$T/s.err"
check_eq "setup alice@example.test exits 0" 0 $?
check_eq "--json: address" alice@example.test "$(json "$T/s.json" 'd["address"]')"
check_eq "--json: IMAP from _imaps._tcp (implicit TLS first)" \
    "imaps://mail.example.test:$LAB_IMAPS_PORT" "$(json "$T/s.json" 'd["imap"]')"
check_eq "--json: submission from _submissions._tcp" \
    "submissions://mail.example.test:$LAB_SUBMISSIONS_PORT" \
    "$(json "$T/s.json" 'd["smtp"]')"
check_eq "--json: the SRV records were DNSSEC-secure" secure \
    "$(json "$T/s.json" 'd["srv"]')"
check_eq "--json: IMAP server proved by DANE" dane "$(json "$T/s.json" 'd["imap_auth"]')"
check_eq "--json: SMTP server proved by DANE" dane "$(json "$T/s.json" 'd["smtp_auth"]')"
check_eq "--json asks nothing and says nothing on stderr" "" "$(cat "$T/s.err")"
check_match "the account section is written" \
    "\\[account alice@example.test\\]" "$(cat "$H/config")"
check_match "the [dns] section is kept" "resolver = $LAB_DNS_RESOLVER" \
    "$(cat "$H/config")"
check_eq "the config is private (0600)" 600 "$(stat -c %a "$H/config")"
check_nomatch "no password in the config" "$LAB_ALICE_PASS" "$(cat "$H/config")"
check_eq "the password is in the Secret Service" "$LAB_ALICE_PASS" \
    "$(secret-tool lookup xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null)"
check "config check reads it" "$SEALMAIL" --home "$H" config check
check "check proves both servers with it" "$SEALMAIL" --home "$H" check </dev/null
check_match "... by DANE, login ok" "imap .*DANE-EE.*login ok" "$(cat "$T/.out")"

secret "$T/p12pass" "$LAB_P12_PASS"
check "keys import alice.p12" "$SEALMAIL" --home "$H" keys import \
    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pass"
check "keys trust the lab CA" "$SEALMAIL" --home "$H" keys trust "$LAB_CA"
SUBJ="set up by setup $$"
printf 'From: alice@example.test\nTo: alice@example.test\nSubject: %s\n\nfirst mail\n' \
    "$SUBJ" > "$T/m.txt"
check "send with the written config (signed, encrypted)" \
    "$SEALMAIL" --home "$H" send --sign --encrypt "$T/m.txt"
found=
i=0
while [ $i -lt 50 ]; do
	"$SEALMAIL" --home "$H" sync --folder INBOX </dev/null >/dev/null 2>&1
	"$SEALMAIL" --home "$H" list --json "subject:\"$SUBJ\"" > "$T/l.json" 2>/dev/null
	found=$(json "$T/l.json" 'len(d)' 2>/dev/null)
	[ "$found" = 1 ] && break
	sleep 0.2; i=$((i + 1))
done
check_eq "sync with the written config fetches it" 1 "$found"
check_eq "... signature valid" valid "$(json "$T/l.json" 'd[0]["signature"]')"
check_eq "... decrypted" decrypted "$(json "$T/l.json" 'd[0]["encryption"]')"

# --- never replacing an account ------------------------------------------
before=$(sum "$H")
check_error "a second setup of the same account: exit 1 naming it" 1 \
    "account alice@example.test is already in .*config.*--account" \
    "$SEALMAIL" --home "$H" setup alice@example.test --password-file "$T/pw"
check_eq "... and the config is unchanged" "$before" "$(sum "$H")"

# --- given servers and a password-command -----------------------------------
printf '%s\n' "$LAB_ALICE_PASS" > "$H/alice.pw"
chmod 600 "$H/alice.pw"
"$SEALMAIL" --home "$H" setup alice@example.test --account second \
    --name "Alice Example" --password-command "head -1 alice.pw" \
    --imap "imap://mail.example.test:$LAB_IMAP_PORT" \
    --smtp "submission://mail.example.test:$LAB_SUBMISSION_PORT" --json \
    </dev/null > "$T/s2.json" 2>"$T/s2.err"
check_eq "setup with --imap, --smtp and --password-command exits 0" 0 $?
check_eq "--json: srv is null when the servers were given" null \
    "$(json "$T/s2.json" 'd["srv"]')"
check_eq "--json: the STARTTLS URL as given" \
    "imap://mail.example.test:$LAB_IMAP_PORT" "$(json "$T/s2.json" 'd["imap"]')"
check_match "the password-command is written" \
    "password-command = head -1 alice.pw" "$(sed -n '/account second/,$p' "$H/config")"
check_match "... with the display name" "name = Alice Example" \
    "$(sed -n '/account second/,$p' "$H/config")"
check "sync --account second works" "$SEALMAIL" --home "$H" sync \
    --account second --folder INBOX

# --imap alone: the submission server still comes from SRV, and the
# summary says which came from where.
"$SEALMAIL" --home "$H" setup alice@example.test --account third \
    --password-command "head -1 alice.pw" \
    --imap "imap://mail.example.test:$LAB_IMAP_PORT" </dev/null \
    > "$T/s4.out" 2>"$T/s4.err"
check_eq "setup with --imap alone exits 0" 0 $?
check_match "... the submission server from SRV" \
    "^smtp submissions://mail.example.test:$LAB_SUBMISSIONS_PORT: " \
    "$(cat "$T/s4.out")"
check_match "... and it says IMAP's was given, submission's looked up" \
    '^imap server from the command line, smtp server from DNSSEC-signed SRV records$' \
    "$(cat "$T/s4.out")"

# --- STARTTLS only: "." and a missing record fall back, priority decides -------
H3=$T/home3
lab_dns_home "$H3"
"$SEALMAIL" --home "$H3" setup alice@starttls.example.test \
    --user alice@example.test --password-file "$T/pw" --json </dev/null \
    > "$T/s3.json" 2>"$T/s3.err"
check_eq "setup where only STARTTLS is offered exits 0" 0 $?
check_eq "... _imaps._tcp with target \".\" falls back to _imap._tcp, priority 0" \
    "imap://mail.example.test:$LAB_IMAP_PORT" "$(json "$T/s3.json" 'd["imap"]')"
check_eq "... no _submissions._tcp falls back to _submission._tcp" \
    "submission://mail.example.test:$LAB_SUBMISSION_PORT" \
    "$(json "$T/s3.json" 'd["smtp"]')"
check_match "... the login is written as given by --user" \
    "user = alice@example.test" "$(cat "$H3/config")"

# --- failures: a clear line, no config ---------------------------------------
# fails NAME REGEX ADDRESS [OPTION...]: exit 1, the last line, no change
# (alice's password from a file unless OPTION names another).
fails() {
	_n=$1 _re=$2
	shift 2
	F=$T/f.$(echo "$_n" | tr -c 'a-z0-9\n' _)
	lab_dns_home "$F"
	_b=$(sum "$F")
	check_error "$_n: exit 1, says so" 1 "$_re" \
	    "$SEALMAIL" --home "$F" setup --password-file "$T/pw" "$@"
	check_eq "$_n: no config written" "$_b" "$(sum "$F")"
}
fails "no SRV records" \
    "no SRV record for nosrv.example.test's IMAP server.*give --imap and --smtp" \
    carol@nosrv.example.test
fails "an unsigned SRV record pointing outside the domain" \
    "_imaps._tcp.unsigned.example.test: the SRV record is not signed .*outside unsigned.example.test.*give --imap and --smtp" \
    alice@unsigned.example.test
fails "a bogus SRV answer" \
    "DNSSEC validation failed for _imaps._tcp.broken.example.test" \
    alice@broken.example.test
fails "an unsigned SRV record inside the domain: used, and the server must still prove its name" \
    "mail.inside.unsigned.example.test:$LAB_IMAPS_PORT: .*certificate" \
    alice@inside.unsigned.example.test
fails "a wrong password, and which to check" \
    "login refused.*; check the password given for login alice@example.test at mail.example.test and give it again$" \
    alice@example.test --password-file "$T/wrong"
check_eq "... the Secret Service keeps the right password" "$LAB_ALICE_PASS" \
    "$(secret-tool lookup xdg:schema org.sealmail.Password account "$ACCT" 2>/dev/null)"

F=$T/f.nobus
lab_dns_home "$F"
b=$(sum "$F")
check_error "no Secret Service and no --password-command: exit 1, says so" 1 \
    "password-command" env -u DBUS_SESSION_BUS_ADDRESS \
    XDG_RUNTIME_DIR="$T/none" "$SEALMAIL" --home "$F" setup \
    alice@example.test --password-file "$T/pw"
check_eq "... no config written" "$b" "$(sum "$F")"

# A server whose certificate fails (self-signed, for the right name): the
# recording server shows that the password never reached it.
cd "$T" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout self.key -out self.pem -days 30 -subj /CN=mail.example.test \
    -addext subjectAltName=DNS:mail.example.test >/dev/null 2>&1
python3 "$TOP/tests/hostile/server.py" --proto imap --mode tls --implicit \
    --cert self.pem --key self.key --record "$T/rec" --ready "$T/ready" \
    --silence 10 --lifetime 60 </dev/null >/dev/null 2>"$T/srv.err" &
spid=$!
i=0
while [ ! -s "$T/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$T/ready")
: >> "$T/rec"
fails "a server with a self-signed certificate" \
    "mail.example.test:$port: .*self-signed certificate" alice@example.test \
    --imap "imaps://mail.example.test:$port" \
    --smtp "submissions://mail.example.test:$LAB_SUBMISSIONS_PORT"
if grep -qF "$LAB_ALICE_PASS" "$T/rec" || grep -qi "login\|authenticate" "$T/rec"
then
	notok "... the password never reached that server"
else
	ok "... the password never reached that server"
fi
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
spid=

F=$T/f.mode
lab_dns_home "$F"
b=$(sum "$F")
(umask 022 && printf '%s\n' "$LAB_ALICE_PASS" > "$T/pw-open")
check_error "a password file others may read is refused, named" 1 \
    "pw-open: .*chmod 600" "$SEALMAIL" --home "$F" setup alice@example.test \
    --password-file "$T/pw-open"
check_eq "... no config written" "$b" "$(sum "$F")"

check_error "setup without an address: exit 2" 2 "ADDRESS is missing" \
    "$SEALMAIL" --home "$T/f.usage" setup
check_error "setup of something not an address: exit 1, says so" 1 \
    "'nobody' is not an e-mail address" \
    "$SEALMAIL" --home "$T/f.usage" setup nobody
t_done
