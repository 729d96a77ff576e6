#!/usr/bin/env python3
"""The plugin in the real Wireshark GUI (wireshark-qt), under Xvfb.

Wireshark runs as nobody with a temporary HOME holding the built netscope.so in its personal
plugin folder (root ignores that folder: ../shared/notes/wireshark-plugin.md, section 3) and
a profile whose preferences add netscope custom columns (Flow, RTT, Retrans, History). It
opens captures/tcp_analysis.pcap; the test takes a screenshot of the screen and checks that
it is a PNG of the screen's size that is not blank, and, with tesseract, that the words on
it include the columns' titles, the netscope subtree of the packet details and netscope's
values (the Zeek history of the flow). With xdotool it also opens Statistics > netscope and
checks that the menu lists Flows and Alerts.

--save FILE keeps the screenshot (cropped to the window) for docs/img.
Exit 77 (skipped) when the plugin was not built or wireshark, Xvfb or ImageMagick is missing."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--plugin", default="")
ap.add_argument("--capture", default="captures/tcp_analysis.pcap")
ap.add_argument("--save", default="")
args = ap.parse_args()
T0 = time.monotonic()

need = {n: shutil.which(n) for n in ("wireshark", "Xvfb", "import", "identify")}
if not args.plugin or not os.path.exists(args.plugin):
    print("skip: the plugin was not built (meson option plugin, libwireshark-dev)")
    sys.exit(77)
for n, p in need.items():
    if p is None:
        print(f"skip: {n} is not installed (Debian: wireshark-qt, xvfb, imagemagick)")
        sys.exit(77)
PREFIX = []
if os.geteuid() == 0:
    if shutil.which("setpriv") is None:
        print("skip: running as root and setpriv is missing: wireshark would ignore the plugin")
        sys.exit(77)
    PREFIX = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

W, H = 1280, 1024
TMP = tempfile.mkdtemp(prefix="ns-gui-")
HOME = os.path.join(TMP, "home")
ver = re.search(r"(\d+)\.(\d+)\.\d+", subprocess.run(["wireshark", "--version"], capture_output=True,
                                                      text=True, env=dict(os.environ, QT_QPA_PLATFORM="offscreen")).stdout)
PLUGDIR = os.path.join(HOME, ".local", "lib", "wireshark", "plugins", f"{ver[1]}.{ver[2]}", "epan")
CONF = os.path.join(HOME, ".config", "wireshark")
os.makedirs(PLUGDIR)
os.makedirs(CONF)
shutil.copy(args.plugin, os.path.join(PLUGDIR, "netscope.so"))
CAP = os.path.join(TMP, os.path.basename(args.capture))
shutil.copy(args.capture, CAP)
COLUMNS = [("No.", "%m"), ("Time", "%t"), ("Source", "%s"), ("Destination", "%d"), ("Protocol", "%p"),
           ("Flow", "%Cus:netscope.flow.id:0:R"), ("RTT", "%Cus:netscope.tcp.ack_rtt:0:R"),
           ("Retrans", "%Cus:netscope.tcp.retransmission:0:R"),
           ("History", "%Cus:netscope.flow.history:0:L"), ("Info", "%i")]
with open(os.path.join(CONF, "preferences"), "w") as f:
    f.write("gui.column.format: " + ", ".join(f'"{t}", "{c}"' for t, c in COLUMNS) + "\n")
    f.write("gui.update.enabled: FALSE\ngui.ask_unsaved: FALSE\n")
with open(os.path.join(CONF, "recent_common"), "w") as f:
    # no window manager under Xvfb: place the window over the whole screen ourselves
    f.write(f"gui.geometry_main_x: 0\ngui.geometry_main_y: 0\ngui.geometry_main_width: {W}\n"
            f"gui.geometry_main_height: {H}\ngui.geometry_main_maximized: FALSE\n"
            "privs.warn_if_elevated: FALSE\n")
for d, _, files in os.walk(TMP):
    os.chmod(d, 0o777)
    for f in files:
        os.chmod(os.path.join(d, f), 0o666)

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


disp = next(n for n in range(91, 200) if not os.path.exists(f"/tmp/.X{n}-lock"))
DISPLAY = f":{disp}"
procs = []
xvfb = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{W}x{H}x24", "-ac", "-nolisten", "tcp"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
procs.append(xvfb)


def finish(code):
    for p in reversed(procs):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
    shutil.rmtree(TMP, ignore_errors=True)
    print(f"{time.monotonic() - T0:.0f} s")
    sys.exit(code)


def wait_for(cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.3)
    return False


if not wait_for(lambda: os.path.exists(f"/tmp/.X11-unix/X{disp}"), 15):
    print("skip: Xvfb did not start")
    finish(77)
XENV = dict(os.environ, DISPLAY=DISPLAY)
ENV = dict(os.environ, HOME=HOME, XDG_CONFIG_HOME=os.path.join(HOME, ".config"), DISPLAY=DISPLAY,
           QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=TMP)
ENV.pop("WIRESHARK_PLUGIN_DIR", None)
ws_log = open(os.path.join(TMP, "wireshark.log"), "w")
ws = subprocess.Popen(PREFIX + ["wireshark", "-r", CAP], env=ENV, cwd=TMP, stdout=ws_log, stderr=ws_log)
procs.append(ws)


def window_up():
    if ws.poll() is not None:
        return True
    if shutil.which("xwininfo") is None:
        return False
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True, env=XENV).stdout
    return os.path.basename(CAP) in tree


# the main window takes the file's name as its title once the file is read
if not wait_for(window_up, 45) and shutil.which("xwininfo") is not None:
    fail("no Wireshark window titled with the capture's name within 45 s")
if ws.poll() is not None:
    fail(f"wireshark exited with status {ws.returncode}: {open(ws_log.name).read()[-500:]}")
    finish(1)
time.sleep(3)   # the packet list fills and paints after the title is set

SHOT = os.path.join(TMP, "screen.png")
subprocess.run(["import", "-window", "root", SHOT], env=XENV, check=False, capture_output=True)
if not os.path.exists(SHOT):
    fail("no screenshot was written")
    finish(1)
w, h, colours = subprocess.run(["identify", "-format", "%w %h %k", SHOT], capture_output=True,
                               text=True).stdout.split()
print(f"screenshot {w}x{h}, {colours} colours")
if (int(w), int(h)) != (W, H):
    fail(f"screenshot is {w}x{h}, not the screen's {W}x{H}")
if int(colours) < 16:
    fail(f"screenshot has only {colours} colours: blank")


def ocr_words(png, scale=1):
    """[(word, x, y)]: the words tesseract finds on png and their centres (png's pixels)."""
    src = png
    if scale != 1:
        src = png + ".big.png"
        subprocess.run(["convert", png, "-resize", f"{scale * 100}%", src], check=False)
    tsv = subprocess.run(["tesseract", src, "-", "--psm", "11", "tsv"], capture_output=True, text=True).stdout
    out = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) == 12 and f[11].strip():
            out.append((f[11].strip(), (int(f[6]) + int(f[8]) // 2) // scale, (int(f[7]) + int(f[9]) // 2) // scale))
    return out


def click(x, y):
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], env=XENV, capture_output=True)


def screenshot(name):
    path = os.path.join(TMP, name)
    subprocess.run(["import", "-window", "root", path], env=XENV, capture_output=True)
    return path


if shutil.which("tesseract") is not None and shutil.which("convert") is not None:
    shot_words = ocr_words(SHOT)
    words = " ".join(w[0] for w in shot_words)
    # column titles of the profile, the netscope subtree, and a netscope value: the flow's
    # Zeek history after the handshake and data, as netscope -T fields prints it
    # (tesseract reads the header's small "RTT" as "RIT" at times)
    wants = {"RTT": r"\bR[TIl1][TIl1]\b", "Retrans": r"\bRetrans\b", "History": r"\bHistory\b",
             "netscope": r"\bnetscope\b", "ShADaT": r"\bShADaT\b"}
    for want, rx in wants.items():
        if not re.search(rx, words):
            fail(f"{want!r} is not on the screenshot (tesseract read: {' '.join(words.split())[:400]})")
    print("on the screenshot:", ", ".join(w for w, rx in wants.items() if re.search(rx, words)))
else:
    print("note: tesseract (tesseract-ocr) or convert missing: the columns were not read off the screenshot")

if args.save:
    # for the docs: frame 9 (an ACK with an RTT) selected and its netscope subtree open
    if shutil.which("xdotool") is not None and shutil.which("tesseract") is not None:
        row = [w for w in shot_words if w[0].startswith("0.323")]
        if row:
            click(row[0][1], row[0][2])
            time.sleep(1)
            sub = [w for w in ocr_words(screenshot("sel.png")) if w[0].startswith("[netscope")]
            if sub:
                click(sub[0][1], sub[0][2])
                subprocess.run(["xdotool", "key", "Right"], env=XENV, capture_output=True)
                time.sleep(1)
        SHOT = screenshot("docs.png")
    # small enough for the docs
    subprocess.run(["convert", SHOT, "-trim", "+repage", "-colors", "64", args.save], check=False)
    print("saved", args.save)

if shutil.which("xdotool") is not None and shutil.which("tesseract") is not None:
    # Statistics > netscope Flows / netscope Alerts: the stat_tap_table_ui registrations;
    # then the Flows dialog, which must hold the flow of the capture
    stats = [w for w in shot_words if w[0] == "Statistics"]
    if not stats:
        fail("no Statistics menu found on the screenshot")
    else:
        click(stats[0][1], stats[0][2])
        time.sleep(1.5)
        menu = screenshot("menu.png")
        words = ocr_words(menu)
        items = {}
        for i, w in enumerate(words[:-1]):
            if w[0] == "netscope" and words[i + 1][0] in ("Flows", "Alerts"):
                items[words[i + 1][0]] = w
        for want in ("Flows", "Alerts"):
            if want not in items:
                fail(f"the Statistics menu has no 'netscope {want}' (read: {' '.join(w[0] for w in words)[:300]})")
        print("Statistics menu lists:", ", ".join("netscope " + k for k in sorted(items)))
        if args.save:
            subprocess.run(["convert", menu, "-crop", "700x800+0+0", "+repage", "-colors", "64",
                            os.path.splitext(args.save)[0] + "-menu.png"], check=False)
        if "Flows" in items:
            click(items["Flows"][1], items["Flows"][2])
            time.sleep(4)
            dialog = screenshot("flows.png")
            text = " ".join(w[0] for w in ocr_words(dialog))
            # the dialog's columns and the capture's one flow, as -z netscope,flows prints it
            for want in ("Proto", "192.0.2.1:40200", "1719"):
                if want not in text:
                    fail(f"the netscope Flows dialog does not show {want!r} (read: {text[:400]})")
            print("netscope Flows dialog:", "shows the flow" if "1719" in text else "no flow")
            if args.save:
                subprocess.run(["convert", dialog, "-colors", "64", os.path.splitext(args.save)[0] + "-flows.png"],
                               check=False)
else:
    print("note: xdotool or tesseract missing: the Statistics menu was not opened")

if time.monotonic() - T0 > 60:
    print(f"note: took {time.monotonic() - T0:.0f} s (loaded machine?)")
print("FAILED" if failures else "OK", len(failures))
finish(1 if failures else 0)
