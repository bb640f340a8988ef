#!/bin/sh
# tests/edge/run_edge.sh: what the in-process suites cannot see, through
# the real binary: special files as inputs and -o targets, stdout errors,
# long paths, resource limits, hostile names, a decimal-comma locale.
# usage: run_edge.sh MEMPLAN SRCDIR    (TAP on stdout)
set -u
M=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/memplan-edge.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0
bad=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
no() { n=$((n + 1)); bad=$((bad + 1)); echo "not ok $n - $1"; shift
	for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# check NAME COND [diagnostics...]: COND is evaluated by the shell
check() { name=$1; shift; cond=$1; shift
	if eval "$cond"; then ok "$name"; else no "$name" "$@"; fi; }
# run [timeout] memplan args...: sets rc, out (stdout), err (stderr)
run() { rc=0
	timeout 20 "$M" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err"); }
MODEL=qwen2.5-0.5b
ROOT=false
[ "$(id -u)" = 0 ] && ROOT=true
# Permission cases (EACCES) mean nothing to root, who reads and writes any
# file, and CI runs as root: there they run as the unprivileged uid 65534
# through util-linux's setpriv, in a folder that user owns.  AS is the
# prefix that runs a command as that user ("" when not root); ASDIR that
# user's folder.  NOBODY is why these cases cannot run, or "".
AS=
ASDIR=$T/user
NOBODY=
mkdir "$ASDIR"
if $ROOT; then
	if ! command -v setpriv >/dev/null 2>&1; then
		NOBODY="root, and no setpriv (util-linux) to drop to uid 65534"
	elif ! chown 65534:65534 "$ASDIR" || ! chmod 711 "$T" ||
	    ! setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$M" --version >/dev/null 2>&1; then
		NOBODY="root, and uid 65534 cannot run $M (a folder above it is not searchable)"
	else
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	fi
fi
# as_user [memplan args...]: run memplan as the unprivileged user; sets
# rc, out, err like run.
as_user() { rc=0
	# shellcheck disable=SC2086
	timeout 20 $AS "$M" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err"); }

# ---- -o targets ----------------------------------------------------------
# A FIFO is written into, not replaced.
mkfifo "$T/fifo"
(timeout 20 cat "$T/fifo" >"$T/fifo.out") &
reader=$!
run estimate $MODEL -o "$T/fifo"
wait $reader
check "-o FIFO: written into, still a FIFO" \
	'[ $rc = 0 ] && [ -p "$T/fifo" ] && grep -q Qwen2 "$T/fifo.out"' \
	"rc=$rc err=$err"
rm -f "$T/fifo" "$T/fifo.out"

# An AF_UNIX stream socket (a listener in this folder): connected to and
# written into, not replaced.
if command -v python3 >/dev/null 2>&1; then
	python3 - "$T/sock" "$T/sock.out" <<'EOP' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
with open(sys.argv[2] + ".part", "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
os.rename(sys.argv[2] + ".part", sys.argv[2])
EOP
	listener=$!
	i=0
	while [ ! -S "$T/sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	run estimate $MODEL -o "$T/sock"
	wait $listener
	check "-o AF_UNIX socket: connected and written into, still a socket" \
		'[ $rc = 0 ] && [ -S "$T/sock" ] && grep -q Qwen2 "$T/sock.out"' \
		"rc=$rc err=$err"
	# Nobody listening: refused, one line, the socket left alone.
	run estimate $MODEL -o "$T/sock"
	check "-o socket nobody listens on: exit 2, one line, still a socket" \
		'[ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] && [ -S "$T/sock" ]' \
		"rc=$rc err=$err"
	rm -f "$T/sock" "$T/sock.out"
else
	skip "-o AF_UNIX socket" "no python3 to listen on one"
	skip "-o socket nobody listens on" "no python3 to make one"
fi

# A private character device (root only: mknod): stays a device.
if $ROOT && mknod "$T/null" c 1 3 2>/dev/null; then
	run estimate $MODEL -o "$T/null"
	check "-o private /dev/null device: still a device" \
		'[ $rc = 0 ] && [ -c "$T/null" ]' "rc=$rc err=$err"
else
	skip "-o private /dev/null device" "needs root and mknod"
fi

# A symbolic link: the link stays, its target gets the report and keeps
# its mode.
echo old >"$T/real"
chmod 640 "$T/real"
ln -s real "$T/link"
run estimate $MODEL -o "$T/link"
check "-o symlink: link kept, target replaced, mode kept" \
	'[ $rc = 0 ] && [ -L "$T/link" ] && grep -q Qwen2 "$T/real" &&
	 [ "$(stat -c %a "$T/real")" = 640 ]' "rc=$rc err=$err"
# A dangling link creates its target.
ln -s made "$T/dangling"
run estimate $MODEL -o "$T/dangling"
check "-o dangling symlink: creates the target" \
	'[ $rc = 0 ] && [ -L "$T/dangling" ] && grep -q Qwen2 "$T/made"' \
	"rc=$rc err=$err"
# A link loop is refused.
ln -s loop2 "$T/loop1"; ln -s loop1 "$T/loop2"
run estimate $MODEL -o "$T/loop1"
check "-o symlink loop: refused" \
	'[ $rc = 2 ] && echo "$err" | grep -q "symbolic links"' "rc=$rc err=$err"
# A hard link stays a link.
echo old >"$T/h1"; ln "$T/h1" "$T/h2"
run estimate $MODEL -o "$T/h1"
check "-o hard-linked file: both names see the report" \
	'[ $rc = 0 ] && [ "$(stat -c %h "$T/h1")" = 2 ] && grep -q Qwen2 "$T/h2"' \
	"rc=$rc err=$err"
# The plan file itself is refused before anything is computed.
cp "$SRC/tests/fixtures/plan/ci.yaml" "$T/plan.yaml"
cksum "$T/plan.yaml" >"$T/sum"
run check "$T/plan.yaml" -o "$T/plan.yaml"
check "check plan.yaml -o plan.yaml: refused, plan untouched" \
	'[ $rc = 2 ] && echo "$err" | grep -q "is the input" &&
	 cksum "$T/plan.yaml" | cmp -s - "$T/sum"' "rc=$rc err=$err"
# A folder's config.json is an input too.
mkdir "$T/mdl"
cp "$SRC/data/models/$MODEL.json" "$T/mdl/config.json"
run estimate "$T/mdl" -o "$T/mdl/config.json"
check "estimate DIR -o DIR/config.json: refused" \
	'[ $rc = 2 ] && grep -q model_type "$T/mdl/config.json"' "rc=$rc err=$err"
# A read-only file is not replaced (root may write any file: as root the
# case runs as uid 65534, who owns the file and its folder).
echo keep >"$ASDIR/ro"; chmod 444 "$ASDIR/ro"
cp "$SRC/data/models/$MODEL.json" "$ASDIR/m.json"; chmod 644 "$ASDIR/m.json"
$ROOT && chown 65534:65534 "$ASDIR/ro" "$ASDIR/m.json"
if [ -n "$NOBODY" ]; then
	skip "-o read-only file" "$NOBODY"
else
	as_user estimate "$ASDIR/m.json" -o "$ASDIR/ro"
	check "-o read-only file: refused, kept${AS:+ (as uid 65534)}" \
		'[ $rc = 2 ] && [ "$(cat "$ASDIR/ro")" = keep ] &&
		 echo "$err" | grep -q "Permission denied"' "rc=$rc err=$err"
fi
# -o /dev/stdout when stdout is a file or a pipe.
rc=0; "$M" estimate $MODEL -o /dev/stdout >"$T/so" 2>"$T/err" || rc=$?
check "-o /dev/stdout into a file" '[ $rc = 0 ] && grep -q Qwen2 "$T/so"' \
	"rc=$rc err=$(cat "$T/err")"
bytes=$("$M" estimate $MODEL -o /dev/stdout 2>/dev/null | wc -c)
check "-o /dev/stdout into a pipe" '[ "$bytes" -gt 100 ]' "bytes=$bytes"
# A missing directory fails before any work, naming the cause.
run estimate $MODEL -o "$T/no/such/out.txt"
check "-o into a missing directory: one line, exit 2" \
	'[ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ]' "rc=$rc err=$err"

# ---- stdout write errors ------------------------------------------------
FULL=/dev/full
if $ROOT && mknod "$T/full" c 1 7 2>/dev/null; then FULL=$T/full; fi
if [ -c "$FULL" ]; then
	for args in "estimate $MODEL" "estimate $MODEL --format json" \
	    "check $SRC/tests/fixtures/plan/ci.yaml --format junit" \
	    "hardware" "hardware --format json" "models" "--help" \
	    "--version" "estimate --help" \
	    "sweep $MODEL --over seq=1k..4k"; do
		rc=0
		# shellcheck disable=SC2086
		"$M" $args >"$FULL" 2>"$T/err" || rc=$?
		check "stdout on a full device: $args" \
		    '[ $rc = 2 ] && grep -q "stdout: No space left" "$T/err"' \
		    "rc=$rc err=$(cat "$T/err")"
	done
else
	skip "stdout on a full device" "no /dev/full"
fi

# ---- special files where a regular file is expected --------------------
# Every reader opens without blocking and refuses what is not a regular
# file; before, a FIFO hung the reader forever.  run's timeout (20 s)
# turns a hang into rc 124.
mkdir -p "$T/in/folder" "$T/in/stfolder" "$T/in/data/models" \
	"$T/in/data/hardware" "$T/in/hub/models--org--m/refs" \
	"$T/in/hub/models--org--m/snapshots/abc"
mkfifo "$T/in/cfg.json" "$T/in/m.gguf" "$T/in/hw.yaml" "$T/in/hwname" \
	"$T/in/plan.yaml" "$T/in/folder/config.json" \
	"$T/in/stfolder/model.safetensors" "$T/in/data/models/zz.json" \
	"$T/in/data/hardware/zz.yaml" "$T/in/hub/models--org--m/refs/main"
cp "$SRC/data/models/$MODEL.json" "$T/in/stfolder/config.json"
cp "$SRC/data/models/$MODEL.json" \
	"$T/in/hub/models--org--m/snapshots/abc/config.json"
fifo_case() { name=$1; shift
	run "$@"
	check "FIFO as $name: refused at once" \
	    '[ $rc = 2 ] && echo "$err" | grep -q "not a regular file"' \
	    "rc=$rc err=$err"; }
fifo_case "config.json" estimate "$T/in/cfg.json"
fifo_case ".gguf" estimate "$T/in/m.gguf"
fifo_case "a folder's config.json" estimate "$T/in/folder"
fifo_case "a folder's model.safetensors" estimate "$T/in/stfolder"
fifo_case "hardware profile" estimate $MODEL --hardware "$T/in/hw.yaml"
rc=0
(cd "$T/in" && timeout 20 "$M" estimate $MODEL --hardware hwname) \
	>/dev/null 2>"$T/err" </dev/null || rc=$?
check "FIFO as hardware profile without extension: refused at once" \
	'[ $rc = 2 ] && grep -q "not a regular file" "$T/err"' \
	"rc=$rc err=$(cat "$T/err")"
fifo_case "plan file" check "$T/in/plan.yaml"
MEMPLAN_HARDWARE=$T/in/hw.yaml fifo_case "\$MEMPLAN_HARDWARE" \
	plan $MODEL
run estimate $MODEL --hardware /dev/stdin
check "--hardware /dev/stdin: refused as a pipe" \
	'[ $rc = 2 ] && echo "$err" | grep -q "not a regular file"' \
	"rc=$rc err=$err"
MEMPLAN_DATADIR=$T/in/data run models
check "FIFO in the data directory (models): named, not hung" \
	'[ $rc != 124 ] && echo "$err$out" | grep -q "zz"' "rc=$rc err=$err"
MEMPLAN_DATADIR=$T/in/data run hardware
check "FIFO in the data directory (hardware): named, not hung" \
	'[ $rc = 2 ] && echo "$err" | grep -q "zz.yaml.*not a regular file"' \
	"rc=$rc err=$err"
HF_HUB_CACHE=$T/in/hub run estimate org/m
check "FIFO as the HF cache's refs/main: skipped, snapshot used" \
	'[ $rc = 0 ] && echo "$out" | grep -q Qwen2' "rc=$rc err=$err"
# A pipe on stdin for a config is refused the same way.
rc=0
timeout 20 "$M" estimate /dev/stdin <"$SRC/data/models/$MODEL.json" \
	>/dev/null 2>"$T/err" || rc=$?
check "estimate /dev/stdin from a regular file: read" '[ $rc = 0 ]' \
	"rc=$rc err=$(cat "$T/err")"
rc=0
cat "$SRC/data/models/$MODEL.json" | timeout 20 "$M" estimate /dev/stdin \
	>/dev/null 2>"$T/err" || rc=$?
check "estimate /dev/stdin from a pipe: refused, one line" \
	'[ $rc = 2 ] && grep -q "not a regular file" "$T/err"' \
	"rc=$rc err=$(cat "$T/err")"

# ---- errno named as it is -----------------------------------------------
ln -s l2 "$T/l1"; ln -s l1 "$T/l2"
run estimate "$T/l1"
check "model path in a symlink loop: ELOOP, not 'no such file'" \
	'[ $rc = 2 ] && echo "$err" | grep -q "symbolic links"' "rc=$rc err=$err"
run estimate $MODEL --hardware "$T/l1"
check "hardware path in a symlink loop: ELOOP" \
	'[ $rc = 2 ] && echo "$err" | grep -q "symbolic links"' "rc=$rc err=$err"
# Root reads every file: as root the case runs as uid 65534.
if [ -z "$NOBODY" ]; then
	cp "$SRC/data/models/$MODEL.json" "$ASDIR/noread.json"
	chmod 000 "$ASDIR/noread.json"
	$ROOT && chown 65534:65534 "$ASDIR/noread.json"
	as_user estimate "$ASDIR/noread.json"
	check "unreadable config: Permission denied${AS:+ (as uid 65534)}" \
		'[ $rc = 2 ] && echo "$err" | grep -q "Permission denied"' \
		"rc=$rc err=$err"
	# A folder that cannot be searched: EACCES, not "no such file".
	mkdir "$ASDIR/closed"
	cp "$SRC/data/models/$MODEL.json" "$ASDIR/closed/config.json"
	$ROOT && chown -R 65534:65534 "$ASDIR/closed"
	chmod 000 "$ASDIR/closed"
	as_user estimate "$ASDIR/closed/config.json"
	check "config in an unsearchable folder: Permission denied${AS:+ (as uid 65534)}" \
		'[ $rc = 2 ] && echo "$err" | grep -q "Permission denied"' \
		"rc=$rc err=$err"
	chmod 700 "$ASDIR/closed"
else
	skip "unreadable config" "$NOBODY"
	skip "config in an unsearchable folder" "$NOBODY"
fi

# ---- long paths -----------------------------------------------------------
# A path is used whole or refused ("path too long"), never cut: a 1,101-byte
# path once estimated another file and exited 0.
deep=$T/long
i=0
while [ $i -lt 9 ]; do
	deep=$deep/$(printf '%0120d' $i)
	i=$((i + 1))
done
mkdir -p "$deep"
cp "$SRC/data/models/$MODEL.json" "$deep/m.json"
run estimate "$deep/m.json"
check "config at a ${#deep}-byte path: read whole" \
	'[ $rc = 0 ] && echo "$out" | grep -q "^m (Qwen2"' "rc=$rc err=$err"
cat >"$deep/plan.yaml" <<EOY
model: ./m.json
hardware: h100-80gb
checks:
  - name: fits
    seq: 1024
EOY
run check "$deep/plan.yaml"
# The error line names the plan by its whole path (struct mp_error holds
# PATH_MAX bytes; it once kept 256 and showed "...<tail>").
check "plan in a ${#deep}-byte folder: ./m.json too long to hold, said" \
	'[ $rc = 2 ] && [ "${err#"memplan: $deep/plan.yaml:1:8: model: path too long"}" != "$err" ]' \
	"rc=$rc err=$err"
mkdir -p "$T/short"
cp "$deep/plan.yaml" "$deep/m.json" "$T/short/"
(cd "$T" && timeout 20 "$M" check short/plan.yaml >"$T/out" 2>"$T/err") ||
	true
check "plan in a short folder: ./m.json beside it" \
	'grep -q "fits" "$T/out"' "err=$(cat "$T/err")"
while [ ${#deep} -lt 4200 ]; do
	deep=$deep/$(printf '%0200d' 0)
done
mkdir -p "$deep" 2>/dev/null
run estimate "$deep/m.json"
# No open() takes it: the line keeps the path's end after "...".
check "config past PATH_MAX: one line, exit 2, the path's end after ..." \
	'[ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] &&
	 echo "$err" | grep -q "^memplan: \.\.\..*0/m\.json: "' "rc=$rc err=$err"

# Paths from the environment: refused when they cannot be held, never cut
# (a 5,000-byte MEMPLAN_DATADIR once said "not found", a long
# $MEMPLAN_HARDWARE "needs a machine").
envlong=$(i=0; p=; while [ $i -lt 25 ]; do p=$p/$(printf '%0199d' $i);
	i=$((i + 1)); done; echo "$p")
for cmd in "estimate $MODEL" "estimate $MODEL --hardware h100-80gb" \
    "models" "hardware"; do
	rc=0
	MEMPLAN_DATADIR=$envlong timeout 20 "$M" $cmd >"$T/out" 2>"$T/err" \
	    </dev/null || rc=$?
	err=$(cat "$T/err")
	check "MEMPLAN_DATADIR of ${#envlong} bytes ($cmd): path too long" \
		'[ $rc = 2 ] && [ "$err" = "memplan: MEMPLAN_DATADIR: path too long (at most 3840 bytes)" ]' \
		"rc=$rc err=$err"
done
for cmd in "fit $MODEL" "sweep $MODEL --over seq=1k..4k"; do
	rc=0
	MEMPLAN_HARDWARE=$envlong timeout 20 "$M" $cmd >"$T/out" 2>"$T/err" \
	    </dev/null || rc=$?
	err=$(cat "$T/err")
	check "MEMPLAN_HARDWARE of ${#envlong} bytes ($cmd): path too long" \
		'[ $rc = 2 ] && [ "$err" = "memplan: MEMPLAN_HARDWARE: path too long (at most 4095 bytes)" ]' \
		"rc=$rc err=$err"
done
rc=0
MEMPLAN_HARDWARE=$envlong timeout 20 "$M" estimate $MODEL --hardware h100-80gb \
    >"$T/out" 2>"$T/err" </dev/null || rc=$?
check "MEMPLAN_HARDWARE too long but --hardware given: unused, fine" \
	'[ $rc = 0 ]' "rc=$rc err=$(cat "$T/err")"

# ---- resources ---------------------------------------------------------
# The worst input we can build within each documented limit (README,
# "Reliability"): read or refused within a time and a peak-RSS bound.
# RSS is measured by GNU time (%M, KiB; Debian: time, installed by
# tools/setup.sh).  The bounds are for the release build: under ASan
# (shadow memory, quarantine) the RSS bound is not checked, saying so,
# and the time bound is four times longer.  The times are generous for
# a loaded shared machine; each is several times what we measured.
SAN=false
ldd "$M" 2>/dev/null | grep -q libasan && SAN=true
# bounded NAME SECS MIB EXPECT_RC ERR_PATTERN memplan-args...
bounded() { what=$1 secs=$2 mib=$3 want=$4 pat=$5; shift 5
	$SAN && secs=$((secs * 4))
	rc=0
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$T/tm" -f '%e %M' timeout $((secs + 30)) \
		    "$M" "$@" >/dev/null 2>"$T/err" </dev/null || rc=$?
		took=$(cut -d' ' -f1 <"$T/tm" | tail -1)
		kib=$(cut -d' ' -f2 <"$T/tm" | tail -1)
	else
		start=$(date +%s)
		timeout $((secs + 30)) "$M" "$@" >/dev/null 2>"$T/err" \
		    </dev/null || rc=$?
		took=$(($(date +%s) - start)) kib=
	fi
	err=$(head -c 300 "$T/err")
	mb=$(( ${kib:-0} / 1024 ))
	check "$what: exit $want in ${took} s (bound ${secs} s)" \
	    '[ $rc = $want ] && echo "$err" | grep -q -e "$pat" &&
	     [ "${took%.*}" -lt $secs ]' "rc=$rc took=$took err=$err"
	if $SAN; then
		skip "$what: peak RSS ${mb} MiB" "ASan build: the bound (${mib} MiB) is for the release build"
	elif [ -z "$kib" ]; then
		skip "$what: peak RSS" "no /usr/bin/time (Debian: time)"
	else
		check "$what: peak RSS ${mb} MiB (bound ${mib} MiB)" \
		    '[ $mb -lt $mib ]' "kib=$kib"
	fi
}
if command -v python3 >/dev/null 2>&1; then
	# The generators write exactly the inputs of the README's table.
	python3 - "$T" "$SRC/data/models/$MODEL.json" <<'EOP'
import json, os, struct, sys
d, cfg = sys.argv[1], json.load(open(sys.argv[2]))
LIMIT = 1048576              # JSON values in a config.json (jsonread.c)
n = LIMIT - len(cfg) - 100
with open(d + '/cfg-keys.json', 'w') as f:     # 1,048,476 keys, 13.6 MB
    f.write(json.dumps(cfg)[:-1] + ',' +
            ','.join('"k%07d":0' % i for i in range(n)) + '}')
with open(d + '/cfg-array.json', 'w') as f:    # one array, as many values
    f.write(json.dumps(cfg)[:-1] + ',"junk":[' + ','.join(['0'] * n) + ']}')
with open(d + '/cfg-16mib.json', 'w') as f:    # 16 MiB: 8.4 M values
    f.write('{"model_type":"llama","junk":[' +
            ','.join(['0'] * ((16 << 20) // 2 - 100)) + ']}')
def st(folder, header, data):
    os.makedirs(d + '/' + folder)
    json.dump(cfg, open(d + '/' + folder + '/config.json', 'w'))
    with open(d + '/' + folder + '/model.safetensors', 'wb') as f:
        f.write(struct.pack('<Q', len(header)) + header + data)
t = 500000                   # 500,000 tensors: a 34 MB header
st('st-500k', json.dumps({'junk.%06d' % i: {'dtype': 'F32', 'shape': [1],
   'data_offsets': [4 * i, 4 * i + 4]} for i in range(t)}).encode(),
   b'\0' * (4 * t))
st('st-array', ('{"a":[' + ','.join(['0'] * ((100 << 20) // 2 - 100)) +
   ']}').encode(), b'')      # a 100 MiB header of one array
def s(b): b = b.encode(); return struct.pack('<Q', len(b)) + b
def u32(k, v): return s(k) + struct.pack('<II', 4, v)
kv = [s('general.architecture') + struct.pack('<I', 8) + s('llama')]
kv += [u32('junk.key%07d' % i, i) for i in range(1000000)]
kv += [u32('llama.block_count', 4096), u32('llama.embedding_length', 256),
       u32('llama.attention.head_count', 4),
       s('llama.attention.head_count_kv') + struct.pack('<IIQ', 9, 5, 4096)
       + struct.pack('<i', 4) * 4096,
       u32('llama.feed_forward_length', 512),
       u32('llama.context_length', 2048), u32('llama.vocab_size', 1000)]
out = b'GGUF' + struct.pack('<IQQ', 3, 1, len(kv)) + b''.join(kv)
out += s('token_embd.weight') + struct.pack('<IQQIQ', 2, 256, 1000, 0, 0)
out += b'\0' * ((32 - len(out) % 32) % 32) + b'\0' * (256000 * 4)
open(d + '/many-keys.gguf', 'wb').write(out)
with open(d + '/yaml-values.yaml', 'w') as f:  # 1,048,556 values
    f.write('name: t\nram: 1 GiB\ndevices:\n  - name: g\n    type: gpu\n'
            '    memory: 1 GiB\njunk:\n' + '  - 0\n' * (LIMIT - 20))
with open(d + '/yaml-64mib.yaml', 'w') as f:   # 64 MiB of list items
    f.write('name: t\njunk:\n' + '- 0\n' * ((64 << 20) // 4 - 8))
EOP
	bounded "config.json, 1,048,476 keys in one object" 30 400 0 "" \
	    estimate "$T/cfg-keys.json"
	bounded "config.json, one array of 1,048,476 values" 15 256 0 "" \
	    estimate "$T/cfg-array.json"
	bounded "config.json, 16 MiB of 8.4 M values: refused" 10 64 2 \
	    "more than 1048576 JSON values" estimate "$T/cfg-16mib.json"
	rm -f "$T"/cfg-*.json
	bounded "safetensors, 500,000 tensors (34 MB header)" 60 1024 0 "" \
	    estimate "$T/st-500k"
	bounded "safetensors, 100 MiB header of one array: refused" 15 256 2 \
	    "more than 4194304 JSON values" estimate "$T/st-array"
	rm -rf "$T/st-500k" "$T/st-array"
	bounded "GGUF, 4,096 layers, 1,000,000 keys before the model's" 20 \
	    256 0 "" estimate "$T/many-keys.gguf"
	rm -f "$T/many-keys.gguf"
	bounded "YAML profile, 1,048,556 values: refused (unknown key)" 20 \
	    400 2 "junk: unknown key" estimate $MODEL --hardware \
	    "$T/yaml-values.yaml"
	bounded "YAML profile, 64 MiB of list items: refused" 20 160 2 \
	    "more than 1048576 values" estimate $MODEL --hardware \
	    "$T/yaml-64mib.yaml"
	rm -f "$T"/yaml-*.yaml
else
	skip "resource bounds" "no python3 to build the inputs"
fi

# ---- hostile names ------------------------------------------------------
# Escape sequences (title, colours, OSC 52), C1 controls and invalid UTF-8
# in names from files: no control byte reaches a report; JSON stays valid
# UTF-8.
E=$(printf '\033')
B=$(printf '\007')
C1=$(printf '\302\233')
BADU=$(printf '\377\376')
sed "s/\"Qwen2ForCausalLM\"/\"Evil${E}]52;c;cHduZWQ=${B}${E}[31mRED${C1}2J${BADU}\"/" \
	"$SRC/data/models/$MODEL.json" >"$T/evil${E}[1m.json"
grep -q "Evil" "$T/evil${E}[1m.json" || echo "# setup: sed did not apply"
cat >"$T/evil-hw.yaml" <<EOY
name: "hw\e]0;title\a"
description: "desc\e[2J\x9b"
ram: 64 GiB
devices:
  - name: "gpu\e[5m"
    type: gpu
    memory: 24 GiB
EOY
mkdir -p "$T/plan"
cp -r "$SRC/tests/fixtures/tiny-llama" "$T/tiny-llama"
cp -r "$SRC/tests/fixtures/hardware" "$T/hardware"
cat >"$T/plan/evil.yaml" <<EOY
model: ../tiny-llama
hardware: ../hardware/tiny-gpu.yaml
checks:
  - name: "check\e]0;x\a\x85 one"
    seq: 2048
EOY
# no_controls FILE: true when FILE holds no C0 (but \n \t), DEL or C1
# control and is valid UTF-8.
no_controls() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import sys, unicodedata
b = open(sys.argv[1], "rb").read()
t = b.decode("utf-8")
bad = [c for c in t if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
sys.exit(1 if bad else 0)' "$1"
	else
		! LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1"
	fi
}
hostile() { name=$1; shift
	rc=0
	timeout 20 "$M" "$@" >"$T/hout" 2>"$T/herr" </dev/null || rc=$?
	check "hostile names: $name" \
	    '[ $rc -le 1 ] && [ -s "$T/hout" ] && no_controls "$T/hout" &&
	     no_controls "$T/herr"' "rc=$rc err=$(cat "$T/herr" | od -c | head -3)"; }
for f in text markdown json; do
	hostile "estimate --format $f" estimate "$T/evil${E}[1m.json" \
	    --format $f
	hostile "estimate --hardware --format $f" estimate $MODEL \
	    --hardware "$T/evil-hw.yaml" --format $f
	hostile "hardware PROFILE --format $f" hardware "$T/evil-hw.yaml" \
	    --format $f
	hostile "plan --format $f" plan "$T/evil${E}[1m.json" \
	    --hardware "$T/evil-hw.yaml" --format $f
done
for f in text markdown json junit; do
	hostile "check --format $f" check "$T/plan/evil.yaml" --format $f
done
hostile "sweep --format csv" sweep "$T/evil${E}[1m.json" --over seq=1k..2k \
	--format csv
hostile "fit --format markdown" fit "$T/evil${E}[1m.json" \
	--hardware "$T/evil-hw.yaml" --solve seq --format markdown
if command -v python3 >/dev/null 2>&1; then
	"$M" estimate "$T/evil${E}[1m.json" --format json >"$T/j.json" 2>&1
	check "JSON with invalid UTF-8 in a name parses (U+FFFD)" \
		'python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding=\"utf-8\")); assert \"\\ufffd\" in json.dumps(d, ensure_ascii=False)" "$T/j.json"' \
		"$(head -c 300 "$T/j.json")"
else
	skip "JSON with invalid UTF-8" "no python3"
fi

echo "1..$n"
[ $bad = 0 ]
