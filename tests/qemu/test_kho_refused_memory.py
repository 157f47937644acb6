"""No page is lost when a handover is refused (docs/kho.md, "What a handover costs,
page by page"): after each refused kind (`kho corrupt`, every stage of the check),
free memory equals that of a live update that preserved nothing and was accepted;
both differ from a cold boot only by the boot information kexec wrote and the
incoming root FDT, kept for `kho dump` whether accepted or refused."""
import pytest

import baton
from conftest import launch

KINDS = ["magic", "size", "compat", "range-ram", "range-scratch", "node-self", "meta-ram",
         "timeline-ram"]


def free(b):
    """Free memory, with the outgoing radix tree's pages added back: how many there
    are depends on where this kernel's own preserved pages lie (docs/console.md,
    `kho status`), not on what the previous kernel handed over."""
    tree = int(b.ok("kho status")["tree-pages"])
    return int(b.ok("meminfo")["free"]) + tree * 4096


def test_refused_handover_frees_what_an_accepted_one_does():
    with launch(path="pvh", machine="q35") as b:
        b.boot()
        cold = free(b)
        baton.kexec(b)
        accepted = free(b)
        assert b.ok("kho status")["preserved"] == "0"
        # The differences from the cold boot are the boot's own data: the multiboot2
        # information block (one page) that kexec wrote (a PVH start_info lies in the
        # first MiB), and the incoming root FDT (one page), which a refused handover
        # keeps as well; where the early allocations land may move a page of page
        # tables either way (docs/kho.md).
        assert 0 < cold - accepted <= 3 * 4096
        for kind in KINDS:
            b.ok(f"kho corrupt {kind}")
            start = len(b.text)
            baton.kexec(b)
            assert "kho: incoming handover refused" in b.text[start:], kind
            assert free(b) == accepted, kind
            out = b.cmd("kho dump").details
            assert any(line.startswith("incoming root FDT at ") and "(refused: " in line
                       for line in out), kind


@pytest.mark.parametrize("kind", ["magic", "node-self"])
def test_refused_then_accepted_chain_is_steady(kind):
    """A refused update, then accepted ones: the figure stays where it was."""
    with launch(path="pvh", machine="q35") as b:
        b.boot()
        baton.kexec(b)
        steady = free(b)
        b.ok(f"kho corrupt {kind}")
        baton.kexec(b)
        assert free(b) == steady
        for _ in range(2):
            baton.kexec(b)
            assert free(b) == steady
