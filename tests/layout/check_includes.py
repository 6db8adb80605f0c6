"""The include rules of runtime/src (docs/architecture.md), checked.

Every `#include "..."` in runtime/src names a header by its path from
runtime/src (`core/diag.h`) or a public header (`beacon/beacon.h`). A folder
may include its own headers and those of the folders ALLOWED lists for it;
the folder graph has no cycle; only transport/ includes curl and only
privacy/ includes OpenSSL. Prints every offending file and include and exits
1; exits 0 when the tree keeps the rules.

Usage: check_includes.py [RUNTIME_SRC]   (default: runtime/src of this checkout)
"""
import os
import re
import sys

# Folder -> the folders whose headers it may include (besides its own).
ALLOWED = {
    "core": set(),
    "privacy": {"core"},
    "emit": {"core"},
    "format": {"core", "privacy", "emit"},
    "transport": {"core"},
    "spool": {"core"},
    "sinks": {"core", "format", "transport", "spool"},
    "worker": {"core", "privacy", "emit", "format", "sinks", "transport", "spool"},
    "cli": {"core"},
}

# System headers only one folder may include: prefix -> folder.
EXCLUSIVE = {"curl/": "transport", "openssl/": "privacy"}

# Rules worth their own sentence when broken (also implied by ALLOWED).
NAMED_RULES = {
    ("format", "sinks"): "formats never include sinks",
    ("emit", "worker"): "emit never includes the worker",
    ("spool", "sinks"): "the spool stores bytes and never includes sinks",
    ("spool", "format"): "the spool stores bytes and never includes formats",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(root):
    for d, _, files in os.walk(root):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), root)


def check(root):
    """Returns (problems, edges): problems as printable lines."""
    problems = []
    edges = {}
    for rel in sorted(sources(root)):
        parts = rel.split(os.sep)
        if len(parts) != 2:
            problems.append(f"{rel}: runtime/src files live in exactly one folder")
            continue
        folder = parts[0]
        if folder not in ALLOWED:
            problems.append(f"{rel}: folder '{folder}' is not in the architecture")
            continue
        with open(os.path.join(root, rel), encoding="utf-8") as fh:
            text = fh.read()
        for kind, name in INCLUDE.findall(text):
            line = f'#include {kind}{name}{">" if kind == "<" else chr(34)}'
            for prefix, owner in EXCLUSIVE.items():
                if name.startswith(prefix) and folder != owner:
                    problems.append(f"{rel}: {line}: only {owner}/ may include {prefix}*")
            if kind == "<" or name.startswith("beacon/"):
                continue
            target = name.split("/")[0] if "/" in name else None
            if target is None or not os.path.isfile(os.path.join(root, name)):
                problems.append(f"{rel}: {line}: internal includes are paths from runtime/src "
                                f"to an existing header (e.g. \"core/diag.h\")")
                continue
            if target == folder:
                continue
            edges.setdefault(folder, set()).add(target)
            if target not in ALLOWED[folder]:
                why = NAMED_RULES.get((folder, target), f"{folder}/ may include only "
                                      f"{', '.join(sorted(ALLOWED[folder])) or 'itself'}")
                problems.append(f"{rel}: {line}: {why}")
    problems += [f"folder cycle: {' -> '.join(c)}" for c in cycles(edges)]
    return problems, edges


def cycles(edges):
    """Every cycle found by depth-first search, each as a closed path."""
    found, state = [], {}

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = argv[1] if len(argv) > 1 else os.path.join(here, "..", "..", "runtime", "src")
    problems, edges = check(root)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include rule(s) broken (docs/architecture.md)")
        return 1
    for folder in sorted(edges):
        print(f"{folder} -> {', '.join(sorted(edges[folder]))}")
    print("runtime/src include rules hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
