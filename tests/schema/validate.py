#!/usr/bin/env python3
# validate.py: every JSON document memplan prints validates against
# data/schema/memplan-1.schema.json (JSON Schema draft 2020-12).
# SPDX-License-Identifier: MIT
#
# usage: validate.py SCHEMA GOLDEN_DIR MEMPLAN_BINARY
#
# Checks, in order: the schema is itself a valid draft 2020-12 schema; every
# golden case under GOLDEN_DIR that asks for --format json has a .stdout that
# validates; live output of each command on the bundled data validates.
# Each document is validated twice: against the whole schema (exactly one
# kind of document matches) and against the definition of the command that
# printed it, so that errors name the right part.  Exit 77 (meson's "skip")
# only when python3-jsonschema is missing.

import json
import os
import subprocess
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("1..0 # SKIP python3-jsonschema is not installed")
    sys.exit(77)

KINDS = {
    "estimate": "estimate", "plan": "plan", "fit": "fit", "sweep": "sweep",
    "check": "check", "models": "models",
}
COMPONENTS = ("weights", "kv_cache", "activations", "logits", "gradients",
              "optimizer", "adapters", "runtime")

failures = 0
count = 0


def tap(ok, name, detail=""):
    global failures, count
    count += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", count, name))
    if not ok:
        failures += 1
        for line in detail.splitlines()[:40]:
            print("# " + line)


def kind_of(args, doc):
    cmd = args[0] if args else ""
    if cmd == "hardware":
        if isinstance(doc.get("hardware"), list):
            return "hardware_list"
        return "hardware_show"
    return KINDS.get(cmd)


def mode_of(obj, doc):
    for o in (obj, doc):
        sc = o.get("scenario")
        if isinstance(sc, dict):
            return sc.get("mode")
    return None


def memories(doc):
    """Every memory object in a document, with where it is and its mode."""
    if isinstance(doc.get("memory"), dict):
        yield "memory", doc["memory"], mode_of(doc, doc)
    for key in ("options", "points"):
        for i, item in enumerate(doc.get(key) or []):
            if isinstance(item, dict) and isinstance(item.get("memory"),
                                                     dict):
                yield ("%s[%d].memory" % (key, i), item["memory"],
                       mode_of(item, doc))


def problems(validator, root, kind, doc):
    """Schema errors plus the invariants a schema cannot say."""
    errs = []
    for e in validator.iter_errors(doc):
        if e.validator == "oneOf" and e.json_path == "$":
            errs.append("whole schema: not exactly one kind of document "
                        "(estimate, plan, fit, sweep, check, models, "
                        "hardware)")
        else:
            errs.append("whole schema: %s: %s" % (e.json_path,
                                                  e.message[:300]))
    if kind is not None:
        sub = Draft202012Validator({"$ref": "#/$defs/" + kind,
                                    "$defs": root["$defs"]})
        for e in sorted(sub.iter_errors(doc), key=lambda e: e.json_path):
            errs.append("%s: %s: %s" % (kind, e.json_path, e.message[:300]))
    else:
        errs.append("no schema kind for this command")
    # SPEC.md: memory.total is the sum of the components.  A conversion
    # reports its peak resident memory there instead (the convert object
    # has the per-step figures), so it is left out.
    for where, m, mode in memories(doc):
        if mode != "convert" and all(isinstance(m.get(c), int) for c in COMPONENTS + ("total",)):
            s = sum(m[c] for c in COMPONENTS)
            if s != m["total"]:
                errs.append("%s.total is %d, the components sum to %d" %
                            (where, m["total"], s))
    if kind == "check" and isinstance(doc.get("checks"), list):
        p = sum(1 for c in doc["checks"] if c.get("pass") is True)
        if doc.get("passed") != p or doc.get("failed") != len(doc["checks"]) - p:
            errs.append("passed/failed do not count the checks")
    return errs


def wants_json(args):
    for i, a in enumerate(args):
        if a in ("--format=json", "-fjson"):
            return True
        if a in ("--format", "-f") and i + 1 < len(args) and \
                args[i + 1] == "json":
            return True
    return False


def golden_cases(validator, root, gdir):
    n = 0
    for name in sorted(os.listdir(gdir)):
        if not name.endswith(".args"):
            continue
        with open(os.path.join(gdir, name)) as f:
            args = [l for l in f.read().split("\n") if l != ""]
        if "json" not in " ".join(args) or not wants_json(args):
            continue
        base = name[:-5]
        path = os.path.join(gdir, base + ".stdout")
        n += 1
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            tap(False, "golden " + base, "cannot read %s: %s" % (path, e))
            continue
        errs = problems(validator, root, kind_of(args, doc), doc)
        tap(not errs, "golden " + base, "\n".join(errs))
    tap(n > 0, "golden cases found (%d)" % n, "no JSON golden case in " + gdir)


def live(validator, root, exe, args):
    name = "live memplan " + " ".join(args)
    p = subprocess.run([exe] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if p.returncode not in (0, 1):
        tap(False, name, "exit %d: %s" % (p.returncode,
                                          p.stderr.decode(errors="replace")))
        return
    try:
        doc = json.loads(p.stdout)
    except ValueError as e:
        tap(False, name, "not JSON: %s" % e)
        return
    errs = problems(validator, root, kind_of(args, doc), doc)
    tap(not errs, name, "\n".join(errs))


def bundled(sub, ext):
    d = os.path.join(os.environ.get("MEMPLAN_DATADIR", ""), sub)
    try:
        return sorted(n[:-len(ext)] for n in os.listdir(d) if n.endswith(ext))
    except OSError:
        return []


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: validate.py SCHEMA GOLDEN_DIR MEMPLAN\n")
        return 2
    schema_path, gdir, exe = sys.argv[1:]
    with open(schema_path) as f:
        root = json.load(f)
    try:
        Draft202012Validator.check_schema(root)
        tap(True, "schema is valid draft 2020-12")
    except jsonschema.exceptions.SchemaError as e:
        tap(False, "schema is valid draft 2020-12", str(e))
        print("1..%d" % count)
        return 1
    validator = Draft202012Validator(root)

    # The schema must refuse what the contract forbids, or it checks nothing.
    bad = {"schema": "memplan/2", "checks": [], "passed": 0, "failed": 0}
    tap(not validator.is_valid(bad), "schema refuses another version")
    bad = {"schema": "memplan/1", "checks": [{"name": "x", "pass": True,
           "predicted": -1, "budget": 0, "margin": 0, "scenario": {}}],
           "passed": 1, "failed": 0}
    tap(not validator.is_valid(bad), "schema refuses negative bytes")

    golden_cases(validator, root, gdir)

    fix = os.path.join(gdir, "..", "fixtures")
    m = "qwen2.5-7b-instruct"
    runs = [
        ["models", "--format", "json"],
        ["hardware", "--format", "json"],
        ["estimate", m, "--format", "json"],
        ["estimate", m, "--hardware", "rtx-4090", "--format", "json"],
        ["estimate", m, "--mode", "lora", "--grad-ckpt", "--format", "json"],
        ["estimate", m, "--mode", "qlora", "--format", "json"],
        ["estimate", m, "--mode", "full", "--optimizer", "adamw8bit",
         "--format", "json"],
        ["estimate", m, "--convert-pipeline", "streaming", "--format",
         "json"],
        ["estimate", m, "--runtime", "llamacpp", "--weights", "q4_k_m",
         "--gpu-layers", "10", "--format", "json"],
        ["estimate", m, "--runtime", "vllm", "--hardware", "a100-80gb",
         "--format", "json"],
        ["plan", m, "--hardware", "rtx-4090", "--format", "json"],
        ["plan", m, "--hardware", "workstation-16gb", "--format", "json"],
        ["fit", m, "--hardware", "rtx-4090", "--solve", "seq", "--format",
         "json"],
        ["fit", m, "--hardware", "rtx-4060-8gb", "--solve", "weights",
         "--format", "json"],
        ["fit", m, "--hardware", "rtx-4060-8gb", "--runtime", "llamacpp",
         "--weights", "q4_k_m", "--solve", "layers", "--format", "json"],
        ["sweep", m, "--over", "seq=1k..128k", "--format", "json"],
        ["sweep", m, "--over", "batch=1,8,32", "--hardware", "h100-80gb",
         "--format", "json"],
        ["check", os.path.join(fix, "plan", "ci.yaml"), "--format", "json"],
    ]
    for hw in bundled("hardware", ".yaml"):
        runs.append(["hardware", hw, "--format", "json"])
    for model in bundled("models", ".json"):
        runs.append(["estimate", model, "--format", "json"])
    for args in runs:
        live(validator, root, exe, args)
    print("1..%d" % count)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
