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

# json FILE EXPR: prints a member of a JSON document (python3 expression
# over the parsed value d), for assertions on --json output.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(json.dumps(v) if not isinstance(v,str) else v)' "$1" "$2"
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
