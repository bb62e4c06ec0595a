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

# check_fails "what" command...: ok when the command exits non-zero.
check_fails() {
	_what=$1; shift
	if "$@" >"$T/.out" 2>"$T/.err"; then notok "$_what"; else ok "$_what"; fi
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

# check_nomatch "what" regex text
check_nomatch() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		notok "$1"; printf '#   /%s/ found\n' "$2"; else ok "$1"
	fi
}

# secret FILE TEXT: writes TEXT and a newline to FILE, readable by its
# owner only (sealmail refuses a passphrase file others may read).
secret() { (umask 077 && printf '%s\n' "$2" > "$1"); }

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

lab_up() { [ -n "${LAB_ENV:-}" ] && [ -f "$LAB_ENV" ] && . "$LAB_ENV"; }

t_done() { exit $((t_fail > 0)); }

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

# alice_config HOME [password]: alice's account, IMAP over STARTTLS, with
# the lab's resolver; with "password" her password comes from a
# password-command, else from the Secret Service or the terminal.
alice_config() {
	mkdir -p "$1"
	{
		printf '[account alice]\naddress = alice@example.test\n'
		printf 'imap = imap://mail.example.test:%s\n' "$LAB_IMAP_PORT"
		[ "${2:-}" = password ] &&
		    printf "password-command = printf %%s '%s'\n" "$LAB_ALICE_PASS"
		printf 'ca-file = %s\n\n[dns]\nresolver = %s\ntrust-anchor = %s\n' \
		    "$LAB_CA" "$LAB_DNS_RESOLVER" "$LAB_TA"
	} > "$1/config"
}
