#!/bin/sh
# tools/setup.sh: the README's first command on a fresh Debian 12.
# Installs the build and test dependencies (Debian packages only), builds
# memplan in build/ and runs a real example on the bundled data.
#   --deps-only   install the packages and stop (.ci/run uses this)
set -eu
cd "$(dirname "$0")/.."

# Build: compiler, meson, ninja, pkg-config, cJSON, libyaml.  Tests:
# cmocka, clang + libFuzzer runtime (fuzz smoke run), mandoc (man page
# lint), xmllint (JUnit schema), python3-jsonschema (JSON Schema),
# cairo (SVG charts, optional), zsh (completion test), valgrind,
# locales (a decimal-comma locale test), time (peak RSS in tests/edge).
# libcurl: remote models (Hub ids, GGUF URLs, ollama:) read over HTTP(S).
packages="build-essential clang libclang-rt-dev pkg-config meson ninja-build
	libcjson-dev libyaml-dev libcmocka-dev libcurl4-openssl-dev mandoc
	libxml2-utils python3 python3-jsonschema libcairo2-dev zsh valgrind
	locales time"

if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1; then
	sudo=sudo
else
	echo "setup.sh: run as root or install sudo" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null
[ "${1:-}" = "--deps-only" ] && exit 0

[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build
build/memplan estimate qwen2.5-7b-instruct --seq 32768
