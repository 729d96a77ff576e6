#!/usr/bin/env python3
"""The documentation of the command line against the command line.

The options the parser accepts (probed by running netscope), the options `netscope --help`
lists, the OPTIONS of the man page as groff renders it, and the options the bash completion
offers for `netscope -<TAB>` must be one set: an option added to the parser without a line
in each of them fails here. The man page must render without a groff warning, and the
completion is run the way bash runs it: COMP_WORDS, COMP_CWORD and the function's
arguments are those bash set for the same command lines in an interactive shell.

Exits 77 (skipped) after the checks it could run when groff or bash-completion is missing.
"""
import argparse
import glob
import os
import pty
import re
import select
import shutil
import string
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", ".."))
args = ap.parse_args()
NS = os.path.abspath(args.netscope)
SRC = os.path.abspath(args.source)
MAN = os.path.join(SRC, "docs", "netscope.1")
COMPLETION = os.path.join(SRC, "completion", "netscope")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"

failures = []
skipped = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*argv, timeout=20):
    p = subprocess.run([NS, *argv], capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


def accepted(opt):
    """The parser knows opt when it does not call it unknown. Alone on the command line an
    option that takes an argument stops with 'requires an argument', and one that does not
    with 'no input' (or does what it does: -h, -D, ...); neither reads a capture or waits."""
    _, _, err = run(opt)
    return "unknown option" not in err


# --- the parser -------------------------------------------------------------------------

def parser_options():
    """Every one-letter option, probed; every long option named in the CLI's sources
    (a "--name" literal or a {"name", ...} getopt_long entry), kept if the parser takes it."""
    short = {"-" + c for c in string.ascii_letters + string.digits if accepted("-" + c)}
    names = set()
    for path in glob.glob(os.path.join(SRC, "cli", "*.c")):
        text = open(path, encoding="utf-8").read()
        names |= set(re.findall(r'"(--[a-z][a-z0-9-]*)"', text))
        names |= {"--" + n for n in re.findall(r'\{\s*"([a-z][a-z0-9-]+)"\s*,\s*(?:no_argument|'
                                                r'required_argument|optional_argument|[012])', text)}
    return short, {n for n in names if accepted(n)}


# --- --help -------------------------------------------------------------------------------

def help_options():
    rc, out, _ = run("--help")
    check(rc == 0, "netscope --help exits 0")
    check(out.startswith("Usage: netscope "), "the usage line comes first")
    opts = set()
    groups = []
    for line in out.splitlines():
        if re.match(r"^[A-Z][A-Za-z ]+:$", line):
            groups.append(line[:-1])
        m = re.match(r"^  (-[A-Za-z0-9]|--[a-z][a-z0-9-]*)(?:, (--[a-z][a-z0-9-]*))?(?:[ ,]|$)", line)
        if m:
            opts |= {g for g in m.groups() if g}
    # tshark's groups, in tshark's order (tshark --help), where netscope has options of them
    tshark = ["Capture interface", "Capture stop conditions", "Capture output", "Input file",
              "Processing", "Output", "Miscellaneous"]
    check([g for g in groups if g in tshark] == tshark,
          "--help has tshark's groups in tshark's order: %s" % groups)
    return opts


# --- the man page -------------------------------------------------------------------------

def man_text():
    """The page as groff renders it; a groff warning (-ww) is a failure."""
    if shutil.which("groff") is None:
        skipped.append("groff is not installed (apt-get install groff-base)")
        return None
    env = dict(os.environ, LC_ALL="C.UTF-8")
    p = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8", MAN], capture_output=True,
                       text=True, env=env)
    check(p.returncode == 0 and p.stderr == "", "groff -man -ww renders netscope.1 without a "
          "warning" + (": " + p.stderr.strip() if p.stderr else ""))
    if shutil.which("man") is not None:
        m = subprocess.run(["man", "--warnings", "-l", MAN], capture_output=True, text=True,
                           env=dict(env, MANWIDTH="80", MANPAGER="cat", PAGER="cat"))
        check(m.returncode == 0 and m.stderr.strip() == "",
              "man --warnings -l renders netscope.1 cleanly" + (": " + m.stderr.strip() if m.stderr else ""))
    # -P-cbou: plain characters, no overstriking or colours
    p = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", MAN], capture_output=True,
                       text=True, env=dict(env, MANWIDTH="80"))
    # groff prints \- as a minus sign and may hyphenate with U+2010
    return p.stdout.translate({0x2212: "-", 0x2010: "-", 0x2011: "-"})


def man_options(text):
    sections = re.split(r"^([A-Z][A-Z ]+)$", text, flags=re.M)
    by_name = dict(zip(sections[1::2], sections[2::2]))
    for s in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "FIELDS", "FILES", "EXIT STATUS",
              "EXAMPLES", "SEE ALSO"]:
        check(s in by_name, "the man page has a %s section" % s)
    opts = set()
    # a .TP tag: the option at the tag indent, maybe ", --long" after it
    for m in re.finditer(r"^ {7}(-[A-Za-z0-9]|--[a-z][a-z0-9-]*)(?:, (--[a-z][a-z0-9-]*))?(?=[ ,]|$)",
                         by_name.get("OPTIONS", ""), flags=re.M):
        opts |= {g for g in m.groups() if g}
    see = by_name.get("SEE ALSO", "")
    check("tshark(1)" in see and "mergecap(1)" in see, "SEE ALSO names tshark(1) and mergecap(1)")
    fields = " ".join(by_name.get("FIELDS", "").split())
    check("netscope -G fields" in fields and "docs/fields.md" in fields,
          "FIELDS points to netscope -G fields and docs/fields.md")
    files = " ".join(by_name.get("FILES", "").split())
    check("/etc/netscope/netscope.conf" in files and "$XDG_CONFIG_HOME/netscope/netscope.conf" in files,
          "FILES names both configuration files of docs/config.md")
    codes = set(re.findall(r"^ {7}(\d+)\s", by_name.get("EXIT STATUS", ""), flags=re.M))
    check(codes == {"0", "1", "2", "3", "130"}, "EXIT STATUS lists 0 1 2 3 130: %s" % sorted(codes))
    return opts


# --- the bash completion ------------------------------------------------------------------

def complete(words, cword, word=None, line=None):
    """COMPREPLY of _netscope for COMP_WORDS=words, COMP_CWORD=cword, called as bash calls a
    -F function: (command, the text readline completes, the previous word)."""
    words = [NS] + words
    if word is None:
        word = words[cword]
    # COMP_LINE as typed: words split at '=' or ':' were not separated by spaces
    line = NS + " " + line if line is not None else " ".join(words[:cword + 1])
    script = r'''
source "$1"; source "$2"; shift 2
COMP_WORDS=("$@"); COMP_CWORD=$CWORD; COMP_LINE=$LINE; COMP_POINT=${#LINE}
_netscope "${COMP_WORDS[0]}" "$WORD" "${COMP_WORDS[COMP_CWORD-1]}" 2>/dev/null
for w in "${COMPREPLY[@]}"; do printf '%s\0' "$w"; done
'''
    env = dict(os.environ, CWORD=str(cword), LINE=line, WORD=word)
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "complete",
                        BASH_COMPLETION, COMPLETION, *words], capture_output=True, text=True,
                       env=env, timeout=30)
    if p.returncode != 0:
        print(p.stderr)
    # NUL-separated, so that an empty candidate (a bug) shows
    return p.stdout.split("\0")[:-1]


def completion_options():
    got = complete(["-"], 1)
    return set(got)


def completion_behaviour():
    fields = [l.split("\t")[2] for l in run("-G", "fields")[1].splitlines() if l.startswith("F\t")]
    check(len(fields) > 50, "netscope -G fields lists the fields (%d)" % len(fields))
    got = complete(["-e", ""], 2)
    check(sorted(got) == sorted(fields), "-e <TAB> offers exactly the third column of -G fields")
    got = complete(["-e", "tcp.analysis.ack_r"], 2)
    check(got == ["tcp.analysis.ack_rtt"], "-e tcp.analysis.ack_r<TAB> gives tcp.analysis.ack_rtt: %s" % got)
    got = complete(["-c", "5", "-T", "fields", "-e", "netscope.flow.comm"], 6)
    check(got == ["netscope.flow.community_id"], "-e netscope.flow.comm<TAB>, later on the line: %s" % got)
    got = complete(["-T", ""], 2)
    check(sorted(got) == ["ek", "fields", "json", "text"], "-T <TAB> gives fields json ek text: %s" % got)
    got = complete(["-F", ""], 2)
    check(sorted(got) == ["pcap", "pcapng"], "-F <TAB> gives pcapng pcap: %s" % got)
    got = complete(["--flows-format", "j"], 2)
    check(sorted(got) == ["json", "jsonl"], "--flows-format j<TAB>: %s" % got)
    got = complete(["-z", "netscope,"], 2)
    check(sorted(got) == ["netscope,alerts", "netscope,flows", "netscope,stats", "netscope,top"],
          "-z netscope,<TAB> gives the netscope statistics: %s" % got)
    # each -z name the completion offers is one netscope takes
    for z in complete(["-z", ""], 2):
        rc, _, err = run("-r", os.path.join(SRC, "captures", "udp.pcap"), "-q", "-z", z)
        check(rc == 0, "netscope -z %s runs (offered by the completion)%s" % (z, ": " + err.strip() if rc else ""))

    # -Y inside quotes: bash gave COMP_WORDS[2] = the quoted text so far and $2 = the text
    # after the quote (readline replaces that), in an interactive shell
    quoted = "'tcp.port == 80 && tcp.analysis.ack_r"
    got = complete(["-Y", quoted], 2, word=quoted[1:])
    check(got == ["tcp.port == 80 && tcp.analysis.ack_rtt"],
          "-Y 'tcp.port == 80 && tcp.analysis.ack_r<TAB> completes the last field: %s" % got)
    got = complete(["-Y", "tcp.analysis.retr"], 2)
    check(got == ["tcp.analysis.retransmission"], "-Y tcp.analysis.retr<TAB>: %s" % got)
    quoted = "'!(ip.src == 192.0.2.1) and netscope.flow.sta"
    got = complete(["-Y", quoted], 2, word=quoted[1:])
    check(got == ["!(ip.src == 192.0.2.1) and netscope.flow.state"], "-Y after '!(' and 'and': %s" % got)

    # -E header=<TAB>: bash splits at '=' (COMP_WORDS: -E header =) and readline completes
    # the empty text after it
    got = complete(["-E", "header", "="], 3, word="", line="-E header=")
    check(sorted(got) == ["n", "y"], "-E header=<TAB> gives y n: %s" % got)
    got = complete(["-E", "occ"], 2)
    check(sorted(got) == ["occurrence=a", "occurrence=f", "occurrence=l"], "-E occ<TAB>: %s" % got)
    got = complete(["-b", "fi"], 2)
    check(sorted(got) == ["files:", "filesize:"], "-b fi<TAB> gives files: filesize: %s" % got)
    got = complete(["-b", "files", ":"], 3, word="", line="-b files:")
    check(got == [], "-b files:<TAB> offers nothing (a number): %s" % got)
    got = complete(["-a", "du"], 2)
    check(got == ["duration:"], "-a du<TAB> gives duration: %s" % got)

    # interfaces: the names netscope -D prints
    rc, out, _ = run("-D")
    ifaces = re.findall(r"^\d+\. (\S+)", out, flags=re.M)
    got = complete(["-i", ""], 2)
    if "lo" in ifaces:
        check("lo" in got, "-i <TAB> includes lo: %s" % got)
    check(sorted(got) == sorted(ifaces), "-i <TAB> offers the interfaces of netscope -D")
    got = complete(["-i", "eth0", "-i", "l"], 4)
    check(set(got) == {i for i in ifaces if i.startswith("l")}, "-i l<TAB> after another -i: %s" % got)

    # files after -r, -w, -C
    tmp = tempfile.mkdtemp(prefix="ns-docs-")
    for n in ["a.pcap", "a.pcapng", "b.conf"]:
        open(os.path.join(tmp, n), "w").close()
    for opt in ["-r", "-w", "-C", "--flows", "--junit"]:
        got = complete([opt, tmp + "/a"], 2)
        check(sorted(got) == [tmp + "/a.pcap", tmp + "/a.pcapng"], "%s DIR/a<TAB> gives the files: %s" % (opt, got))
    shutil.rmtree(tmp)

    got = complete(["--sc"], 1)
    check(sorted(got) == ["--scale", "--scan-hosts", "--scan-ports", "--scan-window"], "--sc<TAB>: %s" % got)
    check(complete(["-c", ""], 2) == [], "-c <TAB> offers nothing (a number)")


def interactive(typed, expect, timeout=20):
    """Types `typed` into an interactive bash on a terminal, where readline and bash's
    programmable completion do the work, and waits for every string of expect to appear
    on the screen. Returns the strings that did not."""
    env = dict(os.environ, PATH=os.path.dirname(NS) + os.pathsep + os.environ.get("PATH", ""),
               PS1="$ ", TERM="dumb", INPUTRC="/dev/null", HOME=tempfile.gettempdir())
    try:
        pid, fd = pty.fork()
    except OSError as e:
        skipped.append("no pseudo-terminal for an interactive bash: %s" % e)
        return []
    if pid == 0:
        os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
    screen = b""

    def wait_for(needles, until):
        nonlocal screen
        while time.time() < until and not all(n in screen for n in needles):
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    screen += os.read(fd, 65536)
                except OSError:
                    break
        return [n for n in needles if n not in screen]

    try:
        os.write(fd, ('source "%s"; source "%s"; echo COMPLETION-\LOADED\n'
                      % (BASH_COMPLETION, COMPLETION)).encode())
        if wait_for([b"COMPLETION-LOADED"], time.time() + timeout):
            return expect
        screen = b""
        os.write(fd, typed.encode() + b"\t\t")
        return [n.decode() for n in wait_for([e.encode() for e in expect], time.time() + timeout)]
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def readline_behaviour():
    """The same completion through readline itself, for the three cases of the brief."""
    missing = interactive("netscope -T ", ["ek", "fields", "json", "text"])
    check(not missing, "interactive bash: netscope -T <TAB><TAB> lists fields json ek text (missing %s)" % missing)
    missing = interactive("netscope -e tcp.analysis.ack_r", ["tcp.analysis.ack_rtt"])
    check(not missing, "interactive bash: netscope -e tcp.analysis.ack_r<TAB> completes to ack_rtt")
    if "lo" in re.findall(r"^\d+\. (\S+)", run("-D")[1], flags=re.M):
        missing = interactive("netscope -i ", ["lo "])
        check(not missing, "interactive bash: netscope -i <TAB><TAB> lists lo")


def main():
    short, long_ = parser_options()
    parsed = short | long_
    check({"-r", "-i", "-Y", "-w", "-h", "--flows", "--fail-on", "--help"} <= parsed,
          "the probe finds options the parser has")
    check(not accepted("--no-such-option") and not accepted("-x"),
          "the probe tells an unknown option: --no-such-option and -x are refused")
    helped = help_options()
    check(helped == parsed, "--help lists every option of the parser and no other "
          "(missing: %s, extra: %s)" % (sorted(parsed - helped), sorted(helped - parsed)))

    # a few options doing what --help says
    rc, out, _ = run("-r", os.path.join(SRC, "captures", "tcp.pcap"), "-T", "fields", "-e", "frame.number", "-c", "2")
    check(rc == 0 and out == "1\n2\n", "-r -T fields -e -c 2 prints frames 1 and 2")
    rc, out, _ = run("--version")
    check(rc == 0 and re.match(r"^netscope \d+\.\d+\.\d+\n$", out) is not None, "--version prints the version")
    check(run("-h")[1] == run("--help")[1], "-h and --help print the same help")
    rc, _, err = run("-r", os.path.join(SRC, "captures", "tcp.pcap"), "-q", "--fail-on", "packets > 0")
    check(rc == 3, "--fail-on 'packets > 0' exits 3, as the man page's EXIT STATUS says")
    rc, _, err = run("--no-such-option")
    check(rc == 1, "an unknown option exits 1")
    rc, _, err = run("-r", os.path.join(SRC, "captures", "no-such.pcap"))
    check(rc == 2, "a missing capture exits 2")

    text = man_text()
    if text is not None:
        in_man = man_options(text)
        check(in_man == helped, "the man page's OPTIONS are --help's options "
              "(missing: %s, extra: %s)" % (sorted(helped - in_man), sorted(in_man - helped)))

    if not os.path.exists(BASH_COMPLETION) or shutil.which("bash") is None:
        skipped.append("bash-completion is not installed (apt-get install bash-completion)")
    else:
        offered = completion_options()
        check(offered == helped, "the completion offers --help's options for -<TAB> "
              "(missing: %s, extra: %s)" % (sorted(helped - offered), sorted(offered - helped)))
        completion_behaviour()
        readline_behaviour()

    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    if skipped:
        print("SKIP: " + "; ".join(skipped))
        return 77
    return 0


sys.exit(main())
