# What openssl cms and gpgsm produce today reads correctly in sealmail: a
# fresh set of certificates and messages is made with the programs
# installed (tests/data/mkfixtures.sh into a private directory: RSA and
# ECDSA signers, CBC and GCM, RSA and ECDH recipients, detached and
# opaque, sign-then-encrypt, encrypt-then-sign, triple wrap, gpgsm
# signatures and envelopes) and each gets the verdict of its expect.txt.
. "$TOP/tests/lib.sh"
cli_home
F=$T/fresh
check "openssl and gpgsm make a fresh set of messages" \
    env FIXTURE_DIR="$F" sh "$TOP/tests/data/mkfixtures.sh"
check "keys import bob.p12" sm keys import "$F/bob.p12" \
    --passphrase-file "$F/p12-passphrase"
check "keys import carol.p12 (EC)" sm keys import "$F/carol.p12" \
    --passphrase-file "$F/p12-passphrase"
check "keys trust ca.pem" sm keys trust "$F/ca.pem"

n=0
tab=$(printf '\t')
while IFS=$tab read -r f sig enc ci sg; do
	case $f in '#'*) continue ;; esac
	n=$((n + 1))
	sm inspect --json "$F/$f" >"$T/out.json" 2>"$T/err"
	got=$(json "$T/out.json" \
	    '" ".join([d["signature"], d["encryption"], d["cipher"] or "-", d["signer"] or "-"])' 2>/dev/null)
	check_eq "fresh $f: $sig / $enc / $ci / $sg" "$sig $enc $ci $sg" "$got"
done <"$F/expect.txt"
check "the fresh set has every message of the committed one" \
    test "$n" -ge "$(grep -vc '^#' "$TOP/tests/data/smime/expect.txt")"
t_done
