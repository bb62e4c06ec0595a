#!/bin/sh
# move, copy and delete against the lab's Dovecot, checked on the server
# by a second IMAP client (python3 imaplib): UID MOVE where offered, and
# on a Dovecot without MOVE (a lab of its own) UID COPY, \Deleted and UID
# EXPUNGE; delete to Trash and, from Trash, for good; offline changes
# queued and pushed by the next sync, each exactly once; a moved message
# keeps its verdict and decrypted text.
. "$TOP/tests/lib.sh"
lab_without_bus
cd "$T" || exit 1
secret pw "store passphrase"
echo "$LAB_ALICE_PASS" >alicepw
F="mvsrc$$" G="mvdst$$"
alice_folder "$G"; GD=$FD
alice_folder "$F"
trap 'rm -rf "$FD" "$GD"; [ -n "${LAB2:-}" ] && sh "$TOP/tests/lab/stop.sh" "$LAB2" >/dev/null 2>&1' EXIT
MARK="movemark$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

# config HOME PORT [CA]: alice's account on the IMAP port PORT.
config() {
	mkdir -p "$1"
	cat >"$1/config" <<EOF2
[account lab]
address  = alice@example.test
imap     = imap://mail.example.test:$2
password-command = cat "$T/alicepw"
ca-file  = ${3:-$LAB_CA}
timeout  = 10

[dns]
resolver     = $LAB_DNS_RESOLVER
trust-anchor = $LAB_TA
EOF2
}
H=$T/home
config "$H" "$LAB_IMAP_PORT"
sm() { "$SEALMAIL" --home "$H" --passphrase-file "$T/pw" "$@"; }
# srv PORT FOLDER: the subjects the server holds in FOLDER, sorted, and
# "MOVE" first when the server offers it. srv PORT FOLDER drop: removes
# FOLDER and its subscription instead.
srv() {
	python3 - "$1" "$2" "${CA:-$LAB_CA}" "$LAB_ALICE" "$LAB_ALICE_PASS" \
	    "${3:-}" <<'PY'
import imaplib, ssl, sys, email
port, folder, ca, user, pw, drop = sys.argv[1:]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
c = imaplib.IMAP4("127.0.0.1", int(port))
c.starttls(ctx)
c.login(user, pw)
if drop:
    c.unsubscribe(folder)
    c.delete(folder)
    sys.exit(0)
typ, caps = c.capability()
if b"MOVE" in caps[0].split():
    print("MOVE")
typ, _ = c.select('"%s"' % folder, readonly=True)
subs = []
if typ == "OK":
    typ, data = c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for item in data:
        if isinstance(item, tuple):
            m = email.message_from_bytes(item[1])
            subs.append(str(m["Subject"]))
for s in sorted(subs):
    print(s)
c.logout()
PY
}
n=0
# deliver DIR SUBJECT [FILE]: a message into a Maildir folder.
deliver() {
	n=$((n + 1))
	f="$1/cur/$(date +%s).M${n}P$$.lab:2,S"
	if [ -n "${3:-}" ]; then tr -d '\r' <"$3" >"$f"; else
		printf 'From: bob@example.test\nTo: alice@example.test\nSubject: %s\nMessage-ID: <%s-%s@example.test>\n\nbody of %s\n' \
		    "$2" "$2" "$$" "$2" >"$f"
	fi
	chown --reference="$MD" "$f"
}
T3="mv-three-$$" T5="mv-five-$$"	# unique: Trash outlives this script
for s in mv-one mv-two "$T3" mv-four "$T5"; do deliver "$FD" "$s"; done
printf 'Content-Type: text/plain\n\nmoved secret %s\n' "$MARK" >b1
openssl smime -encrypt -aes256 -in b1 -from bob@example.test \
    -to alice@example.test -subject "mv-enc" -out enc.eml \
    "$LAB_SMIME_DIR/alice.pem" 2>/dev/null
rm -f b1
deliver "$FD" x enc.eml

check "alice's identity" sm keys import "$LAB_SMIME_DIR/alice.p12" \
    --passphrase-file "$LAB_SMIME_DIR/p12-pass"
check "sync" sm sync --folder "$F"
idof() { sm list --json --folder "$2" | json /dev/stdin "[x['id'] for x in d if x['subject']=='$1'][0]"; }
lst() { sm list --json --folder "$1" | json /dev/stdin "' '.join(sorted(x['subject'] for x in d))"; }
check_match "the server offers MOVE" '^MOVE' "$(srv "$LAB_IMAP_PORT" "$F")"

# move, online (the destination synced once: the new UID binds at once).
check "sync the destination" sm sync --folder "$G"
i1=$(idof mv-one "$F")
check_eq "move prints the message's ID" "$i1" "$(sm move "$i1" "$G")"
check_eq "the store has it in the new folder" mv-one "$(lst "$G")"
check_eq "the server has it there" "MOVE mv-one" "$(srv "$LAB_IMAP_PORT" "$G" | tr '\n' ' ' | sed 's/ $//')"
check_nomatch "and no longer in the old one" 'mv-one' "$(srv "$LAB_IMAP_PORT" "$F")"
check_match "bound to its new UID at once" '^[0-9]+$' \
    "$(sm list --json --folder "$G" | json /dev/stdin "[x['uid'] for x in d if x['subject']=='mv-one'][0]")"
ie=$(idof mv-enc "$F")
check "move the encrypted one" sm move "$ie" "$G"
sm show --json "$ie" >show.json
check_eq "it keeps its verdict" decrypted "$(json show.json 'd["encryption"]')"
check_match "and its decrypted text" "moved secret $MARK" "$(json show.json 'd["text"]')"
check_eq "in its new folder" "$G" "$(json show.json 'd["folder"]')"
rm -f show.json

# copy, online.
i2=$(idof mv-two "$F")
c2=$(sm copy "$i2" "$G")
check_match "copy prints a new ID" '^[0-9]+$' "$c2"
check_nomatch "not the old one" "^$i2\$" "$c2"
check_match "the server has it in both folders" 'mv-two' "$(srv "$LAB_IMAP_PORT" "$F")"
check_match "(the copy)" 'mv-two' "$(srv "$LAB_IMAP_PORT" "$G")"
check_eq "the store too" "mv-enc mv-one mv-two" "$(lst "$G")"

# delete: to Trash, then from Trash for good.
i3=$(idof "$T3" "$F")
t3=$(sm delete "$i3")
check_match "delete prints the ID in Trash" '^[0-9]+$' "$t3"
check_match "the server's Trash has it" "$T3" "$(srv "$LAB_IMAP_PORT" Trash)"
check_nomatch "the folder no longer" "$T3" "$(srv "$LAB_IMAP_PORT" "$F")"
check "sync Trash" sm sync --folder Trash
t3=$(idof "$T3" Trash)
check_eq "delete in Trash prints nothing" "" "$(sm delete "$t3")"
check_nomatch "the server's Trash no longer has it" "$T3" "$(srv "$LAB_IMAP_PORT" Trash)"
check_nomatch "nor the store" "$T3" "$(lst Trash)"

# Offline: queued, then pushed once by the next sync.
cp "$H/config" config.on
config "$H" 1
i4=$(idof mv-four "$F")
i5=$(idof "$T5" "$F")
sm move "$i4" "$G" >o1.out 2>o1.err; rc=$?
check_eq "offline move exits 0" 0 "$rc"
check_match "with a warning" 'warning: .*next sync' "$(cat o1.err)"
check_eq "and the ID" "$i4" "$(cat o1.out)"
sm delete "$i5" >/dev/null 2>o2.err; rc=$?
check_eq "offline delete exits 0" 0 "$rc"
i2b=$(idof mv-two "$F")
sm copy "$i2b" "$G" >/dev/null 2>/dev/null; rc=$?
check_eq "offline copy exits 0" 0 "$rc"
check_eq "the store changed at once" "mv-enc mv-four mv-one mv-two mv-two" "$(lst "$G")"
check_match "the server not yet" 'mv-four' "$(srv "$LAB_IMAP_PORT" "$F")"
cp config.on "$H/config"
check "sync pushes the queue" sm sync --folder "$F"
check_eq "the server's source folder" "MOVE mv-two" "$(srv "$LAB_IMAP_PORT" "$F" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the server's destination, each once" "MOVE mv-enc mv-four mv-one mv-two mv-two" \
    "$(srv "$LAB_IMAP_PORT" "$G" | tr '\n' ' ' | sed 's/ $//')"
check_eq "Trash has mv-five once" 1 "$(srv "$LAB_IMAP_PORT" Trash | grep -c "^$T5\$")"
check "sync again" sm sync --folder "$F"
check "sync the destination" sm sync --folder "$G"
check "and Trash" sm sync --folder Trash
check_eq "nothing twice on the server" "MOVE mv-enc mv-four mv-one mv-two mv-two" \
    "$(srv "$LAB_IMAP_PORT" "$G" | tr '\n' ' ' | sed 's/ $//')"
check_eq "Trash still has mv-five once" 1 "$(srv "$LAB_IMAP_PORT" Trash | grep -c "^$T5\$")"
check_eq "nor in the store" "mv-enc mv-four mv-one mv-two mv-two" "$(lst "$G")"
check_eq "every message of the destination is bound" 0 \
    "$(sm list --json --folder "$G" | json /dev/stdin "len([x for x in d if x['uid'] is None])")"
check_eq "the source holds what is left" "mv-two" "$(lst "$F")"

# A move to a folder the server does not have yet makes it and subscribes
# it: the next sync of every subscribed folder binds the message there,
# and delete then takes it on to Trash.
N="mvnew$$"
i2c=$(idof mv-two "$F")
config "$H" 1
sm move "$i2c" "$N" >/dev/null 2>o3.err; rc=$?
check_eq "offline move to a new folder exits 0" 0 "$rc"
check_eq "... not bound yet" null \
    "$(sm list --json --folder "$N" | json /dev/stdin 'd[0]["uid"]')"
cp config.on "$H/config"
check "sync, every subscribed folder" sm sync
check_eq "the server has it in the new folder" "MOVE mv-two" \
    "$(srv "$LAB_IMAP_PORT" "$N" | tr '\n' ' ' | sed 's/ $//')"
check_match "the new folder is subscribed" "$N" \
    "$(cat "$LAB_MAIL_DIR/example.test/alice/Maildir/subscriptions")"
check_match "sync bound the message to its UID" '^[0-9]+$' \
    "$(sm list --json --folder "$N" | json /dev/stdin 'd[0]["uid"]')"
sm delete "$(idof mv-two "$N")" >o4.out 2>o4.err; rc=$?
check_eq "delete of it exits 0" 0 "$rc"
check_nomatch "... without a warning" . "$(cat o4.err)"
check_eq "the new folder is empty on the server" MOVE \
    "$(srv "$LAB_IMAP_PORT" "$N" | tr '\n' ' ' | sed 's/ $//')"
srv "$LAB_IMAP_PORT" "$N" drop
check_nomatch "(the new folder is gone again)" "$N" \
    "$(cat "$LAB_MAIL_DIR/example.test/alice/Maildir/subscriptions")"

# A Dovecot without MOVE: UID COPY, \Deleted, UID EXPUNGE.
LAB2=$T/lab2
CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ NAMESPACE UNSELECT CHILDREN UIDPLUS LIST-EXTENDED LIST-STATUS CONDSTORE QRESYNC ESEARCH SPECIAL-USE"
LAB_PORT_BASE=$((LAB_PORT_BASE + 1300)) LAB_DOVECOT_EXTRA="imap_capability = $CAPS" \
    sh "$TOP/tests/lab/start.sh" "$LAB2" >lab2.log 2>&1
check "a second lab without MOVE" test -f "$LAB2/lab.env"
P2=$(. "$LAB2/lab.env" && echo "$LAB_IMAP_PORT")
CA=$(. "$LAB2/lab.env" && echo "$LAB_CA")
MD2=$(. "$LAB2/lab.env" && echo "$LAB_MAIL_DIR")/example.test/alice/Maildir
mkdir -p "$MD2/.$F/cur" "$MD2/.$F/new" "$MD2/.$F/tmp" "$MD2/.$G/cur" "$MD2/.$G/new" "$MD2/.$G/tmp"
chown --reference="${MD2%/Maildir}" "$MD2"
chown -R --reference="$MD2" "$MD2/.$F" "$MD2/.$G"
MD=$MD2
deliver "$MD2/.$F" nm-one
deliver "$MD2/.$F" nm-two
H=$T/home2
config "$H" "$P2" "$CA"
check_nomatch "it does not offer MOVE" '^MOVE' "$(srv "$P2" "$F")"
check "sync there" sm sync --folder "$F"
check "move there" sm move "$(idof nm-one "$F")" "$G"
check_eq "the server moved it (copy and expunge)" "nm-one" "$(srv "$P2" "$G" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the source holds only the other" "nm-two" "$(srv "$P2" "$F" | tr '\n' ' ' | sed 's/ $//')"
check "delete there" sm delete "$(idof nm-two "$F")"
check_eq "to its Trash" "nm-two" "$(srv "$P2" Trash | tr '\n' ' ' | sed 's/ $//')"
check_eq "the source is empty" "" "$(srv "$P2" "$F")"
t_done
