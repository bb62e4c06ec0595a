# What a verified signature teaches is kept: after alice syncs a message
# bob signed with sealmail (its SMIMECapabilities say AES-GCM), bob's
# certificate is harvested and mail from alice to bob is sealed with
# AES-256-GCM, with no certificate of bob's imported by hand.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is not up"; t_done; }
unset DBUS_SESSION_BUS_ADDRESS
ID=$(date +%s)-$$
secret "$T/pw" 'harvest passphrase'
secret "$T/p12pw" "$LAB_P12_PASS"
home() {	# home NAME ADDRESS PASSWORD
	mkdir -p "$T/$1" && chmod 700 "$T/$1"
	printf '%s\n' "$3" > "$T/$1.pass"
	cat > "$T/$1/config" <<EOM
[account lab]
address  = $2
imap     = imaps://localhost:$LAB_IMAPS_PORT
smtp     = submission://localhost:$LAB_SUBMISSION_PORT
password-command = cat "$T/$1.pass"
ca-file  = $LAB_CA
EOM
}
home alice "$LAB_ALICE" "$LAB_ALICE_PASS"
home bob "$LAB_BOB" "$LAB_BOB_PASS"
A() { "$SEALMAIL" --home "$T/alice" --passphrase-file "$T/pw" "$@"; }
B() { "$SEALMAIL" --home "$T/bob" --passphrase-file "$T/pw" "$@"; }
check "alice imports her identity" A keys import "$LAB_SMIME_DIR/alice.p12" --passphrase-file "$T/p12pw"
check "alice trusts the lab CA" A keys trust "$LAB_CA"
check "bob imports his identity" B keys import "$LAB_SMIME_DIR/bob.p12" --passphrase-file "$T/p12pw"

printf 'To: %s\nSubject: capabilities %s\nMessage-ID: <caps-%s@example.test>\n\nSigned by bob.\n' \
    "$LAB_ALICE" "$ID" "$ID" > "$T/m1"
check "bob sends alice a signed message" B send --sign --no-encrypt "$T/m1"
check_fails "before, alice has no certificate of bob's to encrypt to" \
    "no usable certificate for $LAB_BOB" \
    sh -c "printf 'To: $LAB_BOB\nSubject: x\n\nx\n' | '$SEALMAIL' --home '$T/alice' --passphrase-file '$T/pw' send --encrypt -"
i=0
while [ $i -lt 50 ]; do
	A sync >/dev/null 2>&1
	A list --json > "$T/list.json" 2>/dev/null
	grep -q "capabilities $ID" "$T/list.json" && break
	sleep 0.2; i=$((i + 1))
done
check_match "alice's sync finds bob's message valid" '"signature": ?"valid"' \
    "$(python3 -c 'import json,sys; print([json.dumps(m) for m in json.load(open(sys.argv[1])) if sys.argv[2] in m["subject"]])' "$T/list.json" "capabilities $ID")"
check_match "bob's certificate was harvested" 'peer .*' "$(A keys list 2>/dev/null | grep -A1 'Bob' | head -1)"
check_match "harvested, and said so" 'harvested' "$(A keys list 2>/dev/null | grep -A1 'Bob')"
printf 'To: %s\nSubject: back to bob %s\nMessage-ID: <caps-back-%s@example.test>\n\nEncrypted for bob.\n' \
    "$LAB_BOB" "$ID" "$ID" > "$T/m2"
A send --encrypt "$T/m2" > "$T/out" 2>"$T/err"
check_eq "alice encrypts to bob" 0 "$?"
check_match "with AES-256-GCM, as bob's signature said he reads it" 'aes-256-gcm' "$(cat "$T/out")"
check_match "and says the certificate came from bob's signed mail" 'certificate from mail they signed' "$(cat "$T/err")"
t_done
