#!/usr/bin/env python3
"""Check Baton's layers (docs/design.md, "Layers") from the built objects and the
sources: each top-level folder may call and include only itself and the folders
below it, bottom to top:

    lib  boot  mm  kho  luo  drivers  kernel

Calls come from the kernel's object files (`nm`: every undefined symbol is looked
up among the symbols the objects define). The one allowed upward call is
boot/entry.S into kmain. Includes come from the sources: a "quoted" include must
stay inside its own folder (private headers are private), and an <include/...>
header belongs to the folder that defines the functions it declares (a header
whose functions live in two folders is itself an error); a header that declares
none (types, macros, inline code, registrations) is ground, usable by every
layer, and must itself include only ground headers. include/abi/ holds bytes
that cross a boundary: ground as well, and it may include nothing but ground.

Usage: check_layers.py [--graph] BUILD_DIR OBJECT...   (the objects the kernel
links; exit 1 and one line per violation, else a one-line summary; --graph also
prints the folder graph: include and call edges with their counts).
"""
import collections
import os
import re
import subprocess
import sys

LAYERS = ["lib", "boot", "mm", "kho", "luo", "drivers", "kernel"]
RANK = {name: i for i, name in enumerate(LAYERS)}
ALLOWED_UP_CALLS = {("boot/entry.o", "kmain")}
SRC_EXT = (".c", ".h", ".S")


def folder(path):
    return path.split("/", 1)[0]


def nm(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "TDBRCV":
            defined.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
    return defined, undefined


def objects(build, objs):
    """The kernel's objects, as paths below build/ (stale ones are never named)."""
    for o in objs:
        rel = os.path.relpath(o, build)
        if folder(rel) in RANK:
            yield rel


def sources():
    for top in LAYERS:
        for root, _, files in os.walk(top):
            for f in sorted(files):
                if f.endswith(SRC_EXT):
                    yield os.path.join(root, f)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def includes(path):
    with open(path, encoding="utf-8") as f:
        return INCLUDE.findall(f.read())


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    graph = "--graph" in sys.argv
    if len(args) < 2:
        sys.exit(__doc__)
    build, objs = args[0], args[1:]
    errors = []

    # Who defines what, from the objects.
    owner = {}
    undefined = {}
    for obj in objects(build, objs):
        d, u = nm(os.path.join(build, obj))
        for sym in d:
            owner[sym] = obj
        undefined[obj] = u
    if not owner:
        sys.exit(f"check_layers: no objects under {build}/ (build first)")

    call_edges = collections.Counter()
    for obj, syms in sorted(undefined.items()):
        for sym in sorted(syms):
            if sym not in owner:
                continue
            a, b = folder(obj), folder(owner[sym])
            if a != b:
                call_edges[(a, b)] += 1
            if RANK[b] > RANK[a] and (obj, sym) not in ALLOWED_UP_CALLS:
                errors.append(f"call up: {obj} ({a}) calls {sym} in {owner[sym]} ({b})")

    # Who owns each public header: the folder of the functions it declares.
    header_owner = {}
    for root, _, files in os.walk("include"):
        for f in files:
            if not f.endswith(".h"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, "include")
            with open(path, encoding="utf-8") as fh:
                text = strip_comments(fh.read())
            # Declarations only: drop inline bodies and macro definitions.
            text = re.sub(r"#\s*define[^\n]*(\\\n[^\n]*)*", " ", text)
            text = re.sub(r"static inline[^{;]*\{(?:[^{}]|\{[^{}]*\})*\}", " ", text)
            folders = set()
            for name in set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", text)):
                if name in owner:
                    folders.add(folder(owner[name]))
            for name in set(re.findall(r"\bextern\b[^;]*?\b(\w+)\s*(?:\[[^\]]*\])?\s*;", text)):
                if name in owner:
                    folders.add(folder(owner[name]))
            if rel.startswith("abi/") or rel.startswith("libc/") or not folders:
                header_owner[rel] = "ground"
            elif len(folders) > 1:
                errors.append(f"header include/{rel} declares functions of "
                              f"{' and '.join(sorted(folders, key=RANK.get))}")
                header_owner[rel] = max(folders, key=RANK.get)
            else:
                header_owner[rel] = folders.pop()

    def header_rank(rel):
        o = header_owner.get(rel)
        return -1 if o in (None, "ground") else RANK[o]

    # Ground headers include only ground (and libfdt, libc).
    for rel, o in sorted(header_owner.items()):
        if o != "ground":
            continue
        for kind, inc in includes(os.path.join("include", rel)):
            if kind == "<" and header_owner.get(inc, "ground") != "ground":
                errors.append(f"include: include/{rel} (ground) includes <{inc}> "
                              f"({header_owner[inc]})")

    include_edges = collections.Counter()
    for src in sources():
        a = folder(src)
        for kind, inc in includes(src):
            if kind == '"':
                target = os.path.normpath(os.path.join(os.path.dirname(src), inc))
                if folder(target) != a:
                    errors.append(f"include: {src} reaches into {target} (private to "
                                  f"{folder(target)}/)")
                continue
            o = header_owner.get(inc)
            if o is None or o == "ground":
                continue                             # libc, libfdt, ground headers
            if o != a:
                include_edges[(a, o)] += 1
            if RANK[o] > RANK[a]:
                errors.append(f"include up: {src} ({a}) includes <{inc}> ({o})")

    if graph:
        print("folder include edges (from -> to: files):")
        for (a, b), n in sorted(include_edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
            print(f"  {a} -> {b}: {n}")
        print("folder call edges (from -> to: symbol uses):")
        for (a, b), n in sorted(call_edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
            print(f"  {a} -> {b}: {n}")
    for e in errors:
        print("check_layers: " + e)
    if errors:
        print(f"check_layers: FAILED: {len(errors)} violations")
        return 1
    print(f"check_layers: ok: {' < '.join(LAYERS)}; {sum(call_edges.values())} calls and "
          f"{sum(include_edges.values())} includes between folders, none upward")
    return 0


if __name__ == "__main__":
    sys.exit(main())
