# The signature-spoofing messages of "Johnny, You Are Fired!" (USENIX
# Security 2019; the interop corpus "johnny", see its SOURCE.md). Their
# certificates chain to GlobalSign Root CA - R3 in the system's trust
# store and were valid 2019-02-14 .. 2022-02-14, so they are judged at
# 2019-06-01: with SEALMAIL_VERIFY_TIME, and once with inspect --time.
# The genuine messages are valid; no attack message is, but for the two
# whose From is the signer's own address under another display name
# ("The Manager" <eve@...>), with Sender and Reply-To naming the manager:
# the sender shown is the signer, and the Sender and Reply-To fields are
# findings shown beside the verdict (as on genuine mailing-list mail).
. "$TOP/tests/lib.sh"
cli_home
interop johnny
export SEALMAIL_VERIFY_TIME=2019-06-01T12:00:00Z

for f in assets/valid-signed/manager-smime.eml \
    assets/valid-signed/eve-smime.eml 01-cms/valid_email_from_manager.eml; do
	sm inspect --json "$D/$f" >"$T/out.json" 2>"$T/err"
	check_eq "genuine $f: valid" valid "$(json "$T/out.json" 'd["signature"]')"
	check_eq "genuine $f: trust pkix" pkix "$(json "$T/out.json" 'd["trust"]')"
done

I=04-id/i2-display-name-confusion/i2-from-contains-signer-smime.eml
J=04-id/i3-from-sender-confusion/i3-from-signer-others-sender-smime.eml
for f in "$I:Reply-To" "$J:Sender" "$J:Reply-To"; do
	sm inspect --json "$D/${f%%:*}" >"$T/out.json" 2>"$T/err"
	check_eq "${f%%:*}: valid, by the From address eve@" \
	    "valid eve@bigcorporation.de" \
	    "$(json "$T/out.json" 'd["signature"] + " " + d["from"]')"
	check_match "${f%%:*}: a finding names the ${f#*:} field" \
	    "the ${f#*:} field names an address other than the signer's" \
	    "$(json "$T/out.json" 'd["findings"]')"
done

find "$D" -name '*.eml' | sort | while read -r f; do
	case $f in
	*/assets/valid-signed/*|*/valid_email_from_manager.eml) continue ;;
	*/"$I"|*/"$J") continue ;;
	esac
	n=${f#"$D"/}
	sm inspect --json "$f" >"$T/out.json" 2>"$T/err"; rc=$?
	if [ "$rc" -ne 0 ]; then
		notok "attack $n: exit $rc"; tail -2 "$T/err"
		echo x >>"$T/failed"; continue
	fi
	s=$(json "$T/out.json" 'd["signature"]')
	if [ "$s" != valid ]; then ok "attack $n: $s"; else
		notok "attack $n: valid"; echo x >>"$T/failed"
	fi
done
[ -f "$T/failed" ] && t_fail=1

# The expected class of a few, as the paper names them.
v() { sm inspect --json "$D/$1" 2>/dev/null | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["signature"])'; }
check_eq "C1 eContent confusion: invalid" invalid \
    "$(v 01-cms/c1_eContent-confusion/eContent_confusion.eml)"
check_eq "C2 one of two signers fails: invalid" invalid \
    "$(v 01-cms/c2_multiple-signerInfos/multiple_signerInfos_append_johnny.eml)"
check_eq "C3 no signers: invalid" invalid \
    "$(v 01-cms/c3_no-signerInfos/no_signerInfos_detached.eml)"
check_eq "M1 prepended text: partial" partial \
    "$(v 03-mime/m1-prepending-text/m1-smime.eml)"
check_eq "I1 From is not the signer: mismatch" mismatch \
    "$(v 04-id/i1-sender-signer-checks/i1-from-unequals-signer-smime.eml)"
check_eq "I3 two From fields: mismatch" mismatch \
    "$(v 04-id/i3-from-sender-confusion/i3-from1-sender-from2-signer-smime.eml)"

# Without the time setting the certificates have expired: untrusted.
unset SEALMAIL_VERIFY_TIME
check_eq "today the genuine message is untrusted (expired)" untrusted \
    "$(v assets/valid-signed/manager-smime.eml)"
# --time does what SEALMAIL_VERIFY_TIME does.
sm inspect --json --time 2019-06-01 "$D/assets/valid-signed/manager-smime.eml" \
    >"$T/out.json" 2>/dev/null
check_eq "inspect --time 2019-06-01: valid" valid \
    "$(json "$T/out.json" 'd["signature"]')"
sm inspect --json --time yesterday "$D/assets/valid-signed/manager-smime.eml" \
    >/dev/null 2>"$T/err"; rc=$?
check_eq "inspect --time with a bad time: exit 1" 1 "$rc"
check_match "and says what a time looks like" "not a time" "$(tail -1 "$T/err")"
t_done
