#!/usr/bin/env python3
"""docs/fields.md must be exactly what the registry generates (ns-gen-fields)."""
import argparse
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--gen", required=True)
ap.add_argument("--doc", required=True)
a = ap.parse_args()
want = subprocess.run([a.gen], check=True, capture_output=True, text=True).stdout
try:
    have = open(a.doc, encoding="utf-8").read()
except FileNotFoundError:
    have = ""
if have != want:
    print(f"{a.doc} is stale: regenerate it with `build/ns-gen-fields > docs/fields.md`")
    print("0 passed, 1 failed")
    sys.exit(1)
print("1 passed, 0 failed")
