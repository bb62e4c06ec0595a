#!/bin/sh
# inspect asks a token for nothing that the mail does not need: alice's
# key is on a SoftHSM2 token seen through tests/tools/p11/card.c, which
# writes down every login. A plain or merely signed message (alone, or a
# batch of them on every core) starts no key agent and logs in to nothing,
# even with no PIN to be had or a wrong one; a message encrypted to her
# still asks for the PIN, once in a batch, whichever file needs it first,
# and the verdicts are those of the same batch on one CPU.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up"; t_done; }
command -v strace >/dev/null || { notok "strace is installed"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
TOK=sealmail-insp
URI="pkcs11:token=$TOK;object=alice-rsa"
card_token "$TOK"

card_home "$URI"
secret bad "111111"

# --- the mail --------------------------------------------------------------
printf 'From: bob@example.test\nTo: alice@example.test\nSubject: plain\n\nno secret here\n' \
    >plain.eml
printf 'Content-Type: text/plain\n\nsigned by bob\n' >body
check "a message bob signs" openssl cms -sign -in body \
    -signer "$LAB_SMIME_DIR/bob.pem" -inkey "$LAB_SMIME_DIR/bob.key" \
    -from bob@example.test -to alice@example.test -subject signed \
    -out signed.eml
printf 'Content-Type: text/plain\n\nsealed for the token\n' >body
for m in enc1 enc2; do
	check "$m: a message encrypted to alice" openssl cms -encrypt \
	    -aes-256-cbc -in body -recip "$LAB_SMIME_DIR/alice.pem" \
	    -from bob@example.test -to alice@example.test -subject $m \
	    -out $m.eml
done

# logins: every login the token saw since card.log was emptied.
logins() { wc -l <card.log | tr -d ' '; }
# agents TRACE: how many key agents a traced run started.
agents() { grep -c -- '"--key-agent"' "$1"; }
# insp NAME [OPTIONS] FILE...: inspect --json under strace, with nothing
# on the terminal to ask a PIN from; exit status in NAME.rc. (Under strace
# a sanitizer's leak check cannot run.)
insp() {
	_n=$1
	shift
	: >card.log
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -e trace=execve -o "$_n.trace" "$SEALMAIL" --home "$H" \
	    --passphrase-file "$T/pw" inspect --json "$@" \
	    >"$_n.out" 2>"$_n.err" </dev/null
	echo $? >"$_n.rc"
}
# field NAME KEY: KEY of each verdict in NAME.out, space separated.
field() {
	python3 -c 'import json, sys
print(" ".join(json.loads(l)[sys.argv[2]] for l in open(sys.argv[1])))' \
	    "$1.out" "$2"
}

# --- mail that needs no key asks for no PIN -------------------------------
insp plain plain.eml
check_eq "a plain message with no PIN to be had: exit 0" 0 "$(cat plain.rc)"
check_eq "... its verdict" "none none" \
    "$(field plain signature) $(field plain encryption)"
check_eq "... no key agent started" 0 "$(agents plain.trace)"
check_eq "... and no login to the token" 0 "$(logins)"

insp signed signed.eml
check_eq "a signed message with no PIN to be had: exit 0" 0 \
    "$(cat signed.rc)"
check_eq "... valid, not encrypted" "valid none" \
    "$(field signed signature) $(field signed encryption)"
check_eq "... no key agent started" 0 "$(agents signed.trace)"
check_eq "... and no login to the token" 0 "$(logins)"

insp wrong --pin-file bad signed.eml plain.eml
check_eq "with a wrong PIN file, signed and plain mail: exit 0" 0 \
    "$(cat wrong.rc)"
check_eq "... two verdicts" "valid none" "$(field wrong signature)"
check_eq "... the PIN was not offered to the token" 0 "$(logins)"
check_eq "... no key agent started" 0 "$(agents wrong.trace)"
check_eq "... nothing on standard error" "" "$(cat wrong.err)"

# --- mail that needs the key still asks for it ----------------------------
check_error "an encrypted message with no PIN: one line saying how to give it" \
    1 "no PIN is given: use --pin-file" S inspect enc1.eml </dev/null
insp refused --pin-file bad plain.eml enc1.eml signed.eml
check_eq "a wrong PIN file and an encrypted message in a batch: exit 1" 1 \
    "$(cat refused.rc)"
check_match "... the token's refusal, one line" \
    "^sealmail: the token \"$TOK\" refused the PIN in bad" \
    "$(cat refused.err)"
check_eq "... in one line" 1 "$(wc -l <refused.err | tr -d ' ')"
check_eq "... the token saw it once" 1 "$(logins)"
check_nomatch "... and called nothing undecryptable" undecryptable \
    "$(cat refused.out)"

ncpu=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
[ "$ncpu" -ge 2 ] || notok "two CPUs to run the workers on (have $ncpu)"
set -- plain.eml signed.eml enc1.eml plain.eml signed.eml enc2.eml
insp batch --pin-file pin "$@"
check_eq "a batch, encrypted mail in its middle: exit 0" 0 \
    "$(cat batch.rc)"
check_eq "... each verdict in the order of the files" \
    "plain signed enc1 plain signed enc2" "$(field batch subject)"
check_eq "... the encrypted ones decrypted" \
    "none none decrypted none none decrypted" "$(field batch encryption)"
check_eq "... one key agent" 1 "$(agents batch.trace)"
check_eq "... one login to the token" 1 "$(logins)"
check_eq "... and it took the PIN" ok "$(cat card.log)"
: >card.log
taskset -c 0 "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" inspect \
    --json --pin-file pin "$@" >one.out 2>one.err </dev/null
check_eq "the same batch on one CPU: exit 0" 0 "$?"
check "... the same verdicts, byte for byte" cmp one.out batch.out
check_eq "... one login to the token" 1 "$(logins)"
t_done
