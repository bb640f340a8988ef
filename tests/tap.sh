# tap.sh: the TAP helpers of the shell suites (ci, install, completion),
# sourced by them: . "$(dirname "$0")/../tap.sh"
# SPDX-License-Identifier: MIT
#
# ok NAME                  a passing test
# notok NAME [DIAGNOSTIC]  a failing one; the diagnostic's lines as "# ..."
# tap_end                  the plan line; the status says whether all passed

n=0 fail=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

notok() {
	n=$((n + 1)) fail=$((fail + 1))
	echo "not ok $n - $1"
	if [ -n "${2:-}" ]; then
		printf '%s\n' "$2" | sed 's/^/# /'
	fi
}

tap_end() {
	echo "1..$n"
	[ "$fail" -eq 0 ]
}
