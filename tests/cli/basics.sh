# The program's face: version, help, exit codes, configuration errors.
. "$TOP/tests/lib.sh"
H="$T/home"

out=$("$SEALMAIL" --version); rc=$?
check_eq "--version exits 0" 0 "$rc"
check_match "--version names the program" '^sealmail [0-9]+\.[0-9]+' "$out"

out=$("$SEALMAIL" --help); rc=$?
check_eq "--help exits 0" 0 "$rc"
for cmd in "config check" "keys import" "keys list" "inspect"; do
	check_match "--help lists '$cmd'" "sealmail $cmd" "$out"
done

"$SEALMAIL" --home "$H" no-such-command >/dev/null 2>"$T/err"; rc=$?
check_eq "an unknown command is a usage error (2)" 2 "$rc"
"$SEALMAIL" --bogus-option >/dev/null 2>&1; rc=$?
check_eq "an unknown option is a usage error (2)" 2 "$rc"

mkdir -p "$H"
printf '[account work]\naddress = alice@example.test\nimap = imaps://mail.example.test:10993\nsmtp = submission://mail.example.test\n' > "$H/config"
out=$("$SEALMAIL" --home "$H" config check); rc=$?
check_eq "a good configuration checks (0)" 0 "$rc"
check_match "config check shows the IMAP server and TLS mode" 'imap mail.example.test port 10993, implicit TLS' "$out"
check_match "config check shows the submission server and TLS mode" 'smtp mail.example.test port 587, STARTTLS' "$out"

printf '[account work]\naddress = alice@example.test\nsmtp = smtp://mail.example.test\n' > "$H/config"
"$SEALMAIL" --home "$H" config check >/dev/null 2>"$T/err"; rc=$?
check_eq "a plaintext scheme fails (1)" 1 "$rc"
check_match "the error names file and line and says plaintext" "^sealmail: $H/config:3: .*plaintext" "$(tail -1 "$T/err")"

printf '[account work]\naddress = alice@example.test\ncolour = blue\n' > "$H/config"
"$SEALMAIL" --home "$H" config check >/dev/null 2>"$T/err"; rc=$?
check_eq "an unknown key fails (1)" 1 "$rc"
check_eq "the error names file, line and key" "sealmail: $H/config:3: unknown key 'colour'" "$(tail -1 "$T/err")"

printf '[account work]\naddress = alice@example.test\nthis is not a key\n' > "$H/config"
"$SEALMAIL" --home "$H" config check >/dev/null 2>"$T/err"
check_eq "a bad line is named" "sealmail: $H/config:3: expected 'key = value'" "$(tail -1 "$T/err")"

# A hostile value cannot put a control sequence on the terminal.
printf '[account work]\naddress = alice@example.test\n\033]0;pwned\007x = 1\n' > "$H/config"
"$SEALMAIL" --home "$H" config check >/dev/null 2>"$T/err"
if grep -q "$(printf '\033')" "$T/err"; then notok "errors are sanitized"; else ok "errors are sanitized"; fi

make="config: no such file: make it with sealmail"
check_error "config check of a new home says how to make its config" 1 \
    "$make --home $T/new/home setup ADDRESS, or write" \
    "$SEALMAIL" --home "$T/new/home" config check
check_eq "a new --home is made private (0700)" 700 "$(stat -c %a "$T/new/home")"
check_error "... and without --home the command it names has none" 1 \
    "$make setup ADDRESS, or write" \
    env -u SEALMAIL_HOME HOME="$T/nohome" XDG_CONFIG_HOME="$T/nohome/c" \
    XDG_DATA_HOME="$T/nohome/d" "$SEALMAIL" config check
SEALMAIL_HOME="$T/envhome" "$SEALMAIL" config check >/dev/null 2>&1
check "SEALMAIL_HOME selects the home" test -d "$T/envhome"

# Without either, the configuration under XDG_CONFIG_HOME, the data under
# XDG_DATA_HOME; without those, under HOME's .config and .local/share.
secret "$T/pw" 'store pass phrase'
X=$T/xdg
mkdir -p "$X/c/sealmail"
printf '[account work]\naddress = alice@example.test\n' >"$X/c/sealmail/config"
chmod 600 "$X/c/sealmail/config"
xdg() {
	env -u SEALMAIL_HOME -u DBUS_SESSION_BUS_ADDRESS \
	    XDG_CONFIG_HOME="$X/c" XDG_DATA_HOME="$X/d" "$SEALMAIL" "$@"
}
check_match "the config is read from XDG_CONFIG_HOME/sealmail" \
    '^account work' "$(xdg config check)"
check "a command that needs the store" \
    xdg --passphrase-file "$T/pw" keys trust "$TOP/tests/data/smime/ca.pem"
check "makes it under XDG_DATA_HOME/sealmail" test -f "$X/d/sealmail/store.db"
check "and nothing of it under XDG_CONFIG_HOME" \
    test ! -e "$X/c/sealmail/store.db"
env -u SEALMAIL_HOME -u DBUS_SESSION_BUS_ADDRESS -u XDG_CONFIG_HOME \
    -u XDG_DATA_HOME HOME="$X/h" "$SEALMAIL" --passphrase-file "$T/pw" \
    keys list >/dev/null 2>&1
check "without XDG_*: the store under HOME/.local/share/sealmail" \
    test -f "$X/h/.local/share/sealmail/store.db"
check "and the configuration's directory HOME/.config/sealmail" \
    test -d "$X/h/.config/sealmail"
t_done
