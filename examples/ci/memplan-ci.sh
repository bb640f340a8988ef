#!/bin/sh
# memplan-ci.sh: build and install memplan from its source tree, then gate
# a change on a plan file with "memplan check", writing a JUnit report for
# the CI's test dashboard.  github-actions.yml and gitlab-ci.yml run
# exactly this; tests/ci/test_ci_recipes.sh runs their lines.
# SPDX-License-Identifier: MIT
#
# usage: memplan-ci.sh MEMPLAN_SRC PLAN.yaml REPORT.xml
# Exit status: that of memplan check (0 all pass, 1 a check failed,
# 2 bad input), or non-zero when the build fails.
# MEMPLAN_PREFIX (default ~/.local) and MEMPLAN_BUILD (default
# MEMPLAN_SRC/build-ci) say where to install and build.
set -eu
src=$1 plan=$2 report=$3
prefix=${MEMPLAN_PREFIX:-$HOME/.local}
build=${MEMPLAN_BUILD:-$src/build-ci}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" --prefix="$prefix" --buildtype=release \
	    -Dtests=disabled >/dev/null
fi
ninja -C "$build" >/dev/null
meson install -C "$build" --quiet
# The report is written even when a check fails; the exit status gates.
"$prefix/bin/memplan" check "$plan" --format junit -o "$report"
