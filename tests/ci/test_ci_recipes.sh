#!/bin/sh
# test_ci_recipes.sh: the CI recipes in examples/ci work as written.
# SPDX-License-Identifier: MIT
#
# usage: test_ci_recipes.sh SRCDIR PLAN.yaml [XMLLINT XSD]
# Takes the shell line that runs memplan from the GitHub Actions workflow
# and from the GitLab CI job, checks they are the same line, and runs it
# the way the runners do (their variables set, in a scratch directory):
# memplan is built and installed from SRCDIR into a temporary prefix and
# "memplan check PLAN --format junit" writes the report.  Only the
# runners' package installation and checkout steps are not run.  TAP.

set -u
. "$(dirname "$0")/../tap.sh"
src=$1 plan=$2 xmllint=${3:-} xsd=${4:-}

# The one line of a recipe that runs memplan-ci.sh, without YAML's
# indentation or list dash.
line_of() {
	grep 'memplan-ci\.sh' "$1" | grep -v '^ *#' |
	    sed -e 's/^[[:space:]]*//' -e 's/^- //'
}
gh=$(line_of "$src/examples/ci/github-actions.yml")
gl=$(line_of "$src/examples/ci/gitlab-ci.yml")
if [ -n "$gh" ] && [ "$(printf '%s\n' "$gh" | wc -l)" -eq 1 ] &&
    [ "$gh" = "$gl" ]; then
	ok "both recipes run the same line: $gh"
else
	notok "both recipes run the same line" "github: $gh
gitlab: $gl"
	echo "1..$n"
	exit 1
fi
# Their variables name the same things.
for v in MEMPLAN_SRC MEMPLAN_PLAN MEMPLAN_PREFIX; do
	if grep -q "^ *$v: " "$src/examples/ci/github-actions.yml" &&
	    grep -q "^ *$v: " "$src/examples/ci/gitlab-ci.yml"; then
		ok "both recipes set $v"
	else
		notok "both recipes set $v"
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/memplan-ci.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
case $plan in /*) ;; *) plan=$PWD/$plan ;; esac
case $src in /*) ;; *) src=$PWD/$src ;; esac

# Run the line as the runner does: its shell, its variables, its cwd.
(
	cd "$tmp" &&
	MEMPLAN_SRC=$src MEMPLAN_PLAN=$plan MEMPLAN_PREFIX=$tmp/prefix \
	MEMPLAN_BUILD=$tmp/build HOME=$tmp MEMPLAN_DATADIR= \
	    sh -c "$gh"
) >"$tmp/out" 2>&1
rc=$?
# The fixture plan has failing checks: memplan check exits 1.
if [ "$rc" -eq 1 ] && [ -s "$tmp/memplan-junit.xml" ]; then
	ok "the recipe builds, installs and gates (exit 1: a check fails)"
else
	notok "the recipe builds, installs and gates (exit 1: a check fails)" \
	    "exit $rc: $(tail -20 "$tmp/out")"
fi
if [ -x "$tmp/prefix/bin/memplan" ] &&
    "$tmp/prefix/bin/memplan" --version | grep -q '^memplan '; then
	ok "memplan is installed in the prefix"
else
	notok "memplan is installed in the prefix"
fi
r=$tmp/memplan-junit.xml
if [ -s "$r" ] && [ "$(grep -c '<testcase ' "$r")" -eq 4 ] &&
    [ "$(grep -c '<failure ' "$r")" -eq 2 ]; then
	ok "the JUnit report has 4 checks, 2 failing"
else
	notok "the JUnit report has 4 checks, 2 failing" "$(cat "$r" 2>&1)"
fi
if [ -n "$xmllint" ] && [ -n "$xsd" ]; then
	if out=$("$xmllint" --noout --schema "$xsd" "$r" 2>&1); then
		ok "the report validates against the JUnit schema"
	else
		notok "the report validates against the JUnit schema" "$out"
	fi
fi
tap_end
