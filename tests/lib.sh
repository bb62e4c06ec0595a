# tests/lib.sh: sourced by every integration script. Each check prints one
# TAP line ("ok - what" or "not ok - what"); tests/run.sh counts them.
# Environment from tests/run.sh: SEALMAIL (the program), TOOLS (test helper
# programs), TOP (the repository), LAB_ENV (the lab's env file, when the
# lab is up), T (a private temporary directory for this script).

t_fail=0

ok() { printf 'ok - %s\n' "$*"; }
notok() { printf 'not ok - %s\n' "$*"; t_fail=$((t_fail + 1)); }

# check "what" command...: ok when the command exits 0.
check() {
	_what=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then ok "$_what"; else
		notok "$_what"; sed 's/^/#   /' "$T/.err" | tail -5
	fi
}

# check_fails "what" REGEX command...: ok when the command exits non-zero
# and what it printed (standard error, then standard output) matches REGEX:
# a failure for another reason is not the one tested.
check_fails() {
	_what=$1 _re=$2; shift 2
	if "$@" >"$T/.out" 2>"$T/.err"; then
		notok "$_what"; echo "#   it succeeded"; return
	fi
	if cat "$T/.err" "$T/.out" | grep -Eq -- "$_re"; then ok "$_what"; else
		notok "$_what"
		printf '#   /%s/ not in:\n' "$_re"
		cat "$T/.err" "$T/.out" | tail -8 | sed 's/^/#   /'
	fi
}

# clock_ahead OFFSET command...: runs the command with its clock OFFSET
# (faketime's "+7s") ahead, for a test that needs time to pass; the
# sanitizer runtime then accepts libfaketime preloaded ahead of it.
clock_ahead() {
	_off=$1; shift
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
	    faketime -f "$_off" "$@"
}

# check_eq "what" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		notok "$1"; printf '#   expected: %s\n#   got:      %s\n' "$2" "$3"
	fi
}

# check_match "what" regex text
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		notok "$1"; printf '#   /%s/ not in: %s\n' "$2" "$(printf '%s' "$3" | head -c 400)"
	fi
}

# check_last "what" regex: ok when the last line the command just checked
# wrote to standard error matches regex.
check_last() {
	check_match "$1" "$2" "$(tail -1 "$T/.err")"
}

# check_nomatch "what" regex text
check_nomatch() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		notok "$1"; printf '#   /%s/ found\n' "$2"; else ok "$1"
	fi
}

# check_each_in "what" FILE LIST [BEFORE [AFTER]]: ok when FILE matches
# every line of the file LIST, with BEFORE and AFTER around it (a basic
# regular expression); else names the lines it does not match.
check_each_in() {
	_miss=
	while IFS= read -r _w; do
		grep -q -- "${4:-}$_w${5:-}" "$2" || _miss="$_miss [$_w]"
	done <"$3"
	check_eq "$1" "" "$_miss"
}

# secret FILE TEXT: writes TEXT and a newline to FILE, readable by its
# owner only (sealmail refuses a passphrase file others may read).
secret() { (umask 077 && printf '%s\n' "$2" > "$1"); }

# store_sql HOME PASSFILE SQL: runs SQL with the sqlcipher tool on the
# store of HOME, keyed by the passphrase in PASSFILE as sealmail keys it
# (scrypt with the parameters and salt of its store.kdf); prints what
# the tool prints.
store_sql() {
	_key=$(python3 - "$1/store.kdf" "$2" <<'EOP'
import hashlib, sys
f = open(sys.argv[1]).read().split()
pw = open(sys.argv[2], 'rb').read()
pw = pw[:-1] if pw.endswith(b'\n') else pw
print(hashlib.scrypt(pw, salt=bytes.fromhex(f[6]), n=int(f[3]), r=int(f[4]),
    p=int(f[5]), maxmem=1 << 29, dklen=32).hex())
EOP
)
	sqlcipher "$1/store.db" <<EOS
PRAGMA key = "x'$_key'";
PRAGMA cipher_page_size = 4096;
$3
EOS
}

# man_unnamed START END WORD...: the WORDs (a JSON member's names) that no
# ".Li WORD" line, nor an ".It Li ..." line holding it, names in
# doc/sealmail.1 between the lines matching START and END.
man_unnamed() {
	_s=$1 _e=$2
	shift 2
	sed -n "/$_s/,/$_e/p" "$TOP/doc/sealmail.1" > "$T/.man"
	_m=
	for _w in "$@"; do
		grep -q "^\.\(It \)\{0,1\}Li \(.* \)\{0,1\}$_w\( \|\$\)" \
		    "$T/.man" || _m="$_m $_w"
	done
	printf '%s' "$_m"
}

# check_error "what" STATUS REGEX command...: ok when the command exits
# with STATUS and the last line on stderr matches REGEX.
check_error() {
	_what=$1 _want=$2 _re=$3; shift 3
	"$@" >"$T/.out" 2>"$T/.err"
	_rc=$?
	_last=$(tail -1 "$T/.err")
	if [ "$_rc" -eq "$_want" ] && printf '%s' "$_last" | grep -Eq -- "$_re"
	then ok "$_what"; else
		notok "$_what"
		printf '#   exit %s (wanted %s), last line: %s\n' "$_rc" \
		    "$_want" "$_last"
	fi
}

# tm_screen: what the tmux pane shows, with 200 lines of history; $TM is
# the tmux command with its socket (tmux -L NAME), $TS the session (ui).
tm_screen() { $TM capture-pane -p -S -200 -t "${TS:-ui}"; }

# tm_wait SECONDS REGEX: waits for the pane to show REGEX.
tm_wait() {
	_i=0
	while [ $_i -lt $(($1 * 10)) ]; do
		tm_screen | grep -Eq -- "$2" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}

# json FILE EXPR: prints a member of a JSON document (python3 expression
# over the parsed value d), for assertions on --json output.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
}

# interop NAME: sets D to the interop corpus NAME, read where it is
# published for this project: $SEALMAIL_INTEROP/NAME, by default
# $TOP/../shared/interop/NAME. Without the default folder the script says so
# in one "absent -" line (tests/run.sh repeats it in its summary) and ends,
# as nothing in it can run; a folder named by SEALMAIL_INTEROP that is not
# there is a failure.
interop() {
	D=${SEALMAIL_INTEROP:-$(cd "$TOP/.." && pwd)/shared/interop}/$1
	[ -d "$D" ] && D=$(cd "$D" && pwd) && return 0
	if [ -n "${SEALMAIL_INTEROP:-}" ]; then
		notok "interop corpus $1: no folder $D"
		t_done
	fi
	printf 'absent - interop corpus %s: no folder %s ' "$1" "$D"
	printf '(SEALMAIL_INTEROP=DIR reads DIR/%s)\n' "$1"
	exit 0
}

# lamps_corpus: sets L to the IETF LAMPS corpus: $LAMPS_DIR when set, else
# the interop corpus "lamps".
lamps_corpus() {
	if [ -n "${LAMPS_DIR:-}" ]; then
		L=$LAMPS_DIR
	else
		interop lamps
		L=$D
	fi
}

lab_up() { [ -n "${LAB_ENV:-}" ] && [ -f "$LAB_ENV" ] && . "$LAB_ENV"; }

t_done() { exit $((t_fail > 0)); }

# lab_without_bus: the lab's variables (lab_up), or one failed check and
# the end of the script when the lab is not up; then no session bus, so no
# Secret Service: a passphrase keys the store.
lab_without_bus() {
	lab_up || { notok "the lab is up"; t_done; }
	unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
}

# token_tools: the lab is up, and SoftHSM2 and OpenSC's pkcs11-tool are
# installed (else the script ends, failing); sets MOD, SoftHSM2's module.
token_tools() {
	lab_up || { notok "the lab is up"; t_done; }
	for _p in softhsm2-util pkcs11-tool; do
		command -v $_p >/dev/null ||
		    { notok "$_p is installed (tests/deps.sh)"; t_done; }
	done
	MOD=/usr/lib/softhsm/libsofthsm2.so
	[ -f "$MOD" ] || MOD=$(find /usr/lib -name libsofthsm2.so | head -1)
}

# card_token LABEL: token_tools, then in $T a SoftHSM2 token LABEL (PIN
# $PIN, 246810) holding alice's lab RSA key and certificate (object
# alice-rsa, id 01), seen through tests/tools/p11/card.c ($CARD), which
# counts wrong PINs as a card does and writes every login to
# $T/card.log. Run from $T.
card_token() {
	token_tools
	CARD="$TOOLS/p11card.so" PIN=246810
	check "the counting module is built" test -f "$CARD"
	mkdir -p tokens
	printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
	    "$T" >softhsm2.conf
	export SOFTHSM2_CONF="$T/softhsm2.conf" P11CARD_MODULE="$MOD" \
	    P11CARD_STATE="$T/card.state" P11CARD_LOG="$T/card.log"
	check "SoftHSM2 makes a token" softhsm2-util --init-token --free \
	    --label "$1" --pin "$PIN" --so-pin 13579135
	openssl pkcs8 -topk8 -nocrypt -in "$LAB_SMIME_DIR/alice.key" \
	    -outform DER -out rsa.p8 2>/dev/null
	openssl x509 -in "$LAB_SMIME_DIR/alice.pem" -outform DER -out rsa.der
	for _o in "rsa.p8 --type privkey --usage-decrypt --usage-sign" \
	    "rsa.der --type cert"; do
		# shellcheck disable=SC2086
		check "alice's key and certificate go onto the token" \
		    pkcs11-tool --module "$MOD" --token-label "$1" --login \
		    --pin "$PIN" --write-object $_o --label alice-rsa --id 01
	done
	rm -f rsa.p8
}

# card_home URI: after card_token, H=$T/home: alice's account, her identity
# the key URI names on the token (through $CARD; the PIN in $T/pin), the
# lab CA trusted; S runs sealmail there.
card_home() {
	H=$T/home
	sender_home "$H"
	sender_config "$H" "$LAB_IMAP_PORT" mail.example.test \
	    "$LAB_DNS_RESOLVER" no "$(printf '\n[pkcs11]\nmodule = %s' "$CARD")"
	S() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
	secret "$T/pin" "$PIN"
	check "keys import of the key on the token" S keys import "$1" \
	    --pin-file "$T/pin"
	check "the lab CA trusted" S keys trust "$LAB_CA"
}

# alice_folder NAME: a new Maildir folder of alice's on the lab's Dovecot,
# owned as Dovecot wants it (her Maildir too, when this made it); sets MD
# and FD. The caller removes "$FD" when done.
alice_folder() {
	MD="$LAB_MAIL_DIR/example.test/alice/Maildir"
	FD="$MD/.$1"
	mkdir -p "$FD/cur" "$FD/new" "$FD/tmp"
	chown --reference="${MD%/Maildir}" "$MD"
	chown -R --reference="$MD" "$FD"
}

# maildir_fill DIR COUNT [SEEN]: COUNT messages of 2 to 12 KB (Subject
# "message N", a Message-ID of DIR's and this run's own) into the folder
# DIR that alice_folder made or one beside it; with SEEN every odd one is
# \Seen.
maildir_fill() {
	python3 - "$1/cur" "$2" "$$" "${3:-}" <<'EOP'
import sys, zlib
d, n, pid, seen = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
tag = b'%08x' % zlib.crc32(d.encode())
for i in range(1, n + 1):
    lines = b''.join(b'line %d of message %d: filler text\n' % (j, i)
                     for j in range((i % 11 + 2) * 24))
    fl = 'S' if seen and i % 2 else ''
    open('%s/1700000000.M%dP%s.lab:2,%s' % (d, i, pid, fl), 'wb').write(
        b'From: bob@example.test\nTo: alice@example.test\n'
        b'Subject: message %d\nMessage-ID: <%d.%s.%s@example.test>\n\n'
        % (i, i, tag, pid.encode()) + lines)
EOP
	chown -R --reference="$MD" "$1"
}

# alice_deliver FILE [FLAGS]: puts FILE into the folder alice_folder made,
# with LF line ends and the Maildir flags FLAGS (S, FS, ...), as Dovecot
# would deliver it.
alice_deliver() {
	_dn=$((${_dn:-0} + 1))
	_df="$FD/cur/$(date +%s).M${_dn}P$$.lab:2,${2:-}"
	tr -d '\r' < "$1" > "$_df" && chown --reference="$MD" "$_df"
}

# alice_config HOME [password]: alice's account, IMAP and submission over
# STARTTLS, with the lab's resolver; with "password" her password comes
# from a password-command, else from the Secret Service or the terminal.
alice_config() {
	mkdir -p "$1"
	{
		printf '[account alice]\naddress = alice@example.test\n'
		printf 'imap = imap://mail.example.test:%s\n' "$LAB_IMAP_PORT"
		printf 'smtp = submission://mail.example.test:%s\n' \
		    "$LAB_SUBMISSION_PORT"
		[ "${2:-}" = password ] &&
		    printf "password-command = printf %%s '%s'\n" "$LAB_ALICE_PASS"
		printf 'ca-file = %s\n\n[dns]\nresolver = %s\ntrust-anchor = %s\n' \
		    "$LAB_CA" "$LAB_DNS_RESOLVER" "$LAB_TA"
	} > "$1/config"
}

# cli_home: for the command-line tests, no Secret Service (the store is
# keyed by the passphrase in $T/pw), a home H, and sm running sealmail on it.
cli_home() {
	unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
	H=$T/home
	secret "$T/pw" 'store pass phrase'
	sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
}

# fixture_home NAME...: cli_home, with D the fixtures of tests/data/smime,
# each identity NAME.p12 of D imported and D's ca.pem trusted.
fixture_home() {
	cli_home
	D=$TOP/tests/data/smime
	cp "$D/p12-passphrase" "$T/" && chmod 600 "$T/p12-passphrase"
	for _n in "$@"; do
		cp "$D/$_n.p12" "$T/" && chmod 600 "$T/$_n.p12"
		check "keys import $_n.p12" sm keys import "$T/$_n.p12" \
		    --passphrase-file "$T/p12-passphrase"
	done
	check "keys trust ca.pem" sm keys trust "$D/ca.pem"
}

# alice_ui_home PASSPHRASE: for a terminal program test, alice's home H
# (alice_config, her password given) with a store keyed by PASSPHRASE
# (in $T/pw), S running sealmail on it, and her identity imported.
alice_ui_home() {
	alice_lab_home "$1"
	check "alice's identity imports" S keys import \
	    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$LAB_SMIME_DIR/p12-pass"
}

# ui_lab NAME FOLDER: a terminal program test in alice's new folder FOLDER
# on the lab (alice_folder): ends at once without the lab; no Secret
# Service (a passphrase keys the store); TM the tmux command on a socket of
# its own, named after NAME. On exit the tmux server ends, the folder
# goes, and so does the mail on the lab that holds ID (ui_alice's), which
# the script may have sent to alice or bob.
ui_lab() {
	lab_without_bus
	TM="tmux -L sealmail-$1-$$"
	alice_folder "$2"
	trap '$TM kill-server 2>/dev/null; rm -rf "$FD"; [ -z "${ID:-}" ] || lab_forget "$ID"' EXIT
}

# alice_lab_home PASSPHRASE: alice_ui_home without her identity.
alice_lab_home() {
	lab_home "$T/alice" "$1"
	alice_config "$H" password
}

# alice_store_home NAME: a home H for alice (alice_config, her password
# given) and her new folder NAME (alice_folder, removed on exit) for
# crafted mail written under $T/gen; sm runs sealmail on H.
alice_store_home() {
	H="$T/home"
	F=$1
	alice_folder "$F"
	mkdir -p "$T/gen"
	trap 'rm -rf "$FD"' EXIT
	alice_config "$H" password
	sm() { "$SEALMAIL" --home "$H" "$@"; }
}

# gpgsm_home DIR CA BASE PASSFILE: a private gpgsm home DIR (offline, CA
# trusted) holding the identity BASE.pem + BASE.key, given to it as a
# PKCS#12 it can read (3DES, SHA-1 MAC; written to BASE.p12 with the
# passphrase in PASSFILE). gpgsm 2.2 cannot read about one such file in
# forty (its heuristic check of the decrypted bag fails for some salts),
# so a refused file is written again with a new salt, three times at most.
# Stop its agent with "gpgconf --kill gpg-agent" when done.
gpgsm_home() {
	GNUPGHOME=$1
	export GNUPGHOME
	mkdir -m 700 "$GNUPGHOME"
	printf 'disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\n' \
	    >"$GNUPGHOME/gpgsm.conf"
	printf 'allow-loopback-pinentry\n' >"$GNUPGHOME/gpg-agent.conf"
	echo "$(openssl x509 -in "$2" -noout -fingerprint -sha1 |
	    sed 's/.*=//') S" >"$GNUPGHOME/trustlist.txt"
	check "gpgsm imports the CA" gpgsm --batch --import "$2"
	check "gpgsm imports $(basename "$3").p12" gpgsm_p12 "$3" "$4"
}

# gpgsm_p12 BASE PASSFILE: BASE.p12 written and imported into gpgsm, with a
# new salt each time gpgsm refuses it (gpgsm_home).
gpgsm_p12() {
	_n=0
	while [ $_n -lt 3 ]; do
		openssl pkcs12 -export -in "$1.pem" -inkey "$1.key" \
		    -out "$1.p12" -passout "file:$2" -certpbe PBE-SHA1-3DES \
		    -keypbe PBE-SHA1-3DES -macalg sha1 || return 1
		_out=$(gpgsm --batch --pinentry-mode loopback \
		    --passphrase-fd 0 --import "$1.p12" <"$2" 2>&1)
		echo "$_out" | grep -q 'secret keys imported: 1' && return 0
		_n=$((_n + 1))
	done
	echo "$_out" >&2
	return 1
}

# sender_home HOME: an empty home for alice, and in $T the files holding
# the store's passphrase (pw), the lab's PKCS#12 one (p12pw) and her
# password (alicepw).
sender_home() {
	mkdir -p "$1"
	secret "$T/pw" "store passphrase"
	secret "$T/p12pw" "$LAB_P12_PASS"
	echo "$LAB_ALICE_PASS" >"$T/alicepw"
}

# sender_config HOME IMAP_PORT SMTP_HOST DNS_RESOLVER ENCRYPT [LINE]:
# alice's account for sending through the lab (her password read from
# $T/alicepw), signing, encrypt = ENCRYPT, with LINE added to it.
sender_config() {
	cat >"$1/config" <<EOF2
[account lab]
address  = alice@example.test
name     = Alice Example
imap     = imap://mail.example.test:$2
smtp     = submission://$3:$LAB_SUBMISSION_PORT
password-command = cat "$T/alicepw"
ca-file  = $LAB_CA
timeout  = 10
sign     = yes
encrypt  = $5
${6:-}

[dns]
resolver     = $4
trust-anchor = $LAB_TA
timeout      = 2
EOF2
}

# alice_sender ENCRYPT: a script sends as alice through the lab, from $T:
# her home $H (sender_home) with her account (sender_config, encrypt =
# ENCRYPT), her identity imported and the lab CA trusted (two checks); S
# runs sealmail in that home. No session bus: the store is keyed by a
# passphrase.
alice_sender() {
	unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
	cd "$T" || exit 1
	H=$T/alice
	S() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
	sender_home "$H"
	sender_config "$H" "$LAB_IMAP_PORT" mail.example.test \
	    "$LAB_DNS_RESOLVER" "$1"
	check "alice's identity imported" S keys import \
	    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
	check "the lab CA trusted" S keys trust "$LAB_CA"
}

# The terminal program under tmux: the script sets TM (its tmux command,
# with a private socket) and runs the program in session "ui".
# ui_screen: the text of that session's pane, or of the pane UI_PANE names
# when it is set (another window's, ui:NAME).
ui_screen() { $TM capture-pane -p -t "${UI_PANE:-ui}" 2>/dev/null; }
# ui_strip: the pager's strip (from the second row to the rule below it)
# as one line, runs of blanks made one.
ui_strip() {
	_rule=$(ui_screen | grep -n '^─\{20,\}$' | head -1 | cut -d: -f1)
	ui_screen | sed -n "2,${_rule}p" | tr '\n' ' ' | sed 's/  */ /g'
}
# ui_reversed: the pager's rows of the message (those with its gutter)
# drawn in reverse, as a search shows the row it found; escapes removed.
ui_reversed() {
	$TM capture-pane -p -e -t ui | grep "$(printf '\033')\[[0-9;]*7[;m]" |
	    sed "s/$(printf '\033')\[[0-9;]*m//g" | grep '│'
}
# ui_row_colour ROW N OTHERS: screen row ROW is drawn in colour 3N and in
# none of the colours 3[OTHERS] (1 red, 2 green, 3 yellow ... 7).
ui_row_colour() {
	_row=$($TM capture-pane -p -e -t ui | sed -n "$1p")
	printf '%s' "$_row" | grep -q "$(printf '\033')\[[0-9;]*3$2m" &&
	    ! printf '%s' "$_row" | grep -q "$(printf '\033')\[[0-9;]*3[$3]m"
}
# tm_new_session ARGS...: $TM new-session ARGS, tried again while a server
# that was just killed is still on its way out (a client that reaches it
# then fails with "server exited unexpectedly").
tm_new_session() {
	_t=0
	until $TM new-session "$@" 2>/dev/null; do
		_t=$((_t + 1))
		[ $_t -lt 20 ] || return 1
		sleep 0.2
	done
}
# ui_wait_for REGEX [TENTHS]: up to 15 s (TENTHS tenths of a second) for
# the screen to show REGEX; on failure its first lines and its last ones
# with text go to stderr (which check shows).
ui_wait_for() {
	_i=0
	while [ $_i -lt "${2:-150}" ]; do
		ui_screen | grep -Eq -- "$1" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	# The screen's head, and its last four lines with text (the status
	# line, and the reason a prompt is asked over).
	ui_screen | sed "s/^/#   | /" | awk 'NR <= 4 { print; next }
	    NF > 2 { l[++n] = $0 } END { for (i = n > 4 ? n - 3 : 1; i <= n;
	    i++) print l[i] }' >&2
	return 1
}
# settles CMD...: CMD succeeds within 5 s (tried every tenth of a second),
# for what a redraw shows only once the program has had its turn.
settles() {
	_i=0
	while [ $_i -lt 50 ]; do
		"$@" && return 0
		sleep 0.1; _i=$((_i + 1))
	done
	return 1
}
# ui_press "what" REGEX KEY...: sends the KEYs to the terminal program;
# ok when the screen then shows REGEX (ui_wait_for).
ui_press() {
	_what=$1 _re=$2; shift 2
	$TM send-keys -t ui "$@"
	check "$_what" ui_wait_for "$_re"
}
# ui_discard: q on the compose screen, n to "Postpone this message?"; 0
# once the message is said to be discarded.
ui_discard() {
	$TM send-keys -t ui q
	ui_wait_for 'Postpone this message\? \(y: keep, n: discard\)' || return 1
	$TM send-keys -t ui n
	ui_wait_for 'message discarded'
}
# ui_goto_msg SUBJECT: the cursor from the top of the list down to the
# message; in an index whose first page does not show it (the lab's INBOX
# is shared, and other tests' older mail may fill it), from the last
# message up to the newest one of SUBJECT. Its row is then on the screen.
# ui_open_msg SUBJECT: ui_goto_msg, Enter.
ui_open_msg() { ui_goto_msg "$1" && $TM send-keys -t ui Enter; }
ui_goto_msg() {
	$TM send-keys -t ui Home
	sleep 0.3
	_line=$(ui_screen | grep -n -F -- "$1" | head -1 | cut -d: -f1)
	if [ -n "$_line" ]; then
		_i=2
		while [ "$_i" -lt "$_line" ]; do
			$TM send-keys -t ui j; _i=$((_i + 1))
		done
		return 0
	fi
	$TM send-keys -t ui End
	sleep 0.3
	ui_screen >"$T/.index"
	_line=$(grep -n -F -- "$1" "$T/.index" | tail -1 | cut -d: -f1)
	_last=$(grep -n -E '^ *[0-9]+ ' "$T/.index" | tail -1 | cut -d: -f1)
	[ -n "$_line" ] && [ -n "$_last" ] || return 1
	while [ "$_last" -gt "$_line" ]; do
		$TM send-keys -t ui k; _last=$((_last - 1))
	done
}

# The outbox tests: ui_outbox_env NAME ends at once without the lab, takes
# the session bus away (a passphrase keys the store; gdbus would find the
# lab's bus through XDG_RUNTIME_DIR, so RT is a runtime directory of the
# test's own) and sets TM to tmux on a socket named after NAME;
# outbox_config SMTP_PORT writes H's config, alice's
# account (IMAPS, submission on SMTP_PORT, signing, encrypt = auto);
# ui_editor makes $T/editor.sh, an EDITOR that runs on its file the
# script act last wrote (act reads it from stdin); ui_outbox_start starts
# the terminal program on H with that editor, XDG_RUNTIME_DIR=$RT and its
# stderr in $T/ui.err (UIPID its pid); ui_outbox_open goes from an index
# to the outbox screen (c, down to the line "outbox", Enter).
ui_outbox_env() {
	lab_up || { notok "the lab is not up"; t_done; }
	unset DBUS_SESSION_BUS_ADDRESS
	TM="tmux -L sealmail-$1-$$"
	RT="$T/run"
	mkdir -p "$RT" && chmod 700 "$RT"
	export XDG_RUNTIME_DIR="$RT"
}
outbox_config() {
	{
		lab_account lab alice@example.test \
		    "imaps://localhost:$LAB_IMAPS_PORT" \
		    "submission://mail.example.test:$1" "$T/alicepw" \
		    'name     = Alice Example' 'timeout  = 10' \
		    'sign     = yes' 'encrypt  = auto'
		lab_dns 3
	} > "$H/config"
}
ui_editor() {
	printf '#!/bin/sh\n. "%s/action" "$1"\n' "$T" > "$T/editor.sh"
	chmod +x "$T/editor.sh"
	act() { cat > "$T/action"; }
}
ui_outbox_start() {
	$TM kill-server 2>/dev/null
	# A server whose last pane died may still be on its way out.
	_i=0
	while [ $_i -lt 20 ] && $TM has-session 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1))
	done
	sleep 0.2
	tm_new_session -d -s ui -x 120 -y 40 \
	    "exec env XDG_RUNTIME_DIR='$RT' EDITOR='$T/editor.sh' '$SEALMAIL' --home '$H' --passphrase-file '$T/pw' 2>>'$T/ui.err'"
	UIPID=$($TM display-message -p -t ui '#{pane_pid}')
}
ui_outbox_open() {
	check "c, then outbox: the outbox screen" \
	    ui_open_folder outbox 'sealmail: ([^ ]+: )?outbox'
}

# ui_open_folder NAME [REGEX]: from an index, c, down to folder NAME,
# Enter; 0 once NAME's index is open (the screen shows REGEX, when given).
# A sync landing may redraw the folder list between reading the row and
# moving to it: then the folder list is opened again.
ui_open_folder() {
	_try=0
	while [ $_try -lt 3 ]; do
		$TM send-keys -t ui c
		ui_wait_for 'sealmail: folders' >/dev/null || return 1
		_row=$(ui_screen | grep -n "^ *$1" | head -1 | cut -d: -f1)
		_i=2
		while [ "$_i" -lt "${_row:-2}" ]; do
			$TM send-keys -t ui j; _i=$((_i + 1))
		done
		$TM send-keys -t ui Enter
		# A folder's title counts its messages; the outbox's does not.
		ui_wait_for "${2:-sealmail: ([^ ]+: )?$1( \\(| *\$)}" 30 \
		    2>/dev/null &&
		    return 0
		_try=$((_try + 1))
	done
	return 1
}

# inbox_put FILE: one message (LF or CRLF) into alice's INBOX on the lab's
# Dovecot, as a new Maildir file.
inbox_put() {
	_md="$LAB_DIR/mail/example.test/alice/Maildir"
	mkdir -p "$_md/cur" "$_md/new" "$_md/tmp"
	_put=$((${_put:-0} + 1))
	sed 's/\r*$/\r/' "$1" > "$_md/new/$(date +%s).put$_put.$$.lab"
}

# lab_forget TAG: removes from alice's and bob's mailboxes on the lab every
# message that holds TAG, so that a script leaves them as it found them.
lab_forget() {
	grep -rlF -- "$1" "$LAB_MAIL_DIR/example.test/alice/Maildir" \
	    "$LAB_MAIL_DIR/example.test/bob/Maildir" 2>/dev/null |
	    grep -v '/dovecot' | while read -r _f; do rm -f "$_f"; done
}

# measure OUT CMD...: runs CMD with its stdout in OUT and prints
# "MS KB RC CPU": its wall-clock milliseconds, its peak resident memory in
# KiB, its exit status, and the milliseconds of CPU it (and what it waited
# for) took, user and system, which other work on the machine does not
# swell as it does the wall clock.
measure() {
	python3 -c 'import os, sys, time
t = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.execvp(sys.argv[2], sys.argv[2:])
_, st, ru = os.wait4(pid, 0)
print(int((time.monotonic() - t) * 1000), ru.ru_maxrss,
      os.waitstatus_to_exitcode(st),
      int((ru.ru_utime + ru.ru_stime) * 1000))' "$@"
}

# maildir_find DIR TEXT: the first file under the Maildir DIR (new, cur)
# holding TEXT, waiting up to 10 s for it to arrive.
maildir_find() {
	_i=0
	while [ $_i -lt 100 ]; do
		_f=$(grep -rlF -- "$2" "$1"/new "$1"/cur 2>/dev/null | head -1)
		[ -n "$_f" ] && { echo "$_f"; return 0; }
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# count_in DIR TEXT: how many files under the Maildir DIR hold TEXT.
count_in() { grep -rlF -- "$2" "$1"/new "$1"/cur 2>/dev/null | wc -l; }

# lab_account NAME ADDRESS IMAP SMTP PASSFILE [LINE...]: prints an
# [account NAME] section for ADDRESS on the lab: IMAP and SMTP its servers
# (no smtp line when SMTP is empty), its password read from PASSFILE, the
# lab's CA, then each LINE ("key = value").
lab_account() {
	printf '[account %s]\naddress  = %s\nimap     = %s\n' "$1" "$2" "$3"
	[ -z "$4" ] || printf 'smtp     = %s\n' "$4"
	printf 'password-command = cat "%s"\nca-file  = %s\n' "$5" "$LAB_CA"
	shift 5
	for _l in "$@"; do printf '%s\n' "$_l"; done
	echo
}

# dns_section RESOLVER TRUST-ANCHOR [TIMEOUT]: prints the [dns] section.
dns_section() {
	printf '[dns]\nresolver     = %s\ntrust-anchor = %s\n' "$1" "$2"
	[ -z "${3:-}" ] || printf 'timeout      = %s\n' "$3"
}

# lab_dns [TIMEOUT]: the [dns] section for the lab's resolver.
lab_dns() { dns_section "$LAB_DNS_RESOLVER" "$LAB_TA" "${1:-}"; }

# lab_dns_home DIR: a new home whose config holds only the lab's resolver
# and its trust anchor, as a newcomer's before sealmail setup.
lab_dns_home() {
	mkdir -p "$1" && chmod 700 "$1"
	printf '[dns]\nresolver = %s\ntrust-anchor = %s\n' \
	    "$LAB_DNS_RESOLVER" "$LAB_TA" > "$1/config"
	chmod 600 "$1/config"
}

# lab_home DIR PASSPHRASE: a private home H=DIR, and in $T the store's
# PASSPHRASE (pw), the lab's PKCS#12 passphrase (p12pw) and alice's
# password (alicepw); S runs sealmail on H.
lab_home() {
	H=$1
	mkdir -p "$H" && chmod 700 "$H"
	secret "$T/pw" "$2"
	secret "$T/p12pw" "$LAB_P12_PASS"
	secret "$T/alicepw" "$LAB_ALICE_PASS"
	S() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
}

# alice_identity: alice's identity and the lab's CA into S's key store.
alice_identity() {
	check "alice's identity imports" S keys import \
	    "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
	check "the lab CA becomes a trust anchor" S keys trust "$LAB_CA"
}

# ui_start HOME [COLSxROWS] [ENV]: the terminal program on HOME (its store
# keyed by $T/pw) in the tmux session "ui" of $TM, 130x40 unless said,
# with ENV ("NAME='value' ...") in its environment; when it ends the pane
# shows "EXITED status".
ui_start() {
	_sz=${2:-130x40}
	tm_new_session -d -s ui -x "${_sz%x*}" -y "${_sz#*x}" \
	    "${3:+$3 }'$SEALMAIL' --home '$1' --passphrase-file '$T/pw'; echo EXITED \$?; sleep 60"
}

# ui_restart HOME [COLSxROWS] [ENV]: ends the tmux server and starts the
# program again (ui_start).
ui_restart() {
	$TM kill-server 2>/dev/null
	sleep 0.3
	ui_start "$@"
}

# ui_answer KEY TEXT: KEY opens a prompt, TEXT and Enter answer it.
ui_answer() {
	$TM send-keys -t ui "$1"
	sleep 0.3
	$TM send-keys -t ui -l "$2"
	$TM send-keys -t ui Enter
}

# listed FILE ID FIELD: FIELD of the message ID in the list --json output
# FILE.
listed() { json "$1" "[x['$3'] for x in d if x['id']==$2][0]"; }

# synced_id OUT SUBJECT CMD: syncs the INBOX with CMD (sealmail on a home)
# until its list holds a message of SUBJECT, 10 s at most; leaves the
# list in OUT (JSON) and prints the message's id.
synced_id() {
	_i=0
	while [ $_i -lt 50 ]; do
		$3 sync --folder INBOX >/dev/null 2>&1
		$3 list --json >"$1" 2>/dev/null
		_got=$(json "$1" "[x['id'] for x in d if x['subject']=='$2']")
		[ "$_got" != "[]" ] && break
		sleep 0.2
		_i=$((_i + 1))
	done
	json "$1" "[x['id'] for x in d if x['subject']=='$2'][0]"
}

# file_parts EML: a line per attached file of the message EML but the
# signature: its name, its type and the SHA-256 of its bytes.
file_parts() {
	python3 - "$1" <<'PY'
import email, email.policy, hashlib, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'),
                                   policy=email.policy.default)
for p in m.walk():
    fn = p.get_filename()
    if fn and fn != 'smime.p7s':
        data = p.get_payload(decode=True)
        print(fn, p.get_content_type(), hashlib.sha256(data).hexdigest())
PY
}

# ui_alice NAME PASSPHRASE: a terminal program test (ui_lab NAME) in a new
# folder FOLD of alice's, run in $T, with ID a token of this run and H
# alice's home (lab_home, keyed by PASSPHRASE; alice_config, her password
# given); key sends keys to the program, wait_for REGEX [TENTHS] waits for
# the screen to show REGEX (ui_wait_for).
ui_alice() {
	FOLD="${1}fold$$"
	ui_lab "$1" "$FOLD"
	cd "$T" || exit 1
	ID=$(date +%s)-$$
	lab_home "$T/alice" "$2"
	alice_config "$H" password
	key() { $TM send-keys -t ui "$@"; }
	wait_for() { ui_wait_for "$1" "${2:-150}"; }
}

# bob_editor SUBJECT LINE: $T/editor.sh, an editor that copies the file it
# is given to $T/draft.txt, fills an empty To with bob@example.test and an
# empty Subject with SUBJECT, and adds LINE.
bob_editor() {
	cat > "$T/editor.sh" <<EOM
#!/bin/sh
cp "\$1" "$T/draft.txt"
sed -i 's/^Subject: *\$/Subject: $1/; s/^To: *\$/To: bob@example.test/' "\$1"
printf '%s\n' '$2' >> "\$1"
EOM
	chmod +x "$T/editor.sh"
}

# revoke_serve PORT ARGS...: tests/lab/revoke.py with ARGS on PORT, for
# the files of $T/srv, its requests logged in $T/srv-PORT.log and its
# errors in $T/srv.err; returns once it listens (or after 5 s). Its PID
# is added to revoke_pids, for the caller to kill.
revoke_serve() {
	_p=$1; shift
	mkdir -p "$T/srv"
	python3 "$TOP/tests/lab/revoke.py" --port "$_p" --dir "$T/srv" \
	    --log "$T/srv-$_p.log" "$@" 2>>"$T/srv.err" &
	revoke_pids="${revoke_pids:-} $!"
	_i=0
	until python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
	    "$_p" 2>/dev/null; do
		_i=$((_i + 1)); [ $_i -lt 100 ] || break; sleep 0.05
	done
}

# slow_relay HOLD: tests/hostile/slowaccept.py in front of the lab's
# submission server, holding back each 250 for HOLD seconds; slow is its
# PID (the caller kills it), $T/ready holds its port once it listens and
# $T/accepted appears once it has delivered a message.
slow_relay() {
	python3 "$TOP/tests/hostile/slowaccept.py" \
	    --cert "$LAB_DIR/ca/server-chain.pem" --key "$LAB_DIR/ca/server.key" \
	    --ca "$LAB_CA" --relay-port "$LAB_SUBMISSION_PORT" \
	    --user "$LAB_ALICE" --password "$LAB_ALICE_PASS" \
	    --accepted "$T/accepted" --ready "$T/ready" --hold "$1" \
	    --lifetime 100 2>"$T/slow.err" &
	slow=$!
}

# bob_home: bob's home BH on the lab, its store keyed by $T/pw, B running
# sealmail on it; his identity imported and the lab CA trusted.
bob_home() {
	BH="$T/bob"
	mkdir -p "$BH" && chmod 700 "$BH"
	secret "$T/bobpw" "$LAB_BOB_PASS"
	{
		lab_account bob bob@example.test \
		    "imap://mail.example.test:$LAB_IMAP_PORT" \
		    "submission://mail.example.test:$LAB_SUBMISSION_PORT" \
		    "$T/bobpw"
		lab_dns
	} > "$BH/config"
	B() { "$SEALMAIL" --home "$BH" --passphrase-file "$T/pw" "$@"; }
	check "bob's identity" B keys import "$LAB_SMIME_DIR/bob.p12" \
	    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
	check "bob trusts the lab CA" B keys trust "$LAB_CA"
}

# bob_got TEXT: how many of bob's messages on the lab hold TEXT, once one
# does (up to 5 s) or the time is up; a second delivery of a message
# would be counted too, as they arrive in the same moment.
bob_got() {
	_bd=$LAB_MAIL_DIR/example.test/bob/Maildir
	_i=0
	while [ $_i -lt 50 ] && [ "$(count_in "$_bd" "$1")" -eq 0 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	sleep 0.5
	count_in "$_bd" "$1"
}

# hostile_up SCRIPT ARG...: tests/hostile/SCRIPT with ARGs, listening on
# 127.0.0.1 on a free port the first time and on the same ($port) after,
# so that a home configured once reaches each server a test starts; its
# process in $spid. hostile_down stops it (harmless when none runs).
hostile_up() {
	hostile_down
	rm -f "$T/ready"
	_s=$1
	shift
	python3 "$TOP/tests/hostile/$_s" "$@" --ready "$T/ready" \
	    --port "${port:-0}" </dev/null >/dev/null 2>&1 &
	spid=$!
	_i=0
	while [ ! -s "$T/ready" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	port=$(cat "$T/ready")
}
hostile_down() {
	[ -n "${spid:-}" ] || return 0
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	spid=
}

# other_client CMD...: another IMAP client of alice's (a phone, say:
# python3 imaplib over IMAPS with the lab's CA) runs each CMD in one
# session: "select F", "uid STORE 1 +FLAGS (\Seen)", "expunge",
# "rename F G", ... as imaplib's methods take them (exit 1 on a NO);
# "deliver F/SUBJECT" appends a message of that Subject to F; "flags F"
# prints F's UIDs and their flags, sorted, one "UID FLAG..." line each.
other_client() {
	python3 - "$LAB_IMAPS_PORT" "$LAB_CA" "$LAB_ALICE" "$LAB_ALICE_PASS" \
	    "$@" <<'PY'
import imaplib, re, ssl, sys
port, ca, user, pw = sys.argv[1:5]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
c = imaplib.IMAP4_SSL("127.0.0.1", int(port), ssl_context=ctx)
c.login(user, pw)
for cmd in sys.argv[5:]:
    verb, _, arg = cmd.partition(" ")
    if verb == "flags":
        c.select(arg, readonly=True)
        typ, data = c.uid("FETCH", "1:*", "(FLAGS)")
        for d in data or []:
            m = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", d or b"")
            if m:
                fl = sorted(m.group(2).decode().split())
                print(" ".join([m.group(1).decode()] + fl))
        continue
    if verb == "deliver":
        box, _, subject = arg.partition("/")
        c.append(box, None, None, ("From: bob@example.test\r\n"
                 "Subject: %s\r\n\r\nbody\r\n" % subject).encode())
        continue
    if verb == "uid":
        a = arg.split(" ", 2)
        typ, data = c.uid(*a)
    else:
        typ, data = getattr(c, verb)(*(arg.split(" ") if arg else []))
    if typ != "OK":
        sys.exit("%s: %s %s" % (cmd, typ, data))
c.logout()
PY
}

# dispositions_default FILE: the SigIgn line of /proc/PID/status in FILE
# ignores neither SIGPIPE (13) nor SIGXFSZ (25), which the program itself
# ignores: a command it starts must not inherit that.
dispositions_default() {
	_ign=$(awk '$1 == "SigIgn:" { print $2 }' "$1")
	[ -n "$_ign" ] && [ $((0x$_ign & 0x1001000)) -eq 0 ] ||
	    { echo "SigIgn: ${_ign:-none}" >&2; return 1; }
}
