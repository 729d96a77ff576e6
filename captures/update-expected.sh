#!/usr/bin/env bash
# captures/update-expected.sh: record tshark's answers for netscope's own captures.
#
# Usage: captures/update-expected.sh            (from anywhere; needs tshark)
#
# For every capture captures/*.pcap and captures/*.pcapng, and every field group
# defined in tests/e2e/manifest (lines "fields NAME F1 F2 ..."), writes
#   captures/expected/<stem>.<group>.fields
# with exactly
#   WIRESHARK_CONFIG_DIR=$(mktemp -d) tshark -n -r CAP -T fields -E header=n -E separator=/t \
#       -E occurrence=a -E aggregator=, -E quote=n -e F1 -e F2 ...
# (empty personal configuration, so default preferences: IPv4/IPv6 reassembly and TCP
# desegmentation on; no name resolution).
#
# For every file in captures/damaged/ it writes
#   captures/expected/damaged/<stem>.tshark.txt   tshark's exit status, stdout and stderr with
#                                                 the whole field list, for reference
#   captures/expected/damaged/<stem>.link.fields  tshark's stdout for the "link" group: the
#                                                 frames printed before the damage
# tshark's "Running as user root" warning is not recorded (it depends on who runs it).
# captures/expected/TSHARK_VERSION names the tshark that wrote the files.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
manifest=tests/e2e/manifest
out=captures/expected

command -v tshark >/dev/null || { echo "update-expected.sh: tshark not found" >&2; exit 2; }
[ -f "$manifest" ] || { echo "update-expected.sh: $manifest not found" >&2; exit 2; }

# Field groups, in manifest order.
groups=()
declare -A group_fields
while read -r kw name rest; do
    if [ "$kw" = fields ]; then
        groups+=("$name")
        group_fields[$name]=$rest
    fi
done < <(sed 's/#.*//' "$manifest")
[ "${#groups[@]}" -gt 0 ] || { echo "update-expected.sh: no 'fields' lines in $manifest" >&2; exit 2; }

# The whole field list, once each, in group order (for the damaged-file records).
all_fields=()
declare -A seen
for g in "${groups[@]}"; do
    for f in ${group_fields[$g]}; do
        if [ -z "${seen[$f]:-}" ]; then seen[$f]=1; all_fields+=("$f"); fi
    done
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run_tshark CAP OUT ERR FIELD... ; returns tshark's exit status
run_tshark() {
    local cap=$1 o=$2 e=$3
    shift 3
    local args=() f cfg rc=0
    for f in "$@"; do args+=(-e "$f"); done
    cfg=$(mktemp -d)
    WIRESHARK_CONFIG_DIR=$cfg tshark -n -r "$cap" -T fields -E header=n -E separator=/t \
        -E occurrence=a -E aggregator=, -E quote=n "${args[@]}" >"$o" 2>"$e.raw" || rc=$?
    rm -rf "$cfg"
    grep -v '^Running as user "root" and group "root"\. This could be dangerous\.$' "$e.raw" >"$e" || true
    return $rc
}

rm -rf "$out"
mkdir -p "$out/damaged"
tshark --version 2>/dev/null | head -1 >"$out/TSHARK_VERSION"

n=0
for cap in captures/*.pcap captures/*.pcapng; do
    [ -f "$cap" ] || continue
    stem=$(basename "$cap")
    stem=${stem%.*}
    for g in "${groups[@]}"; do
        # shellcheck disable=SC2086
        if ! run_tshark "$cap" "$out/$stem.$g.fields" "$tmp/err" ${group_fields[$g]}; then
            echo "update-expected.sh: tshark failed on $cap:" >&2
            cat "$tmp/err" >&2
            exit 1
        fi
        if [ -s "$tmp/err" ]; then
            echo "update-expected.sh: tshark complained about $cap:" >&2
            cat "$tmp/err" >&2
            exit 1
        fi
        n=$((n + 1))
    done
done

d=0
for cap in captures/damaged/*; do
    [ -f "$cap" ] || continue
    stem=$(basename "$cap")
    stem=${stem%.*}
    rc=0
    run_tshark "$cap" "$tmp/stdout" "$tmp/stderr" "${all_fields[@]}" || rc=$?
    {
        echo "# tshark's behaviour on $cap ($(cat "$out/TSHARK_VERSION")), for reference."
        echo "# command: tshark -n -r $cap -T fields -E header=n -E separator=/t -E occurrence=a" \
             "-E aggregator=, -E quote=n$(printf ' -e %s' "${all_fields[@]}")"
        echo "# fields: ${all_fields[*]}"
        echo "# exit status: $rc"
        echo "# stdout ($(wc -l <"$tmp/stdout") lines):"
        cat "$tmp/stdout"
        echo "# stderr:"
        cat "$tmp/stderr"
    } >"$out/damaged/$stem.tshark.txt"
    # shellcheck disable=SC2086
    run_tshark "$cap" "$out/damaged/$stem.link.fields" "$tmp/stderr" ${group_fields[link]} || true
    d=$((d + 1))
done

echo "update-expected.sh: wrote $n expected files and $d damaged-file records with $(cat "$out/TSHARK_VERSION")"
