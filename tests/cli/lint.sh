# The source rules of STYLE.md, checked on every run.
. "$TOP/tests/lib.sh"
sh "$TOP/tests/lint.sh" > "$T/lint.out"
rc=$?
cat "$T/lint.out"
[ $rc -eq 0 ] || [ "$(grep -c '^not ok' "$T/lint.out")" -gt 0 ] || notok "lint exited $rc"
t_done
