#!/bin/sh
# app_keyrate, which make bench runs, measures a key on a PKCS#11 token:
# bob's lab key on a SoftHSM2 token made here, imported with his
# certificate, signs and decrypts through the key agent with the module
# and PIN given to the tool. Only that it ran and counted is checked,
# never how fast.
. "$TOP/tests/lib.sh"
token_tools
unset DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR
cd "$T" || exit 1
mkdir -p tokens home && chmod 700 home
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
    "$T" >softhsm2.conf
export SOFTHSM2_CONF="$T/softhsm2.conf"
secret pin 1357
secret pw 'keyrate store pass phrase'
check "SoftHSM2 makes a token" softhsm2-util --init-token --free \
    --label keyrate --pin 1357 --so-pin 24682468
check "bob's key goes to PKCS#8" openssl pkcs8 -topk8 -nocrypt \
    -in "$LAB_SMIME_DIR/bob.key" -outform DER -out bob.p8
check "pkcs11-tool writes it to the token" pkcs11-tool --module "$MOD" \
    --token-label keyrate --login --pin 1357 --write-object bob.p8 \
    --type privkey --label bob --usage-sign --usage-decrypt
rm -f bob.p8
check "sealmail imports the key on the token with bob's certificate" \
    "$SEALMAIL" --home home --passphrase-file pw keys import \
    'pkcs11:token=keyrate;object=bob' "$LAB_SMIME_DIR/bob.pem" \
    --pin-file pin
"$TOOLS/app_keyrate" home pw 20 "$MOD" pin >rate.out 2>rate.err
rc=$?
check_eq "app_keyrate measures the identity on the token (exit 0)" 0 "$rc"
[ "$rc" -eq 0 ] || sed 's/^/#   /' rate.err
check_match "... and counts its signatures and decryptions" \
    '^[0-9a-f]{16} rsa token +sign/s [1-9][0-9]* decrypt/s [1-9][0-9]*$' \
    "$(cat rate.out)"
t_done
