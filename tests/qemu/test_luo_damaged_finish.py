"""A file whose handed-over record is damaged does not keep its memory forever
(docs/luo.md, "A file that fails to retrieve"): when its session finishes, every
block its folio list names that the incoming tree proves is preserved goes back to
the allocator; nothing the record merely claims is freed. Free memory then equals
that of an update that held nothing."""
import baton
from conftest import launch


def free(b):
    tree = int(b.ok("kho status")["tree-pages"])
    return int(b.ok("meminfo")["free"]) + tree * 4096


def test_damaged_record_gives_its_blocks_back_at_finish():
    with launch(path="pvh", machine="q35", mem="512M") as b:
        b.boot()
        baton.kexec(b)
        steady = free(b)
        b.ok("memfd create bad 3M")
        b.ok("memfd fill bad 1")
        b.ok("memfd create good 64K")
        b.ok("memfd fill good 2")
        b.ok("luo create-session s")
        b.ok("luo preserve s bad 1")
        b.ok("luo preserve s good 2")
        b.ok("luo inject memfdsize")            # the first file frozen: bad
        b.ok("memfd close bad")
        b.ok("memfd close good")
        baton.kexec(b)
        held = free(b)
        assert steady - held >= 3 << 20         # the handover holds both files
        b.ok("luo retrieve-session s")
        b.error("luo retrieve s 1 bad2", "EINVAL")
        assert b.ok("luo retrieve s 2 good2") == {"name": "good2"}
        b.ok("memfd verify good2 2")
        b.ok("memfd close good2")
        start = len(b.text)
        b.ok("luo finish s")
        assert "768 of 768 preserved blocks a damaged record named went back" in b.text[start:]
        assert free(b) == steady
