#!/bin/sh
# Identities on a PKCS#11 token: a SoftHSM2 token made here, holding
# alice's lab RSA key with its certificate, and a P-256 key for her whose
# certificate (from a CA made here) is given on the command line. Through
# it sealmail signs (PKCS#1 v1.5, PSS, ECDSA; openssl cms verifies) and
# decrypts what openssl cms encrypted to it (PKCS#1 v1.5, OAEP, ECDH), in
# inspect and in sync. Only the key agent loads the module; a wrong PIN, a
# missing module, a missing PIN and a PIN file others may read are one
# line each, and a wrong PIN in sync is not taken for a wrong password.
# The terminal program tries the PIN before it opens and never offers the
# token a PIN it refused again, nor does a command for another identity
# on that token (the spy module counts the refusals), nor waits for ever
# on a token that hangs; mail that comes while the token is out is not
# stored as undecryptable, and opens once it is back.
. "$TOP/tests/lib.sh"
token_tools
LAB_DBUS=${DBUS_SESSION_BUS_ADDRESS:-} LAB_RUNTIME=${XDG_RUNTIME_DIR:-}
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
ID=$(date +%s)-$$
TOK=sealmail-lab PIN=246810
F="p11$$"
alice_folder "$F"
URI_RSA="pkcs11:token=$TOK;object=alice-rsa"
URI_EC="pkcs11:token=$TOK;object=alice-ec"
cleanup() {
	rm -rf "$FD"
	[ -n "$LAB_DBUS" ] && DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS \
	    XDG_RUNTIME_DIR=$LAB_RUNTIME secret-tool clear \
	    xdg:schema org.sealmail.Password account "$URI_RSA" 2>/dev/null
}
trap cleanup EXIT

# --- the token -----------------------------------------------------------
mkdir -p tokens
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
    "$T" >softhsm2.conf
export SOFTHSM2_CONF="$T/softhsm2.conf"
check "SoftHSM2 makes a token" softhsm2-util --init-token --free \
    --label "$TOK" --pin "$PIN" --so-pin 13579135
p11() {
	pkcs11-tool --module "$MOD" --token-label "$TOK" --login --pin "$PIN" \
	    "$@"
}
openssl pkcs8 -topk8 -nocrypt -in "$LAB_SMIME_DIR/alice.key" -outform DER \
    -out rsa.p8 2>/dev/null
openssl x509 -in "$LAB_SMIME_DIR/alice.pem" -outform DER -out rsa.der
check "alice's RSA key goes onto the token" p11 --write-object rsa.p8 \
    --type privkey --label alice-rsa --id 01 --usage-sign --usage-decrypt
check "... with her certificate" p11 --write-object rsa.der --type cert \
    --label alice-rsa --id 01
# A P-256 identity for alice from a CA of this test; only the key on the
# token, the certificate stays a file.
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -subj "/CN=sealmail token CA" -days 30 \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout ec.key -out ec.csr -subj "/CN=alice on a token" 2>/dev/null
printf 'keyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.test\n' \
    >ec.ext
openssl x509 -req -in ec.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out ec.pem -days 30 -extfile ec.ext 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in ec.key -outform DER -out ec.p8 2>/dev/null
check "a P-256 key goes onto the token" p11 --write-object ec.p8 \
    --type privkey --label alice-ec --id 02 --usage-sign --usage-derive
rm -f rsa.p8 ec.p8 ec.key
secret pin "$PIN"
secret bad "111111"

# --- homes: RSA through p11-kit's proxy, P-256 through a named module ---
H1=$T/rsa H2=$T/ec
sender_home "$H1"
sender_home "$H2"
sender_config "$H1" "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER" no
mkdir -p "$H2/mod"
cp "$MOD" "$H2/mod/token.so"
sender_config "$H2" "$LAB_IMAP_PORT" mail.example.test "$LAB_DNS_RESOLVER" no \
    "$(printf '\n[pkcs11]\nmodule = mod/token.so')"
S1() { "$SEALMAIL" --home "$H1" --passphrase-file "$T/pw" "$@"; }
S2() { "$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" "$@"; }

check "keys import of the RSA key reads its certificate from the token" \
    S1 keys import "$URI_RSA" --pin-file pin
check "the lab CA trusted" S1 keys trust "$LAB_CA"
S1 keys list --json >k1.json
check_eq "keys list --json: the identity's key is on a token" pkcs11 \
    "$(json k1.json '[c["key"] for c in d if c["kind"] == "identity"][0]')"
check_error "a certificate that is not the token key's is refused" 1 \
    "not the certificate's key" \
    S2 keys import "$URI_EC" "$LAB_SMIME_DIR/bob.pem" --pin-file pin
check "keys import of the P-256 key with its certificate given" \
    S2 --pin-file pin keys import "$URI_EC" ec.pem
check "the test CA trusted" S2 keys trust ca.pem
S2 keys list --json >k2.json
check_eq "... one identity, on the token" '["pkcs11"]' \
    "$(json k2.json '[c["key"] for c in d if c["kind"] == "identity"]')"

# --- signing, verified by openssl cms -------------------------------------
BOB_DIR=$LAB_MAIL_DIR/example.test/bob/Maildir
arrived() { maildir_find "$BOB_DIR" "$1"; }
# sign NAME HOME-FN CA [send options]: sends a signed message to bob and
# has openssl cms verify what arrives against CA; prints the algorithm.
sign() {
	_n=$1 _s=$2 _ca=$3
	shift 3
	printf 'To: bob@example.test\nSubject: %s\nMessage-ID: <%s-%s@example.test>\n\nsigned on a token\n' \
	    "$_n" "$_n" "$ID" >"$_n.txt"
	check "$_n: send signs with the token's key" $_s send --sign "$@" \
	    --pin-file pin "$_n.txt"
	_f=$(arrived "$_n-$ID@example.test")
	check "$_n: it arrives" test -n "$_f"
	check "$_n: openssl cms verifies it" openssl cms -verify -in "$_f" \
	    -CAfile "$_ca" -purpose smimesign -out "$_n.out"
	check_match "$_n: what was signed is the text" 'signed on a token' \
	    "$(cat "$_n.out")"
	# The SignerInfo's algorithm (a certificate's is "sig_alg").
	openssl cms -cmsout -print -in "$_f" 2>/dev/null |
	    grep -A1 'signatureAlgorithm:' | grep 'algorithm:' >"$_n.alg"
}
sign pkcs1 S1 "$LAB_CA" --no-encrypt
check_match "pkcs1: an RSA PKCS#1 v1.5 signature" 'rsaEncryption|sha256WithRSA' \
    "$(cat pkcs1.alg)"
sign pss S1 "$LAB_CA" --no-encrypt --rsa-pss
check_match "pss: an RSASSA-PSS signature" 'rsassaPss' "$(cat pss.alg)"
sign ecdsa S2 ca.pem --no-encrypt
check_match "ecdsa: an ECDSA signature" 'ecdsa' "$(cat ecdsa.alg)"

# --- decryption: inspect -------------------------------------------------
printf 'Content-Type: text/plain\n\nsealed for the token\n' >body
# enc OUT CERT [openssl options]: a message openssl cms encrypts to CERT.
enc() {
	_o=$1 _c=$2
	shift 2
	openssl cms -encrypt -aes-256-cbc -in body -recip "$_c" "$@" \
	    -from bob@example.test -to alice@example.test -subject "$_o" \
	    -out "$_o.eml" 2>/dev/null
}
enc v15 "$LAB_SMIME_DIR/alice.pem"
enc oaep "$LAB_SMIME_DIR/alice.pem" -keyopt rsa_padding_mode:oaep
enc ecdh ec.pem
for m in v15 oaep; do
	S1 inspect --json --pin-file pin $m.eml >$m.json 2>$m.err
	check_eq "inspect: the $m envelope decrypts on the token" decrypted \
	    "$(json $m.json 'd["encryption"]')"
	check_match "... and shows the text" 'sealed for the token' \
	    "$(json $m.json 'd["text"]')"
done
S2 inspect --json --pin-file pin ecdh.eml >ecdh.json 2>ecdh.err
check_eq "inspect: the ECDH envelope decrypts on the token" decrypted \
    "$(json ecdh.json 'd["encryption"]')"

# --- decryption: sync ------------------------------------------------------
enc sync1 "$LAB_SMIME_DIR/alice.pem" -keyopt rsa_padding_mode:oaep
enc sync2 "$LAB_SMIME_DIR/alice.pem"
alice_deliver sync1.eml
alice_deliver sync2.eml
check "sync decrypts with the token" S1 --pin-file pin sync --folder "$F"
S1 list --json --folder "$F" >l.json
check_eq "both messages are stored decrypted" '["decrypted", "decrypted"]' \
    "$(json l.json '[m["encryption"] for m in d]')"

# --- only the agent loads the module -------------------------------------
# Both identities in one home: the PIN is read once per identity, from a
# pipe; while the second read waits, the agent has loaded the module.
check "the RSA identity in the P-256 home too" \
    S2 keys import "$URI_RSA" --pin-file pin
mkfifo -m 600 pinpipe
# Not through S2: $! must be sealmail itself, not a subshell.
"$SEALMAIL" --home "$H2" --passphrase-file "$T/pw" inspect \
    --pin-file pinpipe v15.eml >maps.out 2>maps.err &
P=$!
printf '%s\n' "$PIN" >pinpipe
A= i=0
while [ $i -lt 100 ]; do
	A=$(pgrep -P $P -f -- --key-agent | head -1)
	[ -n "$A" ] && grep -q token.so "/proc/$A/maps" 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
check_match "the process is sealmail inspect" 'inspect' \
    "$(tr '\0' ' ' <"/proc/$P/cmdline")"
check "the agent has the module mapped" grep -q token.so "/proc/$A/maps"
check_eq "the inspecting process does not" 0 \
    "$(grep -c token.so "/proc/$P/maps")"
printf '%s\n' "$PIN" >pinpipe
wait $P
check_match "... and it decrypts" 'Encryption: decrypted' "$(cat maps.out)"

# --- errors: one line each --------------------------------------------------
check_error "a wrong PIN is one line naming the token and the file" 1 \
    "^sealmail: the token \"$TOK\" refused the PIN in bad; it is not offered again until the file changes \(put the right PIN there, or run the command on a terminal to type it\)$" \
    S1 inspect --pin-file bad v15.eml
check_eq "... and only one" 1 "$(wc -l <"$T/.err")"
# The refusal is the token's: no word of the account's password.
enc sync3 "$LAB_SMIME_DIR/alice.pem"
alice_deliver sync3.eml
check_error "sync with that PIN file ends with the token's refusal" 1 \
    "^sealmail: the token of $URI_RSA has refused the PIN in bad; it is not offered again until the file changes \(put the right PIN there, or run the command on a terminal to type it\)$" \
    S1 --pin-file bad sync --folder "$F"
check_nomatch "... and blames no password" 'password' "$(cat "$T/.err")"
chmod 644 bad
check_error "a PIN file others may read is refused" 1 "bad: a PIN file" \
    S1 inspect --pin-file bad v15.eml
check_error "no PIN and no terminal: one line saying how to give it" 1 \
    "no PIN is given: use --pin-file" S1 inspect v15.eml </dev/null
check_error "a token that is not there is one line naming it" 1 \
    '^sealmail: the token "no-such-card" is not present' \
    S1 keys import 'pkcs11:token=no-such-card;object=alice-rsa' \
    --pin-file pin
check_error "a key the token does not hold is one line naming it" 1 \
    "^sealmail: no certificate \"nothing\" on the token \"$TOK\"" \
    S1 keys import "pkcs11:token=$TOK;object=nothing" --pin-file pin
mv "$H2/mod/token.so" "$H2/mod/token.so.away"
check_error "the module renamed (the token gone) is one line" 1 \
    "^sealmail: the PKCS#11 module cannot be loaded: .*token.so" \
    S2 inspect --pin-file pin ecdh.eml
check_eq "... and only one" 1 "$(wc -l <"$T/.err")"
mv "$H2/mod/token.so.away" "$H2/mod/token.so"

# --- the terminal program asks for the PIN once, its sync uses it ---------
# A plain sync reads the subscribed folders and INBOX: this one goes there.
enc "ui-$ID" "$LAB_SMIME_DIR/alice.pem"
inbox_put "ui-$ID.eml"
TM="tmux -L sealmail-p11-$$"
trap 'cleanup; $TM kill-server 2>/dev/null' EXIT
$TM new-session -d -s ui -x 120 -y 30 \
    "SOFTHSM2_CONF='$SOFTHSM2_CONF' '$SEALMAIL' --home '$H1' --passphrase-file '$T/pw'; echo EXITED \$?; sleep 30"
check "the program asks for the token's PIN before it opens" \
    ui_wait_for "PIN for $URI_RSA:"
ui_press "... and then opens on the INBOX" 'sealmail: INBOX' "$PIN" Enter
$TM send-keys -t ui S
# ui_decrypted: the message is in the INBOX stored, decrypted.
ui_decrypted() {
	S1 list --json >l3.json 2>/dev/null && [ "$(json l3.json \
	    "[m['encryption'] for m in d if m['subject'] == 'ui-$ID']")" = \
	    '["decrypted"]' ]
}
i=0
while [ $i -lt 200 ] && ! ui_decrypted; do sleep 0.1; i=$((i + 1)); done
check "its sync decrypts on the token with the PIN asked once" ui_decrypted
check_nomatch "no job asked for a PIN again" 'no PIN|refused' \
    "$($TM capture-pane -p -t ui)"
ui_press "the program quits" 'EXITED 0' q y

# --- the PIN from the Secret Service ---------------------------------------
if [ -n "$LAB_DBUS" ]; then
	printf '%s' "$PIN" | DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS \
	    XDG_RUNTIME_DIR=$LAB_RUNTIME secret-tool store --label "token PIN" \
	    xdg:schema org.sealmail.Password account "$URI_RSA"
	DBUS_SESSION_BUS_ADDRESS=$LAB_DBUS XDG_RUNTIME_DIR=$LAB_RUNTIME \
	    S1 inspect --json v15.eml >ss.json 2>ss.err </dev/null
	check_eq "the PIN kept in the Secret Service opens the token" \
	    decrypted "$(json ss.json 'd["encryption"]')"
else
	notok "the lab's Secret Service is reachable"
fi

# --- a PIN the token refused is never offered to it again -----------------
# OpenSC's pkcs11-spy between sealmail and the token writes down every
# call, and so every login the token saw.
SPY=$(find /usr/lib -name pkcs11-spy.so | head -1)
check "OpenSC's pkcs11-spy is installed" test -n "$SPY"
printf '\n[pkcs11]\nmodule = %s\n' "$SPY" >>"$H1/config"
# refusals: how many logins the token refused.
refusals() { cat spy.log 2>/dev/null | grep -c 'CKR_PIN_INCORRECT'; }
ui_spy() {
	$TM kill-server 2>/dev/null
	rm -f spy.log
	tm_new_session -d -s ui -x 120 -y 30 \
	    "SOFTHSM2_CONF='$SOFTHSM2_CONF' PKCS11SPY='$MOD' PKCS11SPY_OUTPUT='$T/spy.log' '$SEALMAIL' --home '$H1' --passphrase-file '$T/pw' $*; echo EXITED \$?; sleep 30"
}
ui_spy
check "the program asks for the PIN" ui_wait_for "PIN for $URI_RSA:"
$TM send-keys -t ui 111111 Enter
check "a wrong PIN is refused before the program opens" \
    ui_wait_for "the token \"$TOK\" refused the PIN"
# asked N: the PIN has been asked N times.
asked() { [ "$($TM capture-pane -p -t ui | grep -c "^PIN for $URI_RSA:")" = "$1" ]; }
check "... and the PIN is asked again" settles asked 2
ui_press "the right PIN opens the program" 'sealmail: INBOX' "$PIN" Enter
enc "ui2-$ID" "$LAB_SMIME_DIR/alice.pem"
inbox_put "ui2-$ID.eml"
$TM send-keys -t ui S
i=0
while [ $i -lt 100 ] && [ "$(S1 list --json 2>/dev/null | json /dev/stdin \
    "[m['encryption'] for m in d if m['subject'] == 'ui2-$ID']")" != \
    '["decrypted"]' ]; do sleep 0.1; i=$((i + 1)); done
check "its sync decrypts with the PIN the token took" test $i -lt 100
$TM send-keys -t ui S
sleep 1
check_eq "the token saw the wrong PIN once" 1 "$(refusals)"
ui_press "the program quits" 'EXITED 0' Q

# A wrong PIN file: refused, then asked; nothing typed ends the program.
secret bad2 "222222"
ui_spy --pin-file bad2
check "a PIN file the token refuses is said so" \
    ui_wait_for "the token \"$TOK\" refused the PIN in bad2"
check "... and the PIN is asked on the terminal" \
    ui_wait_for "PIN for $URI_RSA:"
ui_press "nothing typed ends the program" 'EXITED 1' Enter
check_eq "the token saw the PIN of the file once" 1 "$(refusals)"
# The same file next time: not offered to the token at all.
ui_spy --pin-file bad2
check "the file the token refused before is said so" \
    ui_wait_for "the token of .* has refused the PIN in bad2"
check "... and the PIN is asked on the terminal" \
    ui_wait_for "PIN for $URI_RSA:"
ui_press "nothing typed ends the program" 'EXITED 1' Enter
check_eq "the token was not offered the file's PIN again" 0 "$(refusals)"
# The refusal is the token's, not the identity's: another key on the same
# token is not offered that PIN either.
rm -f spy.log
check_error "another identity on that token: the file is not offered" 1 \
    "^sealmail: the token of $URI_EC has refused the PIN in bad2; " \
    env PKCS11SPY="$MOD" PKCS11SPY_OUTPUT="$T/spy.log" \
    "$SEALMAIL" --home "$H1" --passphrase-file "$T/pw" keys import \
    "$URI_EC" ec.pem --pin-file bad2
check_eq "... the token saw no wrong PIN" 0 "$(refusals)"

# A token that hangs while the PIN is tried (here its agent is stopped
# while the PIN comes through a pipe): the program gives it up after the
# agent's 30 s and opens, rather than wait for ever.
rm -f pinfifo
mkfifo -m 600 pinfifo
ui_spy --pin-file pinfifo
A= i=0
while [ $i -lt 100 ] && [ -z "$A" ]; do
	U=$(pgrep -f -- "sealmail --home $H1 --passphrase-file" | head -1)
	A=${U:+$(pgrep -P "$U" -f -- --key-agent | head -1)}
	sleep 0.1; i=$((i + 1))
done
check "the agent that tries the PIN is stopped" kill -STOP "$A"
printf '%s\n' "$PIN" >pinfifo &
check "the program opens after giving the hung token up" \
    ui_wait_for 'sealmail: INBOX' 450
check "the hung agent is gone" settles sh -c "! kill -0 $A 2>/dev/null"
ui_press "the program quits" 'EXITED 0' Q

# The token taken out while the program runs: mail that comes meanwhile
# is not stored as undecryptable; once the token is back, it is opened.
ui_spy --pin-file pin
check "the program opens with the token in" ui_wait_for 'sealmail: INBOX'
# stored SUBJECT: what the store says of the message SUBJECT.
stored() { S1 list --json 2>/dev/null | json /dev/stdin \
    "[m['encryption'] for m in d if m['subject'] == '$1']"; }
# decrypted_in SUBJECT: within 20 s, the message SUBJECT is stored
# decrypted.
decrypted_in() {
	i=0
	while [ $i -lt 200 ] && [ "$(stored "$1")" != '["decrypted"]' ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 200 ]
}
enc "in-$ID" "$LAB_SMIME_DIR/alice.pem"
inbox_put "in-$ID.eml"
$TM send-keys -t ui S
check "mail opens on the token: the watcher's agent holds its key" \
    decrypted_in "in-$ID"
mv tokens tokens.out
enc "out-$ID" "$LAB_SMIME_DIR/alice.pem"
inbox_put "out-$ID.eml"
$TM send-keys -t ui S
check "with the token out, the sync says what is missing" \
    ui_wait_for 'lab: .*(token|PKCS#11 module)'
check_eq "... and the message is not stored as undecryptable" '[]' \
    "$(stored "out-$ID")"
mv tokens.out tokens
$TM send-keys -t ui S
check "with the token back, the message is stored decrypted" \
    decrypted_in "out-$ID"
ui_press "the program quits" 'EXITED 0' Q
t_done
