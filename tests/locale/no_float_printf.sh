#!/bin/sh
# Issue 15: printf's floating conversions (%f %.1f %g %e %a ...) follow
# LC_NUMERIC, so a program embedding libmemplan under de_DE would print
# "0,5".  Numbers with a fraction are printed by mp_fmt_fixed/mp_fmt_g
# (src/units.c, the one place that calls snprintf with "%.*f"/"%.*g").
# This fails, naming the lines, when any other source file has one.
# usage: no_float_printf.sh SRCDIR
src=${1:?usage: no_float_printf.sh SRCDIR}
echo "1..1"
hits=$(find "$src" -name '*.c' ! -path "$src/units.c" -exec \
    grep -nHE '%[-+#0-9*]*(\.[0-9*]+)?[lL]?[fFgGeEaA]' {} + |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/\*|\*)')
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" | sed 's/^/# /'
	echo "not ok 1 - printf float conversions outside src/units.c"
	exit 1
fi
# The check itself must see one: the formatter's own call.
if ! grep -qE '"%\.\*f"' "$src/units.c"; then
	echo "not ok 1 - src/units.c has no \"%.*f\": the pattern is stale"
	exit 1
fi
echo "ok 1 - no printf float conversion outside src/units.c"
