#!/bin/sh
# check_junit.sh MEMPLAN XMLLINT XSD PLAN: "memplan check --format junit"
# writes XML that the JUnit schema accepts, with one testcase per check
# and a failure carrying the numbers for each failed check.
# SPDX-License-Identifier: MIT
set -u
memplan=$1 xmllint=$2 xsd=$3 plan=$4
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$memplan" check "$plan" --format junit -o "$out"
rc=$?
if [ "$rc" -ne 1 ]; then
	echo "expected exit 1 (a check fails), got $rc" >&2
	exit 1
fi
"$xmllint" --noout --schema "$xsd" "$out" || exit 1
cases=$(grep -c '<testcase ' "$out")
fails=$(grep -c '<failure ' "$out")
[ "$cases" -eq 4 ] || { echo "expected 4 testcases, got $cases" >&2; exit 1; }
[ "$fails" -eq 2 ] || { echo "expected 2 failures, got $fails" >&2; exit 1; }
grep -q 'message="predicted [0-9.]* MiB, budget [0-9.]* MiB, margin -' \
    "$out" || { echo "failure message lacks the numbers" >&2; exit 1; }
# A schema that rejects nothing proves nothing: a broken report must fail.
sed 's/tests="4"/tests="four"/' "$out" >"$out.bad"
if "$xmllint" --noout --schema "$xsd" "$out.bad" 2>/dev/null; then
	rm -f "$out.bad"
	echo "the schema accepted a non-numeric count" >&2
	exit 1
fi
rm -f "$out.bad"
echo ok
