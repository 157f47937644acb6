"""`kexec finalize` (docs/console.md, docs/kho.md "Looking at a handover before the
jump"): the handover is built as `kexec exec` builds it, without the jump, and read
from the host in a dump of the guest's memory (QMP dump-guest-memory); `kexec
unload` undoes it, a second finalize builds it again, and a later `kexec exec`
live-updates as usual with the files intact."""
import struct

from baton import elf_load_segments, elf_phys_reader, kexec
from conftest import launch

FDT_MAGIC = 0xD00DFEED
PAGE = 4096


def splitmix64(x):
    m = (1 << 64) - 1
    z = (x + 0x9E3779B97F4A7C15) & m
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def pattern(seed, nbytes):
    """The first nbytes of memfd fill's reference pattern (docs/console.md)."""
    return b"".join(splitmix64(seed ^ w).to_bytes(8, "little")
                    for w in range((nbytes + 7) // 8))[:nbytes]


def fdt_nodes(blob):
    """{path: {property: bytes}} of a flattened device tree (devicetree spec 5.4)."""
    magic, total, off_struct, off_strings = struct.unpack_from(">IIII", blob, 0)
    assert magic == FDT_MAGIC and total <= len(blob)
    strings = blob[off_strings:total]
    nodes, stack, pos = {}, [], off_struct
    while True:
        tok, = struct.unpack_from(">I", blob, pos)
        pos += 4
        if tok == 1:                                    # FDT_BEGIN_NODE
            end = blob.index(b"\0", pos)
            stack.append(blob[pos:end].decode())
            nodes["/" + "/".join(s for s in stack if s)] = {}
            pos = (end + 1 + 3) & ~3
        elif tok == 2:                                  # FDT_END_NODE
            stack.pop()
        elif tok == 3:                                  # FDT_PROP
            size, nameoff = struct.unpack_from(">II", blob, pos)
            name = strings[nameoff:strings.index(b"\0", nameoff)].decode()
            nodes["/" + "/".join(s for s in stack if s)][name] = blob[pos + 8:pos + 8 + size]
            pos = (pos + 8 + size + 3) & ~3
        elif tok == 4:                                  # FDT_NOP
            continue
        elif tok == 9:                                  # FDT_END
            return nodes
        else:
            raise AssertionError(f"FDT token {tok:#x} at {pos - 4:#x}")


def kho_status(b):
    return b.ok("kho status")


def free_plus_tree(b):
    """Free memory with the outgoing radix tree's pages added back (kept once made,
    docs/console.md `kho status`), and the bytes preserved."""
    st = kho_status(b)
    return int(b.ok("meminfo")["free"]) + int(st["tree-pages"]) * PAGE, st["preserved"]


FILES = [  # name, create arguments, seed, token
    ("a", "1M", 11, 1),
    ("b", "64K", 12, 2),
    ("h", "4M huge=2M", 13, 3),
]


def fill_and_preserve(b, session="s"):
    b.ok(f"luo create-session {session}")
    for name, args, seed, token in FILES:
        b.ok(f"memfd create {name} {args}")
        b.ok(f"memfd fill {name} {seed}")
        b.ok(f"luo preserve {session} {name} {token}")


def retrieve_and_verify(b, session="s"):
    assert b.ok(f"luo retrieve-session {session}")["files"] == str(len(FILES))
    for name, _args, seed, token in FILES:
        b.ok(f"luo retrieve {session} {token} r{name}")
        b.ok(f"memfd verify r{name} {seed}")
    b.ok(f"luo finish {session}")


def file_states(b):
    r = b.cmd("luo list")
    assert r.ok
    return [d.split("state=")[1] for d in r.details if "state=" in d]


def test_finalize_dump_unload_then_update(tmp_path):
    with launch(cmdline="hugepages=8", monitor=True) as b:
        b.boot()
        fill_and_preserve(b)
        before = kho_status(b)

        kv = b.ok("kexec finalize")                     # no image loaded: not needed
        assert list(kv) == ["fdt", "fdt-size", "scratch", "scratch-size"]
        fdt, scratch = int(kv["fdt"], 16), int(kv["scratch"], 16)
        assert kv["fdt"] == before["fdt"] and kv["fdt-size"] == "4096"
        assert fdt % PAGE == 0
        nscratch, rest = divmod(int(kv["scratch-size"]), 16)
        assert rest == 0 and nscratch == len(before["scratch"].split(","))
        assert file_states(b) == ["frozen"] * len(FILES)
        st = kho_status(b)                              # + kexec-metadata, timeline
        assert int(st["subtrees"]) == int(before["subtrees"]) + 2

        dump = tmp_path / "mem.elf"
        b.dump_memory(dump)
        read = elf_phys_reader(dump)
        blob = read(fdt, int(kv["fdt-size"]))
        assert struct.unpack_from(">I", blob)[0] == FDT_MAGIC
        assert b"kho-v4" in blob
        nodes = fdt_nodes(blob)
        assert nodes["/"]["compatible"].rstrip(b"\0") == b"kho-v4"
        for sub in ("LUO", "kexec-metadata", "baton-timeline"):
            assert "preserved-data" in nodes[f"/{sub}"], sub
        # Native byte order, as Linux writes it (a u64 copied in, not fdt64).
        luo_pa, = struct.unpack("<Q", nodes["/LUO"]["preserved-data"])
        compat, num, sessions_pa, flbs_pa = struct.unpack("<8sQQQ", read(luo_pa, 32))
        assert compat.rstrip(b"\0") == b"luo-v5" and num == 1     # struct luo_ser
        assert sessions_pa and flbs_pa                  # serialized: the session chain
        # The scratch array: the ranges `kho status` names, the kernel slot first.
        arr = read(scratch, nscratch * 16)
        ranges = [struct.unpack_from("<QQ", arr, i * 16) for i in range(nscratch)]
        assert ",".join(f"{a:#x}+{s:#x}" for a, s in ranges) == before["scratch"]
        # Each file's bytes are in the dump: the huge one at a 2 MiB boundary.
        ram = b"".join(read(p, n) for p, _o, n in elf_load_segments(dump) if p < 1 << 32
                       and n >= 1 << 20)
        for name, _args, seed, _t in FILES:
            assert pattern(seed, 64) in ram, name
        huge = pattern(13, 64)
        assert any(read(p + off, 64) == huge
                   for p, _o, n in elf_load_segments(dump) if n >= 2 << 20
                   for off in range((-p) % (2 << 20), n - 64, 2 << 20))

        b.ok("kexec unload")                            # undone, as a failed exec
        assert file_states(b) == ["preserved"] * len(FILES)
        assert kho_status(b)["subtrees"] == before["subtrees"]
        b.dump_memory(dump, fmt="raw")                  # byte P is guest-physical P
        with open(dump, "rb") as f:
            f.seek(luo_pa)
            assert struct.unpack("<8sQQQ", f.read(32))[2] == 0      # no sessions_pa
        b.ok("memfd create c 8K")
        b.ok("memfd fill c 14")
        b.ok("luo create-session t")
        b.ok("luo preserve t c 4")                      # sessions take changes again

        fields = kexec(b, timeout=120)                  # kexec load; kexec exec
        assert fields["boot"] == "kexec" and fields["kexec-count"] == "1"
        retrieve_and_verify(b)
        assert b.ok("luo retrieve-session t")["files"] == "1"
        b.ok("luo retrieve t 4 rc")
        b.ok("memfd verify rc 14")


def test_finalize_twice_and_unload_leave_nothing_behind():
    with launch(cmdline="hugepages=8") as b:
        b.boot()
        b.ok("kexec unload")                            # nothing loaded, nothing finalized
        fill_and_preserve(b)
        base = free_plus_tree(b)
        subtrees = kho_status(b)["subtrees"]
        first = b.ok("kexec finalize")
        once = free_plus_tree(b)
        again = b.ok("kexec finalize")                  # undone, then built again
        assert again["fdt"] == first["fdt"]
        assert again["scratch-size"] == first["scratch-size"]
        assert free_plus_tree(b) == once                # the first one was undone
        assert int(kho_status(b)["subtrees"]) == int(subtrees) + 2
        b.ok("kexec unload")
        assert free_plus_tree(b) == base
        assert kho_status(b)["subtrees"] == subtrees
        b.ok("kexec unload")                            # twice: nothing to undo
        assert free_plus_tree(b) == base

        # A step that fails: its error and name, everything undone (KTEST instrument).
        b.ok("luo inject freeze")
        msg = b.error("kexec finalize", "EIO")
        assert msg == "luo failed; nothing is finalized"
        assert file_states(b) == ["preserved"] * len(FILES)
        assert free_plus_tree(b) == base and kho_status(b)["subtrees"] == subtrees
        b.ok("kexec finalize")                          # the injection fired once

        # exec after finalize undoes it first; when the build fails again, nothing
        # is finalized any more.
        b.ok("kexec load")
        b.ok("luo inject freeze")
        assert b.error("kexec exec", "EIO") == "kexec failed: luo failed; nothing changed"
        assert file_states(b) == ["preserved"] * len(FILES)
        b.ok("kexec unload")
        assert free_plus_tree(b) == base and kho_status(b)["subtrees"] == subtrees


def test_exec_after_finalize_updates_with_the_files():
    with launch(cmdline="hugepages=8") as b:
        b.boot()
        fill_and_preserve(b)
        b.ok("kexec finalize")
        b.ok("kexec load")                              # loading keeps it finalized
        assert file_states(b) == ["frozen"] * len(FILES)
        fields = kexec(b, load=None, timeout=120)       # undo, build again, jump
        assert fields["boot"] == "kexec" and fields["kexec-count"] == "1"
        assert "kexec: timeline (TSC ticks)" in b.text
        retrieve_and_verify(b)


def test_outgoing_sessions_do_not_change_while_finalized():
    """Refused with EBUSY (docs/console.md): the records in memory always describe
    the sessions. After `kexec unload` the changes go through, and the next kernel
    gets the sessions as they are at the jump."""
    with launch(cmdline="hugepages=8") as b:
        b.boot()
        fill_and_preserve(b)
        b.ok("memfd create d 8K")
        b.ok("luo create-session u")
        b.ok("luo preserve u d 5")
        b.ok("kexec finalize")
        b.ok("memfd create c 8K")
        b.ok("memfd fill c 14")
        frozen = "the outgoing sessions are frozen in a finalized handover (kexec unload first)"
        assert b.error("luo create-session t", "EBUSY") == frozen
        assert b.error("luo preserve u c 4", "EBUSY") == frozen
        assert b.error("luo close-session u", "EBUSY") == frozen
        assert file_states(b) == ["frozen"] * (len(FILES) + 1)
        b.ok("kexec unload")
        b.ok("luo create-session t")
        b.ok("luo preserve t c 4")
        b.ok("luo close-session u")
        fields = kexec(b, timeout=120)
        assert fields["boot"] == "kexec"
        retrieve_and_verify(b)
        assert b.ok("luo retrieve-session t")["files"] == "1"
        b.ok("luo retrieve t 4 rc")
        b.ok("memfd verify rc 14")
        b.error("luo retrieve-session u", "ENOENT")


def test_undo_mends_what_kho_corrupt_broke():
    """`kho corrupt` breaks every finalized handover; undoing one mends it
    (docs/console.md), so the handover kept in memory between two is sound."""
    with launch() as b:
        b.boot()

        def magic():
            return b.cmd("kho dump raw").details[0].split()[1][:8]

        assert magic() == "d00dfeed"
        b.ok("kho corrupt magic")
        b.ok("kexec finalize")
        assert magic() == "2f0dfeed"                  # 0xd0 ^ 0xff: broken in place
        b.ok("kexec unload")
        assert magic() == "d00dfeed"                  # mended
        b.ok("kexec finalize")                        # broken again, as armed
        assert magic() == "2f0dfeed"
        b.ok("kexec unload")
        assert magic() == "d00dfeed"
