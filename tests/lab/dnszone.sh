# tests/lab/dnszone.sh: shell functions for DNSSEC test zones, sourced by
# tests/lab/start.sh and by tests that serve zones of their own.
#
#   dz_keys ZONE KEYDIR
#	Makes an ECDSAP256SHA256 KSK and ZSK for ZONE in KEYDIR, once: a
#	second call with the same KEYDIR keeps the keys (and so the DS).
#   dz_sign ZONE IN OUT KEYDIR
#	Signs the zone file IN with ZONE's keys from KEYDIR into OUT (NSEC),
#	valid from an hour ago to ten years ahead.
#   dz_ds ZONE KEYDIR
#	Prints ZONE's DS record (SHA-256 of the KSK), one line, owner absolute:
#	the line for the parent zone, and a trust anchor for libunbound.
#   dz_anchor ZONE KEYDIR FILE
#	Writes that DS line to FILE (loadable by ub_ctx_add_ta_file).
#   dz_delv_anchor ZONE KEYDIR FILE
#	Writes the same anchor as a delv(1) trust-anchors clause to FILE
#	(use it as: delv -a FILE +root=ZONE ...).
#   dz_corrupt IN OUT
#	Copies a signed zone file with the first octet of every RRSIG
#	signature altered: every answer from it is bogus.
#   dz_nsd_start RUNDIR PORT ZONE=FILE...
#	Serves the zone files from one NSD on 127.0.0.1@PORT (UDP and TCP),
#	configured and logging in RUNDIR; waits until it answers the first
#	zone's SOA (5 s at most). The PID is in RUNDIR/nsd.pid and in
#	$DZ_NSD_PID. Returns 1 (and stops it) when NSD does not answer.
#   dz_nsd_stop RUNDIR
#	Stops that NSD by its PID and waits for it to exit. Safe to repeat.
#   smimea_owner LOCALPART
#	Prints the RFC 8162 owner label of LOCALPART: hex of the first 28
#	octets of SHA-256 over its octets exactly as given.
#   smimea_name ADDRESS
#	Prints the whole SMIMEA owner name of ADDRESS, with the final dot.
#   dane_rdata_300 CERT.pem
#	Prints "3 0 0 <hex of the DER certificate>" (SMIMEA or TLSA rdata).
#   dane_rdata_311 CERT.pem
#	Prints "3 1 1 <hex of SHA-256 over the DER SubjectPublicKeyInfo>".
#
# Needs ldns-keygen, ldns-signzone (ldnsutils), nsd, dig (bind9-dnsutils)
# and openssl. Nothing here touches anything outside the given paths.

dz_hex() {
	od -An -v -tx1 | tr -d ' \n'
}

smimea_owner() {
	printf %s "$1" | openssl dgst -sha256 -binary | head -c 28 | dz_hex
}

smimea_name() {
	printf '%s._smimecert.%s.\n' "$(smimea_owner "${1%@*}")" "${1##*@}"
}

dane_rdata_300() {
	printf '3 0 0 %s\n' \
	    "$(openssl x509 -in "$1" -outform DER | dz_hex)"
}

dane_rdata_311() {
	printf '3 1 1 %s\n' "$(openssl x509 -in "$1" -noout -pubkey |
	    openssl pkey -pubin -outform DER |
	    openssl dgst -sha256 -binary | dz_hex)"
}

# dz_keyname ZONE KEYDIR ksk|zsk: prints the key's base path.
dz_keyname() {
	_n=$(cat "$2/$1.$3" 2>/dev/null) || return 1
	printf '%s/%s\n' "$2" "$_n"
}

dz_keys() {
	mkdir -p "$2" || return 1
	if [ -s "$2/$1.ksk" ] && [ -s "$2/$1.zsk" ] &&
	    [ -f "$(dz_keyname "$1" "$2" ksk).private" ] &&
	    [ -f "$(dz_keyname "$1" "$2" zsk).private" ]; then
		return 0
	fi
	(
		cd "$2" || exit 1
		k=$(ldns-keygen -a ECDSAP256SHA256 -k "$1") || exit 1
		z=$(ldns-keygen -a ECDSAP256SHA256 "$1") || exit 1
		printf '%s\n' "$k" > "$1.ksk" && printf '%s\n' "$z" > "$1.zsk"
	)
}

dz_sign() {
	_ksk=$(dz_keyname "$1" "$4" ksk) || return 1
	_zsk=$(dz_keyname "$1" "$4" zsk) || return 1
	_now=$(date +%s)
	ldns-signzone -o "$1." -i "$((_now - 3600))" \
	    -e "$((_now + 315360000))" -f "$3" "$2" "$_ksk" "$_zsk"
}

dz_ds() {
	_ksk=$(dz_keyname "$1" "$2" ksk) || return 1
	grep -m1 '[[:space:]]DS[[:space:]]' "$_ksk.ds"
}

dz_anchor() {
	dz_ds "$1" "$2" > "$3"
}

dz_delv_anchor() {
	dz_ds "$1" "$2" | awk '{
		printf "trust-anchors {\n\t%s initial-ds %s %s %s \"%s\";\n};\n",
		    $1, $(NF - 3), $(NF - 2), $(NF - 1), $NF
	}' > "$3"
}

dz_corrupt() {
	awk -F '\t' 'BEGIN { OFS = "\t" }
	$4 == "RRSIG" {
		n = split($5, f, " ")
		c = substr(f[n], 1, 1)
		f[n] = (c == "A" ? "B" : "A") substr(f[n], 2)
		s = f[1]
		for (i = 2; i <= n; i++)
			s = s " " f[i]
		$5 = s
	}
	{ print }' "$1" > "$2"
}

# dz_pid_start PID: the clock tick since boot at which PID began (field 22
# of /proc/PID/stat), recorded beside a PID so that a reused one is not
# mistaken for it. dz_running PID: true while PID runs (a zombie does not).
dz_pid_start() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

dz_running() {
	_st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

dz_nsd_start() {
	_run=$1 _port=$2
	shift 2
	mkdir -p "$_run" || return 1
	_run=$(cd "$_run" && pwd)
	dz_nsd_stop "$_run"
	{
		printf 'server:\n'
		printf '  ip-address: 127.0.0.1@%s\n' "$_port"
		printf '  do-ip6: no\n  username: ""\n  chroot: ""\n'
		printf '  database: ""\n  server-count: 1\n  verbosity: 1\n'
		printf '  hide-version: yes\n'
		printf '  zonesdir: "%s"\n' "$_run"
		printf '  zonelistfile: "%s/zone.list"\n' "$_run"
		printf '  xfrdfile: "%s/xfrd.state"\n' "$_run"
		printf '  xfrdir: "%s"\n' "$_run"
		printf '  pidfile: "%s/nsd.daemon.pid"\n' "$_run"
		printf '  logfile: "%s/nsd.log"\n' "$_run"
		printf 'remote-control:\n  control-enable: no\n'
	} > "$_run/nsd.conf"
	_first=
	for _z in "$@"; do
		_name=${_z%%=*} _file=${_z#*=}
		case $_file in /*) ;; *) _file=$(pwd)/$_file ;; esac
		if [ ! -s "$_file" ]; then
			echo "dz_nsd_start: no zone file $_file" >&2
			return 1
		fi
		printf 'zone:\n  name: "%s"\n  zonefile: "%s"\n' \
		    "$_name" "$_file" >> "$_run/nsd.conf"
		[ -n "$_first" ] || _first=$_name
	done
	nsd-checkconf "$_run/nsd.conf" >&2 || return 1
	# No descriptor of the caller's but a log: a daemon holding a pipe
	# would keep its reader waiting.
	env SEALMAIL_LAB_OWNER="$_run" nsd -d -c "$_run/nsd.conf" \
	    </dev/null >/dev/null 2>>"$_run/nsd.stderr" \
	    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	DZ_NSD_PID=$!
	printf '%s %s\n' "$DZ_NSD_PID" "$(dz_pid_start "$DZ_NSD_PID")" \
	    > "$_run/nsd.pid"
	_i=0
	while [ $_i -lt 100 ]; do
		if dig +short +norec +time=1 +tries=1 -p "$_port" @127.0.0.1 \
		    "$_first" SOA 2>/dev/null | grep -q .; then
			return 0
		fi
		dz_running "$DZ_NSD_PID" || break
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "dz_nsd_start: NSD on port $_port does not answer" \
	    "(see $_run/nsd.log)" >&2
	dz_nsd_stop "$_run"
	return 1
}

dz_nsd_stop() {
	[ -f "$1/nsd.pid" ] || return 0
	read -r _pid _start < "$1/nsd.pid" || _pid=
	if [ -n "$_pid" ] && [ "$(dz_pid_start "$_pid")" = "$_start" ]; then
		kill "$_pid" 2>/dev/null
		_i=0
		while dz_running "$_pid" && [ $_i -lt 100 ]; do
			sleep 0.05
			_i=$((_i + 1))
		done
		dz_running "$_pid" && kill -9 "$_pid" 2>/dev/null
		# A background child of this shell: collect it.
		wait "$_pid" 2>/dev/null
	fi
	rm -f "$1/nsd.pid"
	return 0
}
