# Sourced by tests/bench/run.sh: private-key operations alone, bob's
# RSA-2048 key through the key agent against the same key used in the
# process (as before the agent), and the same key on a SoftHSM2 token.
# app_keyrate prints "FINGERPRINT KIND WHERE sign/s S decrypt/s D".
SEC="Private-key operations (bob's RSA-2048 key, $NKEYOPS of each per round)"
say ""
say "== $SEC"
how "app_keyrate: the same key and the same number of \
operations through the key agent (a socketpair) and in the process, one \
after the other in each round; then the same key on a SoftHSM2 token, \
through the agent."
KR="$TOOLS/app_keyrate"
# keyrate WHERE FIELD FILE: the figure of that line.
keyrate() { awk -v w="$1" -v f="$2" '$3 == w { print $f }' "$3"; }
as="" ad="" hs="" hd=""
for r in $(seq "$ROUNDS"); do
	"$KR" "$H" "" "$NKEYOPS" >"$W/keyrate" 2>&1 || {
		say "  (app_keyrate failed: $(tail -1 "$W/keyrate"))"
		break
	}
	as="$as $(keyrate agent 5 "$W/keyrate")"
	ad="$ad $(keyrate agent 7 "$W/keyrate")"
	hs="$hs $(keyrate here 5 "$W/keyrate")"
	hd="$hd $(keyrate here 7 "$W/keyrate")"
done
rec "$SEC" "signatures through the key agent" "/s" "$as" \
    "the same key in the process" "$hs" "ratio>=0.8" \
    "the agent's cost is one round trip on a socketpair per operation"
rec "$SEC" "decryptions through the key agent" "/s" "$ad" \
    "the same key in the process" "$hd" "ratio>=0.8"

MOD=$(find /usr/lib -name libsofthsm2.so 2>/dev/null | head -1)
if [ -z "$MOD" ] || ! command -v pkcs11-tool >/dev/null; then
	say "  (no SoftHSM2 or pkcs11-tool: the token is not measured)"
	return 0
fi
mkdir -p "$W/tokens" "$W/home-token" && chmod 700 "$W/home-token"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' \
    "$W" >"$W/softhsm2.conf"
export SOFTHSM2_CONF="$W/softhsm2.conf"
(umask 077; echo 1234 >"$W/pin"; echo bench >"$W/pw")
softhsm2-util --init-token --free --label bench --pin 1234 \
    --so-pin 12345678 >/dev/null 2>&1
openssl pkcs8 -topk8 -nocrypt -in "$LAB_SMIME_DIR/bob.key" -outform DER \
    -out "$W/bob.p8" 2>/dev/null
pkcs11-tool --module "$MOD" --token-label bench --login --pin 1234 \
    --write-object "$W/bob.p8" --type privkey --label bob --usage-sign \
    --usage-decrypt >/dev/null 2>&1
rm -f "$W/bob.p8"
"$SM" --home "$W/home-token" --passphrase-file "$W/pw" keys import \
    'pkcs11:token=bench;object=bob' "$LAB_SMIME_DIR/bob.pem" \
    --pin-file "$W/pin" >/dev/null 2>&1
ts="" td=""
for r in $(seq "$ROUNDS"); do
	"$KR" "$W/home-token" "$W/pw" "$NKEYOPS" "$MOD" "$W/pin" \
	    >"$W/keyrate" 2>&1 || break
	ts="$ts $(keyrate token 5 "$W/keyrate")"
	td="$td $(keyrate token 7 "$W/keyrate")"
done
rec "$SEC" "signatures on a SoftHSM2 token, through the agent" "/s" "$ts" \
    "" "" ""
rec "$SEC" "decryptions on a SoftHSM2 token, through the agent" "/s" "$td" \
    "" "" ""
