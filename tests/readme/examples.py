#!/usr/bin/env python3
# tests/readme/examples.py: the README's examples are memplan's real output.
#
#   examples.py README.md build/memplan
#
# Every "$ memplan ..." line in a fenced block of the README is run (with
# the tests' environment: bundled data, no user profile, no network), and
# every line printed under it, up to the next "$ " line, a blank line or
# the fence, must be a line of that run's output, in the same order ("..."
# alone stands for lines left out; a line ending in " ..." for the start
# of a longer line).  Examples that fetch a model over the
# network (an Org/Name id, a "hf.co" or "ollama:" reference, a URL) are
# the remote tests' (tests/remote) and are only listed here.
import os
import shlex
import subprocess
import sys


def examples(readme):
    """(line number, command, [expected lines]) of each example."""
    out, fence, cur = [], False, None
    with open(readme, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("```"):
                fence = not fence
                cur = None
                continue
            if not fence:
                continue
            if line.startswith("$ memplan "):
                cur = (n, line[2:], [])
                out.append(cur)
            elif line.startswith("$ ") or line == "":
                cur = None
            elif cur is not None:
                cur[2].append(line)
    return out


def remote(argv):
    model = argv[2] if len(argv) > 2 else ""
    return ("/" in model and not os.path.exists(model)) or \
        model.startswith("ollama:") or "://" in model


def main():
    readme, memplan = sys.argv[1], os.path.abspath(sys.argv[2])
    env = dict(os.environ, HF_HUB_OFFLINE="1", MEMPLAN_HARDWARE="",
               COLUMNS="400", NO_COLOR="1")
    root = os.path.dirname(os.path.abspath(readme))
    bad = ran = 0
    for n, cmd, want in examples(readme):
        argv = shlex.split(cmd.split("  #")[0])
        if remote(argv):
            print(f"# README.md:{n}: {cmd}: remote (tests/remote)")
            continue
        ran += 1
        run = subprocess.run([memplan] + argv[1:], cwd=root, env=env,
                             capture_output=True, text=True)
        got = run.stdout.splitlines()
        at = 0
        for w in want:
            if w.strip() == "...":
                continue
            try:
                if w.endswith(" ..."):
                    head = w[:-4].rstrip()
                    at = next(i for i in range(at, len(got))
                              if got[i].startswith(head)) + 1
                else:
                    at = got.index(w, at) + 1
            except (ValueError, StopIteration):
                print(f"not ok README.md:{n}: {cmd}\n#   expected: {w}")
                near = [g for g in got if g.split()[:2] == w.split()[:2]]
                if near:
                    print(f"#   got:      {near[0]}")
                bad += 1
                break
        else:
            print(f"ok README.md:{n}: {cmd}")
    if ran < 20:
        print(f"not ok: only {ran} examples found in {readme}")
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
