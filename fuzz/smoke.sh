#!/bin/sh
# fuzz/smoke.sh: the bounded fuzz run of CI (tests/run.sh calls it): each
# target for 15 seconds from the seed corpus.  Exits 0 when the compiler
# cannot build libFuzzer targets (saying why), non-zero on any crash.
set -eu
cd "$(dirname "$0")/.."
exec sh fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-15}"
