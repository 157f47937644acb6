"""The demo that `make run` shows (scripts/demo/): it must run start to end, the
memfd must come through the live update byte for byte, and the console must be
left at the prompt."""
import re

import baton
from conftest import launch

DEMO = baton.ROOT / "scripts" / "demo"


def test_make_run_demo(tmp_path):
    mods = [("demo", DEMO / "before.txt"), ("demo-after", DEMO / "after.txt")]
    disk = tmp_path / "disk.img"                      # make run attaches a copy, too
    disk.write_bytes((baton.BUILD / "disk.img").read_bytes())
    with launch(cmdline="script=demo hugepages=48", modules=mods, banners=2,
                disks=[disk]) as b:
        b.boot(prompt=False)
        first = b.script_results((DEMO / "before.txt").read_text().splitlines()[:-1], 60)
        assert all(r.ok for r in first), [r.result for r in first if not r.ok]
        b.expect_text("kexec: jumping\n", 60)
        m = b.expect(re.compile(r"(?m)^Baton (version=.*)\n"), 60)
        assert "boot=kexec" in m.group(1) and "liveupdate-number=1" in m.group(1)
        b.expect(re.compile(r"kexec: timeline \(TSC ticks\) .* blackout=\d+\n"), 60)
        second = b.script_results((DEMO / "after.txt").read_text().splitlines(), 60)
        assert all(r.ok for r in second), [r.result for r in second if not r.ok]
        verify = [r for r in second if r.line.startswith("memfd verify")]
        assert verify and verify[0].kv == {"bytes": str(64 << 20)}
        pools = [r.kv for r in second if r.line == "hugepages"]
        assert pools[0]["2M.total"] == "48" and pools[0]["2M.free"] == "16"   # 32 in use
        assert pools[-1]["2M.total"] == "48" and pools[-1]["2M.free"] == "16"  # vm-ram open
        assert b.ok("version")["boot"] == "kexec"       # and the prompt is live
        assert b.ok("kexec load disk:0")["bytes"] == str(baton.KERNEL.stat().st_size)
