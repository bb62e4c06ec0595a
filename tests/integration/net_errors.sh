# Network errors that say what to do, against the lab: implicit TLS on a
# STARTTLS port names the URL to write; a refused login names where the
# password came from (password-command, the Secret Service) and how to
# change it, and the change it proposes works.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
ACCT="$LAB_ALICE@localhost"
cleanup() {
	secret-tool clear xdg:schema org.sealmail.Password account "$ACCT" \
	    2>/dev/null
}
trap cleanup EXIT

home() {	# dir imap-url smtp-url [password-command]
	mkdir -p "$1"
	{
		printf '[account lab]\naddress = %s\n' "$LAB_ALICE"
		printf 'imap = %s\nsmtp = %s\n' "$2" "$3"
		[ -n "${4:-}" ] && printf 'password-command = %s\n' "$4"
		printf 'ca-file = %s\ntimeout = 10\n' "$LAB_CA"
	} > "$1/config"
}

# imaps:// to the STARTTLS port.
home "$T/h1" "imaps://localhost:$LAB_IMAP_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT" "cat $T/h1/pw"
secret "$T/h1/pw" "$LAB_ALICE_PASS"
check_error "imaps:// on a STARTTLS port: the fix is named" 1 \
    "localhost:$LAB_IMAP_PORT: TLS handshake failed: .*STARTTLS port, write imap://" \
    "$SEALMAIL" --home "$T/h1" check
home "$T/h1" "imap://localhost:$LAB_IMAP_PORT" \
    "submissions://localhost:$LAB_SUBMISSION_PORT" "cat $T/h1/pw"
check_error "submissions:// on a STARTTLS port: the fix is named" 1 \
    "localhost:$LAB_SUBMISSION_PORT: .*STARTTLS port, write .*submission://" \
    "$SEALMAIL" --home "$T/h1" check
home "$T/h1" "imap://localhost:$LAB_IMAP_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT" "cat $T/h1/pw"
check "with imap:// and submission:// it works" \
    "$SEALMAIL" --home "$T/h1" check

# A wrong password from password-command.
secret "$T/h1/pw" wrong
check_error "a refused login names the password-command and the file" 1 \
    "login refused.*password-command of account lab in $T/h1/config" \
    "$SEALMAIL" --home "$T/h1" check

# A wrong password from the Secret Service: the command it proposes fixes it.
home "$T/h2" "imap://localhost:$LAB_IMAP_PORT" \
    "submission://localhost:$LAB_SUBMISSION_PORT"
printf 'wrong' | secret-tool store --label=sealmail \
    xdg:schema org.sealmail.Password account "$ACCT"
check_error "a refused login names the Secret Service and the fix" 1 \
    "login refused.*Secret Service: replace it with secret-tool store .*account $ACCT" \
    "$SEALMAIL" --home "$T/h2" check
fix=$(tail -1 "$T/.err" | sed 's/.*replace it with \(secret-tool store [^,]*\),.*/\1/')
check_match "the proposed command is one to run" \
    "^secret-tool store --label=sealmail xdg:schema org.sealmail.Password account $ACCT\$" \
    "$fix"
printf '%s' "$LAB_ALICE_PASS" | $fix
check "after running it the login works" \
    "$SEALMAIL" --home "$T/h2" check
t_done
