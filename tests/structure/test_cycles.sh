#!/bin/sh
# test_cycles.sh TOOLS_CHECK_CYCLES SRC FIXTURES: src/ has no include or
# call cycle, and the checker names the cycle of each fixture (a crash,
# which also exits non-zero, does not pass for a found cycle).
# SPDX-License-Identifier: MIT
set -u
check=$1 src=$2 fix=$3
fail=0
out=$("$check" "$src" 2>&1); rc=$?
if [ $rc -ne 0 ]; then
	echo "not ok: src/ has a cycle (exit $rc):"; echo "$out"; fail=1
else
	echo "ok: $out"
fi
expect() {
	out=$("$check" "$fix/$1" 2>&1); rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$2"; then
		echo "ok: $1: $out"
	else
		echo "not ok: $1: exit $rc, expected 1 and \"$2\":"; echo "$out"
		fail=1
	fi
}
expect call-cycle "call cycle among 2 modules (a.c b.c): a.c (mp_a_up calls mp_b_down) -> b.c (mp_b_down calls mp_a_up) -> a.c"
expect include-cycle "include cycle: x.h -> y.h -> x.h"
exit $fail
