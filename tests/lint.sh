#!/bin/sh
# tests/lint.sh: banned calls, and includes checked against DESIGN.md's
# arrows (the DEPS_<folder> lines of the Makefile). Prints one TAP line per
# rule; exit 1 on any violation.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
fail=0
FOLDERS="base mime net store keys crypto app ui"

# 1. Banned functions (curl's checksrc list of STYLE.md).
hits=$(grep -nE '(^|[^_a-zA-Z0-9])(strcpy|strcat|sprintf|vsprintf|gets|atoi|strtok)[ \t]*\(' \
    $(for d in $FOLDERS; do ls $d/*.c $d/*.h 2>/dev/null; done) 2>/dev/null |
    grep -vE '^[^:]+:[0-9]+:[ \t]*(/?\*|//)')
if [ -n "$hits" ]; then
	echo "not ok - banned functions"; echo "$hits" | sed 's/^/#   /'; fail=1
else
	echo "ok - no banned functions (strcpy strcat sprintf vsprintf gets atoi strtok)"
fi

# 2. Includes follow the arrows.
bad=
for d in $FOLDERS; do
	allowed=$(sed -n "s/^DEPS_$d[ \t]*=[ \t]*//p" Makefile)
	for f in $d/*.c $d/*.h; do
		[ -f "$f" ] || continue
		for inc in $(sed -n 's/^#[ \t]*include[ \t]*"\([a-z]*\)\/.*/\1/p' "$f"); do
			case " $allowed " in
			*" $inc "*) ;;
			*) bad="$bad $f->$inc" ;;
			esac
		done
	done
done
if [ -n "$bad" ]; then
	echo "not ok - includes against the dependency arrows:$bad"; fail=1
else
	echo "ok - every include follows the dependency arrows"
fi

# 3. Only ui/ touches the terminal library; only app/ and ui/ print.
cur=$(grep -lE '#[ \t]*include[ \t]*<n?curses' $(for d in $FOLDERS; do [ $d = ui ] || ls $d/*.c $d/*.h 2>/dev/null; done) 2>/dev/null)
if [ -n "$cur" ]; then echo "not ok - curses outside ui/: $cur"; fail=1
else echo "ok - curses only in ui/"; fi
prn=$(grep -nE '(^|[^a-z_])(printf|fprintf|puts|perror|exit)[ \t]*\(' \
    $(for d in base mime net store keys crypto; do ls $d/*.c 2>/dev/null; done) 2>/dev/null |
    grep -vE 'snprintf|vsnprintf|buf_printf|vfprintf\(log_fp|fprintf\(log_fp|_exit' |
    grep -vE '^[^:]+:[0-9]+:[ \t]*(/?\*|//)')
if [ -n "$prn" ]; then
	echo "not ok - library code prints or exits"; echo "$prn" | sed 's/^/#   /'; fail=1
else
	echo "ok - library code below app/ never prints or exits"
fi
# 4. No function body over 120 lines (STYLE.md): a KNF definition opens
# with "{" and closes with "}" in the first column.
long=$(for f in $(for d in $FOLDERS tests/unit tests/tools tests/fuzz; do
    ls $d/*.c 2>/dev/null; done); do
	awk -v f="$f" '/^[A-Za-z_][A-Za-z0-9_]*\(/ { n = $0; sub(/\(.*/, "", n) }
	    /^\{/ { s = NR }
	    /^\}/ && s { if (NR - s - 1 > 120)
		printf "%s:%d %s: %d lines\n", f, s, n, NR - s - 1; s = 0 }' "$f"
done)
if [ -n "$long" ]; then
	echo "not ok - functions over 120 lines"; echo "$long" | sed 's/^/#   /'
	fail=1
else
	echo "ok - no function over 120 lines"
fi
exit $fail
