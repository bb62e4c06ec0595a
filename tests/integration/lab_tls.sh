#!/bin/sh
# The lab's server certificate: on all four ports (implicit TLS and
# STARTTLS) it verifies against LAB_CA for mail.example.test, localhost and
# 127.0.0.1, and fails without LAB_CA or for another name.
. "$TOP/tests/lib.sh"
lab_up || { notok "the lab is up (LAB_ENV)"; t_done; }

# sc PORT STARTTLS-PROTO|- OPTION...: openssl s_client, failing on a bad
# certificate.
sc() {
	_p=$1 _st=$2
	shift 2
	if [ "$_st" = - ]; then
		set -- "$@"
	else
		set -- -starttls "$_st" "$@"
	fi
	openssl s_client -connect "127.0.0.1:$_p" -verify_return_error \
	    -brief "$@" </dev/null
}

# sc_fails WHAT REGEX PORT STARTTLS-PROTO|- OPTION...: the handshake fails,
# and for the reason REGEX names.
sc_fails() {
	_w=$1 _re=$2
	shift 2
	if _o=$(sc "$@" 2>&1); then
		notok "$_w"
	else
		check_match "$_w" "$_re" "$_o"
	fi
}

for spec in "$LAB_IMAPS_PORT -" "$LAB_IMAP_PORT imap" \
    "$LAB_SUBMISSIONS_PORT -" "$LAB_SUBMISSION_PORT smtp"; do
	set -- $spec
	check "port $1: verifies for mail.example.test with LAB_CA" \
	    sc "$1" "$2" -CAfile "$LAB_CA" -servername mail.example.test \
	    -verify_hostname mail.example.test
	check "port $1: verifies for localhost with LAB_CA" \
	    sc "$1" "$2" -CAfile "$LAB_CA" -verify_hostname localhost
	check "port $1: verifies for IP 127.0.0.1 with LAB_CA" \
	    sc "$1" "$2" -CAfile "$LAB_CA" -verify_ip 127.0.0.1
	sc_fails "port $1: fails without LAB_CA" 'verify error:num=19' \
	    "$1" "$2" -no-CAfile -no-CApath -no-CAstore \
	    -verify_hostname mail.example.test
	sc_fails "port $1: fails with the system's trust store" \
	    'verify error:num=19' "$1" "$2" -verify_hostname mail.example.test
	sc_fails "port $1: fails for another name" 'hostname mismatch' \
	    "$1" "$2" -CAfile "$LAB_CA" -verify_hostname evil.example.test
done

check "curl IMAPS to mail.example.test verifies with LAB_CA" \
    curl -s --cacert "$LAB_CA" --resolve "mail.example.test:$LAB_IMAPS_PORT:127.0.0.1" \
    -u "$LAB_ALICE:$LAB_ALICE_PASS" \
    "imaps://mail.example.test:$LAB_IMAPS_PORT/" -X "CAPABILITY"
check_fails "curl IMAPS without LAB_CA fails" \
    'SSL certificate problem' \
    curl -sS --resolve "mail.example.test:$LAB_IMAPS_PORT:127.0.0.1" \
    -u "$LAB_ALICE:$LAB_ALICE_PASS" \
    "imaps://mail.example.test:$LAB_IMAPS_PORT/" -X "CAPABILITY"

cert=$(openssl s_client -connect "127.0.0.1:$LAB_IMAPS_PORT" </dev/null \
    2>/dev/null | openssl x509 -noout -ext subjectAltName,extendedKeyUsage)
check_match "the served certificate names mail.example.test, localhost, 127.0.0.1" \
    'DNS:mail.example.test, DNS:localhost, IP Address:127.0.0.1' "$cert"
check_match "the served certificate is for TLS servers" \
    'TLS Web Server Authentication' "$cert"
check "LAB_CA is a CA certificate" sh -c \
    "openssl x509 -in '$LAB_CA' -noout -ext basicConstraints | grep -q 'CA:TRUE'"
check "LAB_CA_KEY is LAB_CA's key" sh -c \
    "[ \"\$(openssl x509 -in '$LAB_CA' -noout -pubkey)\" = \
    \"\$(openssl pkey -in '$LAB_CA_KEY' -pubout)\" ]"

# The S/MIME identities the lab issued.
for u in alice bob; do
	d=$LAB_SMIME_DIR
	check "$u.pem chains to LAB_CA for S/MIME" \
	    openssl verify -CAfile "$LAB_CA" -purpose smimesign "$d/$u.pem"
	e=$(openssl x509 -in "$d/$u.pem" -noout -ext subjectAltName,extendedKeyUsage)
	check_match "$u.pem: SAN email:$u@example.test" "email:$u@example.test" "$e"
	check_match "$u.pem: EKU emailProtection" 'E-mail Protection' "$e"
	check_match "$u.pem: RSA-2048" 'Public-Key: \(2048 bit\)' \
	    "$(openssl x509 -in "$d/$u.pem" -noout -text)"
	check "$u.key matches $u.pem" sh -c \
	    "[ \"\$(openssl x509 -in '$d/$u.pem' -noout -pubkey)\" = \
	    \"\$(openssl pkey -in '$d/$u.key' -pubout)\" ]"
	check "$u.p12 opens with LAB_P12_PASS and holds key and certificate" \
	    sh -c "openssl pkcs12 -in '$d/$u.p12' -passin 'pass:$LAB_P12_PASS' \
	    -nodes 2>/dev/null | grep -q 'PRIVATE KEY'"
done
t_done
