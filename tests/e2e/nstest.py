"""What the end-to-end scripts share: running a command, recording checks and test cases,
and writing small pcap files. Each script still prints its own summary and picks its exit
code (0 passed, 1 failed, 77 skipped), as meson reads them.

Two styles are in use, by what suits a script:
- check(cond, what): one line per condition, failures collected in FAILURES;
- @case: a function is one test case, an AssertionError fails it, RESULTS holds
  (name, None or the reason) in order; case_if(reason) skips when reason is set."""
import shutil
import struct
import subprocess
import sys

FAILURES = []
RESULTS = []
SKIPPED = []


def run(args, **kw):
    """The command's CompletedProcess, output as text."""
    return subprocess.run(args, capture_output=True, text=True, **kw)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def case(fn, quiet=False):
    """Runs fn now as one test case (use as a decorator)."""
    try:
        fn()
        RESULTS.append((fn.__name__, None))
        if not quiet:
            print(f"ok   {fn.__name__}", flush=True)
    except AssertionError as e:
        why = str(e) or "assertion failed"
        RESULTS.append((fn.__name__, why))
        if not quiet:
            print(f"FAIL {fn.__name__}: {why}", flush=True)
    return fn


def quiet_case(fn):
    """case() without a line per case: for scripts that print every result at the end."""
    return case(fn, quiet=True)


def case_if(skip_reason):
    """A case decorator that skips the case (and says so) when skip_reason is not empty."""
    def wrap(fn):
        if skip_reason:
            SKIPPED.append(fn.__name__)
            print(f"skip {fn.__name__}: {skip_reason}")
            return fn
        return case(fn)
    return wrap


def failed_cases():
    return [r for r in RESULTS if r[1]]


def pcap_bytes(records, linktype=1):
    """A microsecond pcap file: records are (time in integer microseconds, frame bytes),
    each captured whole."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)]
    for ts_us, data in records:
        out.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(data), len(data)))
        out.append(data)
    return b"".join(out)


def finish_checks(tmp):
    """Ends a check() script: the count, tmp removed, exit 1 if a check failed, else 0."""
    print(f"{len(FAILURES)} failed" if FAILURES else "all passed")
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if FAILURES else 0)


def finish_cases(tmp):
    """Ends a @case script: the counts and each failure, tmp kept only when something
    failed; exit 1 on a failure, 77 when every case was skipped, else 0."""
    failed = failed_cases()
    if failed:
        print(f"files kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    skipped = f", {len(SKIPPED)} skipped" if SKIPPED else ""
    print(f"{len(RESULTS) - len(failed)} passed, {len(failed)} failed{skipped}")
    for name, why in failed:
        print(f"  {name}: {why}")
    if not RESULTS:
        sys.exit(77)
    sys.exit(1 if failed else 0)
