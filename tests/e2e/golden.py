#!/usr/bin/env python3
"""tests/e2e/golden.py: netscope against tshark's recorded answers, field by field.

Usage: golden.py --netscope PATH [--update] [--only NAME] [--verbose]

Runs every case of tests/e2e/manifest (format at the top of that file) as
    PATH -n -r CAPTURE -T fields -E separator=/t -E occurrence=a -E aggregator=, -E quote=n ARGS
from the repository root, and compares its standard output with the case's expected file
frame by frame and field by field, and its exit status and standard error with what the
case expects. Differences listed in tests/e2e/pinned.tsv are intended and pass; an
unpinned difference fails, and so does a pinned one that no longer happens.

Prints one line per case (PASS / FAIL / SKIP) with the first few differences of a failing
case, then exactly "N passed, N failed" (", N skipped" when some were). Exit status: 0 all
passed, 1 some failed, 2 the run could not start (no netscope binary, bad manifest).

--only NAME   run the cases whose name is NAME or matches it as a shell pattern ('dns_*').
--update      rewrite the expected files of the cases marked oracle=netscope from netscope's
              output (after review). tshark's files are written by captures/update-expected.sh.
--verbose     print every difference, not only the first few.

Python standard library only.
"""
import argparse
import fnmatch
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MANIFEST = os.path.join(HERE, "manifest")
PINNED = os.path.join(HERE, "pinned.tsv")
FIXED_ARGS = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,",
              "-E", "quote=n"]
SHOW = 5                # differences printed per failing case
TIMEOUT = 60            # seconds per netscope run
PINNED_HEADER = ["name", "field", "frame", "tshark", "netscope", "reason"]
# Pseudo-fields a pin may name besides real field names.
EXIT, STDERR, FRAME = "<exit>", "<stderr>", "<frame>"


class SetupError(Exception):
    pass


class Case:
    def __init__(self, lineno, name, capture, args, expected, opts):
        self.lineno = lineno
        self.name = name
        self.capture = capture
        self.args = args            # argv words after FIXED_ARGS
        self.fields = [args[i + 1] for i in range(len(args) - 1) if args[i] == "-e"]
        self.expected = expected
        self.exit = int(opts.get("exit", "0"))
        self.oracle = opts.get("oracle", "tshark")
        self.skip = opts.get("skip")


def parse_manifest(path):
    groups = {}
    cases = []
    names = set()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            where = f"{os.path.relpath(path, ROOT)}:{lineno}"
            if words[0] == "fields":
                if len(words) < 3:
                    raise SetupError(f"{where}: 'fields' needs a group name and at least one field")
                groups[words[1]] = words[2:]
                continue
            if len(words) < 4:
                raise SetupError(f"{where}: expected 'NAME CAPTURE ARGS EXPECTED [KEY=VALUE ...]'")
            name, capture, argtok, expected = words[:4]
            opts = {}
            for kv in words[4:]:
                k, sep, v = kv.partition("=")
                if not sep or k not in ("exit", "oracle", "skip"):
                    raise SetupError(f"{where}: unknown option {kv!r} (exit=N, oracle=tshark|netscope, skip=WHY)")
                opts[k] = v
            if "exit" in opts and not opts["exit"].isdigit():
                raise SetupError(f"{where}: exit= takes a number")
            if opts.get("oracle", "tshark") not in ("tshark", "netscope"):
                raise SetupError(f"{where}: oracle= is tshark or netscope")
            if name in names:
                raise SetupError(f"{where}: case {name!r} is defined twice")
            names.add(name)
            args = []
            if argtok != "-":
                for w in argtok.split(","):
                    if w.startswith("@"):
                        if w[1:] not in groups:
                            raise SetupError(f"{where}: unknown field group {w!r} (define it with a 'fields' line first)")
                        for fld in groups[w[1:]]:
                            args += ["-e", fld]
                    elif w:
                        args.append(w)
            cases.append(Case(lineno, name, capture, args, expected, opts))
    return groups, cases


class Pin:
    def __init__(self, lineno, row):
        self.lineno = lineno
        self.name, self.field, self.frame, self.tshark, self.netscope, self.reason = row
        self.used = False

    def matches(self, name, field, frame, exp, got):
        return (self.name == name and self.field == field
                and (self.frame == "*" or self.frame == str(frame))
                and self.tshark == exp and self.netscope == got)

    def __str__(self):
        return (f"pinned.tsv:{self.lineno}: {self.name} frame {self.frame} {self.field}: "
                f"tshark {self.tshark!r}, netscope {self.netscope!r}")


def parse_pinned(path):
    pins = []
    if not os.path.exists(path):
        return pins
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            row = line.split("\t")
            if row == PINNED_HEADER:
                continue
            if len(row) != 6:
                raise SetupError(f"pinned.tsv:{lineno}: expected 6 tab-separated columns "
                                 f"({' '.join(PINNED_HEADER)}), got {len(row)}")
            if not row[5].strip():
                raise SetupError(f"pinned.tsv:{lineno}: a pinned difference needs a reason")
            if row[2] != "*" and row[2] != "-" and not row[2].isdigit():
                raise SetupError(f"pinned.tsv:{lineno}: frame is a number, '*' (any) or '-' (not per frame)")
            pins.append(Pin(lineno, row))
    return pins


def lines_of(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def compare(case, exp_text, got_text):
    """The differences as (frame, field, expected, got); frame is '-' for whole-run ones."""
    diffs = []
    exp_lines, got_lines = lines_of(exp_text), lines_of(got_text)
    ncol = len(case.fields)
    for i in range(max(len(exp_lines), len(got_lines))):
        frame = i + 1
        if i >= len(got_lines):
            diffs.append((frame, FRAME, "present", "missing"))
            continue
        if i >= len(exp_lines):
            diffs.append((frame, FRAME, "missing", "present"))
            continue
        e, g = exp_lines[i].split("\t"), got_lines[i].split("\t")
        if len(g) != ncol or len(e) != ncol:
            if len(e) != ncol:
                diffs.append((frame, "<columns>", f"{ncol} columns", f"expected file has {len(e)}"))
            if len(g) != ncol:
                diffs.append((frame, "<columns>", f"{ncol} columns", f"{len(g)} columns: {got_lines[i]!r}"))
            continue
        for fld, ev, gv in zip(case.fields, e, g):
            if ev != gv:
                diffs.append((frame, fld, ev, gv))
    return diffs


def check_status(case, rc, stderr):
    diffs = []
    if rc != case.exit:
        diffs.append(("-", EXIT, str(case.exit), str(rc)))
    err_lines = lines_of(stderr)
    if case.exit == 0:
        if err_lines:
            diffs.append(("-", STDERR, "(empty)", err_lines[0] + (" ..." if len(err_lines) > 1 else "")))
    else:
        prefix = f"netscope: {case.capture}: "
        if len(err_lines) != 1 or not err_lines[0].startswith(prefix) or len(err_lines[0]) == len(prefix):
            got = " | ".join(err_lines) if err_lines else "(empty)"
            diffs.append(("-", STDERR, f"one line '{prefix}<what is wrong>'", got))
    return diffs


def run_case(case, netscope):
    cmd = [netscope, "-n", "-r", case.capture] + FIXED_ARGS + case.args
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT} s", ""
    out = p.stdout.decode("utf-8", errors="backslashreplace")
    err = p.stderr.decode("utf-8", errors="backslashreplace")
    if p.returncode < 0:
        return p.returncode, out, err
    return p.returncode, out, err


def fmt(v):
    return repr(v) if v != "" else "''"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--netscope", required=True, help="the netscope binary")
    ap.add_argument("--update", action="store_true",
                    help="rewrite expected files of oracle=netscope cases from netscope's output")
    ap.add_argument("--only", metavar="NAME", help="run only this case (or shell pattern)")
    ap.add_argument("--verbose", action="store_true", help="print every difference")
    a = ap.parse_args()

    netscope = os.path.abspath(a.netscope)
    if not (os.path.isfile(netscope) and os.access(netscope, os.X_OK)):
        print(f"golden.py: netscope binary not found or not executable: {a.netscope}", file=sys.stderr)
        return 2
    try:
        _, cases = parse_manifest(MANIFEST)
        pins = parse_pinned(PINNED)
    except (SetupError, OSError) as e:
        print(f"golden.py: {e}", file=sys.stderr)
        return 2

    selected = cases
    if a.only:
        selected = [c for c in cases if c.name == a.only or fnmatch.fnmatchcase(c.name, a.only)]
        if not selected:
            print(f"golden.py: no case matches {a.only!r}", file=sys.stderr)
            return 2

    passed = failed = skipped = 0
    for case in selected:
        if case.skip:
            print(f"SKIP {case.name}: {case.skip}")
            skipped += 1
            continue
        problems = []
        cap_path = os.path.join(ROOT, case.capture)
        exp_path = os.path.join(ROOT, case.expected)
        if not os.path.isfile(cap_path):
            problems.append(f"capture {case.capture} not found (run captures/make_captures.py)")
        if not os.path.isfile(exp_path) and not (a.update and case.oracle == "netscope"):
            problems.append(f"expected file {case.expected} not found (run captures/update-expected.sh)")
        if problems:
            print(f"FAIL {case.name}: " + "; ".join(problems))
            failed += 1
            continue

        rc, out, err = run_case(case, netscope)
        if rc is None:
            print(f"FAIL {case.name}: {out}")
            failed += 1
            continue
        if rc < 0:
            print(f"FAIL {case.name}: netscope died of signal {-rc}" + (f": {lines_of(err)[-1]}" if err.strip() else ""))
            failed += 1
            continue

        if a.update and case.oracle == "netscope":
            os.makedirs(os.path.dirname(exp_path), exist_ok=True)
            with open(exp_path, "w", encoding="utf-8") as f:
                f.write(out)
            print(f"UPDATED {case.name}: {case.expected} ({len(lines_of(out))} lines)")

        with open(exp_path, encoding="utf-8") as f:
            exp = f.read()
        diffs = check_status(case, rc, err) + compare(case, exp, out)

        unpinned = []
        npinned = 0
        for frame, fld, ev, gv in diffs:
            pin = next((p for p in pins if p.matches(case.name, fld, frame, ev, gv)), None)
            if pin:
                pin.used = True
                npinned += 1
            else:
                unpinned.append((frame, fld, ev, gv))
        stale = [p for p in pins if p.name == case.name and not p.used]

        note = f" ({npinned} pinned difference{'s' if npinned != 1 else ''})" if npinned else ""
        if not unpinned and not stale:
            print(f"PASS {case.name}{note}")
            passed += 1
            continue
        failed += 1
        what = []
        if unpinned:
            what.append(f"{len(unpinned)} difference{'s' if len(unpinned) != 1 else ''}")
        if stale:
            what.append(f"{len(stale)} pinned difference{'s' if len(stale) != 1 else ''} no longer happen{'s' if len(stale) == 1 else ''}")
        print(f"FAIL {case.name}: {', '.join(what)}{note}")
        shown = unpinned if a.verbose else unpinned[:SHOW]
        for frame, fld, ev, gv in shown:
            where = f"frame {frame} {fld}" if frame != "-" else fld
            print(f"    {where}: expected {fmt(ev)} got {fmt(gv)}")
        if len(shown) < len(unpinned):
            print(f"    ... {len(unpinned) - len(shown)} more (--verbose shows all)")
        for p in stale:
            print(f"    no longer happens: {p}")

    # Pins naming no case of the manifest are stale too (only checked on a full run).
    if not a.only:
        known = {c.name for c in cases}
        for p in pins:
            if p.name not in known:
                print(f"FAIL pinned.tsv: {p}: no such case in the manifest")
                failed += 1
        covered = {os.path.normpath(c.capture) for c in cases}
        missing = []
        for sub in ("captures", os.path.join("captures", "damaged")):
            d = os.path.join(ROOT, sub)
            if not os.path.isdir(d):
                continue
            for fn in sorted(os.listdir(d)):
                rel = os.path.join(sub, fn)
                if os.path.isfile(os.path.join(ROOT, rel)) and (sub != "captures" or fn.endswith((".pcap", ".pcapng"))):
                    if os.path.normpath(rel) not in covered:
                        missing.append(rel)
        if missing:
            print(f"FAIL manifest: captures with no case: {' '.join(missing)}")
            failed += 1

    tail = f", {skipped} skipped" if skipped else ""
    print(f"{passed} passed, {failed} failed{tail}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
