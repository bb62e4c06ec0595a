# The Makefile targets that need Debian packages install them before they
# compile anything, so that they work on a fresh machine: make -n -B
# (everything out of date, nothing run but the nested makes, which print)
# must name tests/deps.sh before its first compiler line.
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1
for target in check demo bench; do
	make -n -B "$target" CI=true >"$T/$target.out" 2>&1
	first=$(grep -m1 -E 'tests/deps\.sh| -c -o ' "$T/$target.out")
	check_match "make $target: tests/deps.sh comes before any compiling" \
	    '^sh tests/deps\.sh' "$first"
done
t_done
