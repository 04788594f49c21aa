#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# scripts/check-fanctl-doc.py FANCTL MANPAGE [UNITDIR]: fanctl's --help and
# its man page name the same options, so that they cannot drift apart
# (make unit runs it).  Compared:
#   - the global options: "fanctl --help" and the man page's OPTIONS list;
#   - per command, the dashed options (-a, --all, ...): "fanctl help CMD"
#     and the command's SYNOPSIS lines and its entry under COMMANDS;
#   - the fan's options (dhcp, host-reserve, ...): the option lines of
#     "fanctl help up" and "help config", and the man page's OPTIONS.
# -h/--help, which every command takes, is compared once (globally).
# With UNITDIR (an installed systemd unit directory), also checks that
# cloud-init's name for the unit, ubuntu-fan.service, is there.
# Prints each difference; exits 1 if there is one.

import os
import re
import subprocess
import sys

COMMANDS = ["up", "down", "show", "map", "config", "docker", "cni", "incus", "showconf",
            "syncconf"]
DASHED = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")


def run_help(fanctl, *args):
    r = subprocess.run([fanctl, *args], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        sys.exit(f"check-fanctl-doc: '{fanctl} {' '.join(args)}' exited {r.returncode}")
    return r.stdout


def roff_text(line):
    """A man page line as text: no macro, no font escape, '\\-' as '-'.
    A quoted phrase (.RB ( "docker run \\-p" )) quotes another tool: dropped."""
    line = re.sub(r'"[a-z][\w.]* [^"]*"', " ", line)
    line = re.sub(r"^\.(B|I|BR|BI|IB|RB|IR|RI|TP|TQ|IP|RS|RE|PP|br|nf|fi)\b ?", "", line)
    line = line.replace("\\-", "-").replace('"', " ")
    line = re.sub(r"\\f[BIRP]", "", line)
    return line.replace("\\(dq", " ")


def dashed(text, fan_words):
    """The dashed options in text; a dashed fan option (--dhcp) is its word."""
    out = set()
    for m in DASHED.findall(text):
        if m.startswith("--") and m[2:] in fan_words:
            continue
        out.add(m)
    return out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: check-fanctl-doc.py FANCTL MANPAGE [UNITDIR]")
    fanctl, manpage = sys.argv[1], sys.argv[2]
    errors = []

    with open(manpage, encoding="utf-8") as f:
        man = f.read().splitlines()
    sections, cur = {}, None
    for line in man:
        if line.startswith(".SH "):
            cur = line[4:].strip().strip('"')
            sections[cur] = []
        elif cur:
            sections[cur].append(line)

    # The fan's options: .TP items of OPTIONS whose first word is lowercase.
    # (not the values of one, such as mode's, in a nested .RS list)
    man_words, prev, depth = set(), "", 0
    for line in sections["OPTIONS"]:
        depth += line.startswith(".RS") - line.startswith(".RE")
        if prev == ".TP" and depth == 0 and not line.startswith(".TP"):
            first = roff_text(line).split(",")
            for w in first:
                w = w.strip().split(" ")[0]
                if re.fullmatch(r"[a-z][a-z-]*", w):
                    man_words.add(w)
        prev = line.strip()
    man_global = set()
    prev = ""
    for line in sections["OPTIONS"]:
        if prev == ".TP":
            man_global |= dashed(roff_text(line), set())
        prev = line.strip()

    # The fan's options in the help: option lines ("  word ...", "  a | b").
    help_words = set()
    for cmd in ("up", "config"):
        for line in run_help(fanctl, "help", cmd).splitlines():
            m = re.match(r"^  ([a-z][a-z-]*(?: \| [a-z][a-z-]*)*)(?:\s|$)", line)
            if m:
                help_words |= set(m.group(1).split(" | "))
    for w in sorted(help_words - man_words):
        errors.append(f"option '{w}' is in --help, not in the man page's OPTIONS")
    for w in sorted(man_words - help_words):
        errors.append(f"option '{w}' is in the man page's OPTIONS, not in --help")
    words = help_words | man_words

    help_global = set()
    for line in run_help(fanctl, "--help").splitlines():
        if line.startswith("  -"):
            help_global |= dashed(line, words)
    for o in sorted(help_global ^ man_global):
        where = "--help" if o in help_global else "the man page's OPTIONS"
        errors.append(f"global option '{o}' is only in {where}")

    # Per command: SYNOPSIS lines and the .TP entry under COMMANDS.
    man_cmd = {c: set() for c in COMMANDS}
    syn = sections["SYNOPSIS"]
    for i, line in enumerate(syn):
        m = re.match(r"^\.B fanctl (\w+)", line)
        if not m or m.group(1) not in man_cmd:
            continue
        text = roff_text(line)
        for nxt in syn[i + 1:]:
            if nxt.startswith(".br") or nxt.startswith(".PP"):
                break
            text += " " + roff_text(nxt)
        man_cmd[m.group(1)] |= dashed(text, words)
    body = sections["COMMANDS"]
    starts = [i for i in range(len(body) - 1)
              if body[i] == ".TP" and re.fullmatch(r"\.B (\w+)", body[i + 1])
              and body[i + 1][3:] in man_cmd]
    for k, i in enumerate(starts):
        cmd = body[i + 1][3:]
        end = starts[k + 1] if k + 1 < len(starts) else len(body)
        man_cmd[cmd] |= dashed(" ".join(roff_text(x) for x in body[i + 2:end]), words)
    for cmd in COMMANDS:
        h = dashed(run_help(fanctl, "help", cmd), words) - {"-h", "--help"}
        m = man_cmd[cmd] - {"-h", "--help"}
        for o in sorted(h - m):
            errors.append(f"{cmd}: option '{o}' is in 'fanctl help {cmd}', not in the man page")
        for o in sorted(m - h):
            errors.append(f"{cmd}: option '{o}' is in the man page, not in 'fanctl help {cmd}'")
        if "-h" not in dashed(run_help(fanctl, "help", cmd), words):
            errors.append(f"{cmd}: 'fanctl help {cmd}' does not list -h")

    if len(sys.argv) == 4:
        unit = os.path.join(sys.argv[3], "fanctl.service")
        alias = os.path.join(sys.argv[3], "ubuntu-fan.service")
        with open(unit, encoding="utf-8") as f:
            if "Alias=ubuntu-fan.service" not in f.read().splitlines():
                errors.append(f"{unit}: no Alias=ubuntu-fan.service")
        if not os.path.islink(alias) or os.readlink(alias) != "fanctl.service":
            errors.append(f"{alias}: not a link to fanctl.service")

    for e in errors:
        print(f"check-fanctl-doc: {e}")
    if errors:
        sys.exit(1)
    print(f"check-fanctl-doc: --help and {os.path.basename(manpage)} agree: "
          f"{len(words)} fan options, {len(help_global)} global, "
          f"{sum(len(v) for v in man_cmd.values())} per command")


main()
