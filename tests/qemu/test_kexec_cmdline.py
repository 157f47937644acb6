"""A live update keeps the running configuration (docs/console.md, `kexec load`):
without `--` the next kernel gets the running command line less its one-shot
options (script=, ktest=), so a huge-page pool configured at boot is there after any
number of updates, with no hugetlb file preserved; `--` alone gives an empty one."""
import re

import baton
from conftest import launch


def pools(b):
    return {k: int(v) for k, v in b.ok("hugepages").items()}


def test_configuration_survives_updates_and_dashdash_empties_it():
    script = "version\n"
    with launch(mem="512M", cmdline='hugepages=6 luo_test script=once',
                modules=[("once", script)]) as b:
        b.boot(prompt=False)
        b.script_results(script.split("\n"))
        assert pools(b)["2M.total"] == 6
        for n in range(1, 4):
            start = len(b.text)
            fields = baton.kexec(b)
            assert fields["liveupdate-number"] == str(n)
            log = b.text[start:]
            assert "boot: command line: hugepages=6 luo_test\n" in log
            assert "script=" not in log                 # one-shot: not passed on
            assert (pools(b)["2M.total"], pools(b)["2M.free"]) == (6, 6)
        start = len(b.text)
        baton.kexec(b, load="kexec load --")
        assert not re.search(r"boot: command line:", b.text[start:])
        assert pools(b)["2M.total"] == 0
