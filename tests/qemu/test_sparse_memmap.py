"""The memmap is kept per present section (docs/memory.md): 16 bytes per 4 KiB
frame of RAM whatever the layout. In a 1 TiB q35 guest with `-cpu max` QEMU puts the
high RAM above 1 TiB, past a hole of almost as much, where a flat memmap spent 0.78 %
of RAM. QEMU reserves the guest's RAM lazily (reserve=off), so untouched guest memory
costs this machine nothing."""
import re

import baton
from conftest import launch

BIG = ["-object", "memory-backend-ram,id=r0,size=1T,reserve=off",
       "-machine", "memory-backend=r0", "-cpu", "max,phys-bits=46"]


def test_1tib_guest_memmap_is_a_share_of_ram_not_of_the_address_space():
    with launch(path="pvh", machine="q35", mem="1T", extra_args=BIG) as b:
        b.boot(timeout=300)
        r = b.cmd("meminfo")
        assert r.ok
        total = int(r.kv["total"])
        assert total > 1023 * (1 << 30)
        m = re.search(r"memmap (\d+) bytes \((\d+)\.(\d\d)% of RAM\)", "\n".join(r.details))
        assert m, r.details
        memmap, pct = int(m.group(1)), int(m.group(2)) * 100 + int(m.group(3))
        assert memmap <= total // 4096 * 16 + (64 << 20)    # RAM's frames, and rounding
        assert pct <= 40                                    # 0.39 %, not 0.78 %
        # The memory works at both ends of RAM: a memfd filled and verified.
        b.ok("memfd create f 8M")
        b.ok("memfd fill f 3")
        assert b.ok("memfd verify f 3")["bytes"] == str(8 << 20)
        baton.kexec(b, timeout=300)                         # and a live update
        assert b.ok("version")["liveupdate-number"] == "1"
