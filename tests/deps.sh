#!/bin/sh
# Installs the Debian packages sealmail needs to build, test and run its lab.
# As root it runs apt-get itself; otherwise it prints the exact line to run.
set -u

# README.md's apt-get line names BUILD and RUN (tests/cli/doc.sh checks).
BUILD="gcc make pkg-config libc6-dev libncurses-dev libssl-dev libetpan-dev
libsecret-1-dev libunbound-dev libsqlcipher-dev libcmocka-dev zlib1g-dev
libp11-kit-dev libidn2-dev"
# Read at run time: the DNSSEC root's trust anchor, the system's CAs.
RUN="dns-root-data ca-certificates"
LAB="openssl python3 dovecot-imapd dovecot-lmtpd postfix nsd ldnsutils
bind9-dnsutils gnome-keyring libsecret-tools dbus tmux faketime gpgsm
sqlcipher swaks libnet-ssleay-perl curl procps util-linux"
LAB="$LAB libnss3-tools"	# cmsutil: NSS reads what sealmail writes
LAB="$LAB gdb"			# holds a process still to read its memory
LAB="$LAB mandoc"		# the manual pages are linted
LAB="$LAB softhsm2 opensc p11-kit-modules"	# a PKCS#11 token, pkcs11-tool
BENCH="isync neomutt notmuch hyperfine time linux-perf"

want="$BUILD $RUN $LAB"
case "${1:-}" in
bench) want="$want $BENCH" ;;
esac

missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "sealmail needs Debian packages that are not installed. Run as root:" >&2
	echo "  apt-get update && $line" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A package that would start a system service must not: the lab runs its own.
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" &&
	    made_policy=1
fi
rc=0
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends $missing >/tmp/sealmail-apt.log 2>&1 || rc=$?
[ -n "$made_policy" ] && rm -f "$policy"
if [ $rc -ne 0 ]; then
	tail -20 /tmp/sealmail-apt.log >&2
	echo "deps: apt-get install failed (rc $rc); see /tmp/sealmail-apt.log" >&2
	exit 1
fi
exit 0
