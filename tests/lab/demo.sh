#!/bin/sh
# tests/lab/demo.sh ("make demo"): starts the lab in a directory that stays
# between runs, sets up a sealmail home for alice@example.test that talks to
# it, puts five demonstration messages in alice's INBOX (plain; signed by
# bob; encrypted to alice; signed and encrypted; a signature that no longer
# matches its text) and a welcome note that explains them, and opens
# sealmail on that home. When sealmail exits it prints its hints again and
# asks before stopping the lab; without a terminal the lab is stopped at
# once. Its files and alice's home stay, and a second run reuses them.
#
#   SEALMAIL_DEMO_DIR	where everything lives (~/.cache/sealmail-demo)
#   LAB_PORT_BASE	the lab's ports are this + 24 ... + 993 (30000)
#   SEALMAIL		the program (./sealmail)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
DEMO=${SEALMAIL_DEMO_DIR:-$HOME/.cache/sealmail-demo}
LAB_PORT_BASE=${LAB_PORT_BASE:-30000}
export LAB_PORT_BASE
SM=${SEALMAIL:-$TOP/sealmail}

say() { printf '%s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ -x "$SM" ] || die "$SM is not built (run make)"
mkdir -p "$DEMO" || die "cannot create $DEMO"
DEMO=$(cd "$DEMO" && pwd)
LAB=$DEMO/lab H=$DEMO/alice W=$DEMO/work

stop_lab() {
	sh "$HERE/stop.sh" "$LAB" >/dev/null 2>&1
}
trap stop_lab EXIT
trap 'exit 130' INT TERM HUP PIPE

say "Starting the lab in $LAB (ports $LAB_PORT_BASE + 24 ... + 993) ..."
sh "$HERE/start.sh" "$LAB" >"$DEMO/lab-start.log" 2>&1 ||
    die "the lab did not start: $(tail -n 3 "$DEMO/lab-start.log")"
. "$LAB/lab.env"

# --- alice's sealmail home ----------------------------------------------------
mkdir -p "$H" "$W" && chmod 700 "$H" "$W" || die "cannot create $H"
cp "$LAB_CA" "$H/lab-ca.pem" && cp "$LAB_TA" "$H/lab-zone.ds" ||
    die "cannot copy the lab's trust anchors"
( umask 077 && printf '%s\n' "$LAB_ALICE_PASS" > "$H/imap-password" &&
    printf '%s\n' "$LAB_P12_PASS" > "$W/p12-pass" )
cat > "$H/config" <<EOF
# sealmail demo: alice@example.test on the lab's servers (tests/lab/demo.sh
# writes this file on every run).
[account alice]
address  = $LAB_ALICE
name     = Alice Example
user     = $LAB_ALICE
imap     = imaps://$LAB_HOST:$LAB_IMAPS_PORT
smtp     = submission://$LAB_HOST:$LAB_SUBMISSION_PORT
password-command = cat imap-password
timeout  = 30
ca-file  = lab-ca.pem
sign     = yes
encrypt  = auto

[dns]
resolver     = $LAB_DNS_RESOLVER
trust-anchor = lab-zone.ds
timeout      = 5
EOF

# sm ARGS...: sealmail on alice's home, with the lab's Secret Service (the
# environment lab.env exported), its output kept in the demo's log.
sm() {
	"$SM" --home "$H" "$@" >>"$DEMO/demo.log" 2>&1
}
: > "$DEMO/demo.log"
if ! "$SM" --home "$H" keys list --json 2>>"$DEMO/demo.log" |
    grep -q '"kind": *"identity"'; then
	sm keys import "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$W/p12-pass" ||
	    say "  (importing alice's identity failed: see $DEMO/demo.log)"
fi
sm keys trust "$LAB_CA" || true
sm keys import "$LAB_SMIME_DIR/bob.pem" || true

# --- the demonstration messages -------------------------------------------------
# Each is from bob to alice, made here with openssl cms from the lab's S/MIME
# identities and delivered through the lab's inbound SMTP port. A message
# already in alice's INBOX (by its Message-ID) is not sent again.
S=$LAB_SMIME_DIR
crlf() { sed 's/\r*$/\r/'; }

# part FILE TEXT: a text/plain MIME entity, CRLF.
part() {
	printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n' \
	    "$2" | crlf > "$1"
}
# headers N SUBJECT: bob's header block for demonstration message N.
headers() {
	printf 'From: Bob Example <%s>\nTo: Alice Example <%s>\nSubject: %s\nDate: %s\nMessage-ID: <sealmail-demo-%s@example.test>\n' \
	    "$LAB_BOB" "$LAB_ALICE" "$2" "$(date -R)" "$1" | crlf
}
sign() {
	openssl cms -sign -md sha256 -signer "$S/bob.pem" -inkey "$S/bob.key" \
	    -in "$1" -crlfeol -out "$2"
}
encrypt() {
	openssl cms -encrypt "$3" -in "$1" -crlfeol -out "$2" \
	    "$S/alice.pem" "$S/bob.pem"
}
in_inbox() {
	curl -s --ssl-reqd --cacert "$LAB_CA" -u "$LAB_ALICE:$LAB_ALICE_PASS" \
	    "imaps://127.0.0.1:$LAB_IMAPS_PORT/INBOX" \
	    -X "UID SEARCH HEADER Message-ID \"sealmail-demo-$1@example.test\"" |
	    tr -d '\r' | grep -Eq '^\* SEARCH [0-9]'
}
deliver() {
	python3 -c 'import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.sendmail(sys.argv[2], [sys.argv[3]], open(sys.argv[4], "rb").read())
s.quit()' "$LAB_SMTP_PORT" "$LAB_BOB" "$LAB_ALICE" "$1"
}

meeting='Hi Alice,

the project meeting is on Thursday at 10:00, room 4.12.

Bob'
part "$W/plain.part" "Hi Alice,

this one is neither signed nor encrypted: anyone could have written it,
and anyone on the way could have read it.

Bob"
part "$W/meeting.part" "$meeting"
part "$W/secret.part" 'Hi Alice,

only you can read this: the door code for the lab is 4711.

Bob'
sign "$W/meeting.part" "$W/signed.mime" &&
    encrypt "$W/secret.part" "$W/enc.mime" -aes-256-cbc &&
    sign "$W/secret.part" "$W/secret-signed.mime" &&
    encrypt "$W/secret-signed.mime" "$W/signenc.mime" -aes-256-gcm &&
    sed 's/at 10:00/at 16:00/' "$W/signed.mime" > "$W/forged.mime" ||
    die "openssl cms failed"
cmp -s "$W/signed.mime" "$W/forged.mime" && die "the forgery changed nothing"

part "$W/welcome.part" "Welcome to the sealmail demo.

This INBOX is alice@example.test's on a lab of real servers on your own
machine: Dovecot, Postfix, a DNSSEC-signed zone and a Secret Service.
Bob sent five messages; each index line shows two marks, the signature
(S verified, ! bad, ? not trusted, M signer is not the sender, P only
part signed) and the encryption (E decrypted, U not decrypted):

  1 plain: neither signed nor encrypted, so no mark vouches for it.
  2 signed by bob: S, and the pager names bob and how he was trusted.
  3 encrypted to alice: E; only her key opened it.
  4 signed and encrypted: both marks.
  5 forged: the meeting time was changed after bob signed, so the
    signature is bad (!) and sealmail says so before the text.

Enter reads a message, q goes back, m writes one (to bob@example.test:
it is signed and encrypted), K shows the key store, ? lists the keys,
Q quits. The same store answers on the command line, in another shell:

  . $LAB/lab.env
  $SM --home $H list
  $SM --home $H show 2

When you quit, these hints are printed again, and the lab stops only
if you say so."

n=0
for spec in "1 plain.part Plain text, neither signed nor encrypted" \
    "2 signed.mime Signed by Bob: the meeting" \
    "3 enc.mime Encrypted to Alice (AES-256-CBC)" \
    "4 signenc.mime Signed by Bob and encrypted (AES-256-GCM)" \
    "5 forged.mime Forged: the meeting time was changed after Bob signed" \
    "6 welcome.part Welcome to the sealmail demo: start here"; do
	set -- $spec
	num=$1 file=$2
	shift 2
	in_inbox "$num" && continue
	{ headers "$num" "$*"; printf 'MIME-Version: 1.0\r\n'; \
	    grep -v '^MIME-Version:' "$W/$file"; } > "$W/msg-$num.eml"
	deliver "$W/msg-$num.eml" || die "could not deliver message $num"
	n=$((n + 1))
done
say "Delivered $n new demonstration message(s) to $LAB_ALICE."

if sm sync; then
	say "sealmail synced alice's INBOX."
else
	say "sealmail sync did not finish: $(tail -n 1 "$DEMO/demo.log")"
fi

# hints: where everything is, and how to use the command line on it.
hints() {
	cat <<EOF

The sealmail demo:
  alice's home      $H (config, key store, mail store)
  lab               $LAB (servers on 127.0.0.1, logs in $LAB/log)
  IMAP              imaps://$LAB_HOST:$LAB_IMAPS_PORT  (user $LAB_ALICE)
  submission        submission://$LAB_HOST:$LAB_SUBMISSION_PORT
  DNS (DNSSEC)      $LAB_DNS_RESOLVER, trust anchor $H/lab-zone.ds
  Secret Service    the lab's keyring on $LAB_DBUS_ADDRESS

alice's INBOX holds a welcome note and five messages from bob: plain,
signed, encrypted, signed and encrypted, and one whose signature no longer
matches its text.

While the lab runs, in another shell, read the lab's environment first, so
that sealmail finds the lab's Secret Service:
  . $LAB/lab.env
  $SM --home $H sync
  $SM --home $H list
  $SM --home $H show ID
  $SM --home $H keys list
  $SM --home $H keys lookup bob@example.test
  $SM --home $H send FILE
EOF
}
hints

if [ -t 0 ] && [ -t 1 ]; then
	say ""
	say "Opening sealmail on alice's INBOX (the welcome note says what to"
	say "look at); press Enter to go on."
	read -r _ || true
	"$SM" --home "$H"
	rc=$?
	say "sealmail exited ($rc)."
	hints
	printf '\nStop the lab now? [Y/n] '
	read -r ans || ans=y
	case $ans in
	[nN]*)
		trap - EXIT
		say "The lab keeps running. Stop it with:"
		say "  sh $HERE/stop.sh $LAB"
		;;
	*)	say "Stopping the lab." ;;
	esac
else
	say ""
	say "No terminal here: not opening sealmail. Run make demo in a terminal"
	say "to use it; stopping the lab now."
fi
