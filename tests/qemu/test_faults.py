"""`fault KIND` (PVH, q35): every fatal path prints `Kernel panic:`, a register dump
for CPU exceptions, a symbolised call trace and `Bail out!`, then QEMU exits with 37."""
import re

import pytest

import baton

# kind -> (exception name and vector or None for a panic(), functions one of which the
# call trace must name)
FAULTS = {
    "ud": ("invalid opcode (vector 6)", ["cmd_fault"]),
    "de": ("divide error (vector 0)", ["cmd_fault"]),
    "pf": ("page fault (vector 14)", ["cmd_fault"]),
    "gp": ("general protection (vector 13)", ["cmd_fault"]),
    "stack": (None, ["smash_stack", "__stack_chk_fail"]),
    "panic": (None, ["cmd_fault"]),
}


@pytest.mark.parametrize("kind", list(FAULTS))
def test_fault(console, kind):
    exc, funcs = FAULTS[kind]
    start = console.pos
    console.send(f"fault {kind}\n")
    # A result line instead means the command returned: the fault did not happen.
    m = console.expect(r"(?m)^(Kernel panic: |ok|error: ).*\n", timeout=30, panic_ok=True)
    assert m.group(1) == "Kernel panic: ", f"fault {kind} returned: {m.group(0)!r}"
    status = console.wait_exit(30)
    out = console.text[start:]
    lines = out.split("\n")
    panic = [ln for ln in lines if ln.startswith("Kernel panic: ")]
    assert len(panic) == 1, out
    if exc:
        assert panic[0].startswith(f"Kernel panic: {exc} "), panic[0]
        for reg in ("RIP", "RSP", "RFLAGS", "RAX", "R15", "CR0", "CR2", "CR3"):
            assert re.search(rf"(?m)\b{reg}: +[0-9a-f]+\b", out), f"no {reg} in\n{out}"
    elif kind == "panic":
        assert panic[0] == "Kernel panic: fault: panic requested (value 0x5a5a)"
    else:
        assert panic[0].startswith("Kernel panic: stack protector"), panic[0]
    if kind == "pf":
        assert re.search(r"(?m)\bCR2: 0000100000000000\b", out), out
    assert "Call trace:" in lines, out
    trace = lines[lines.index("Call trace:") + 1:]
    trace = [ln for ln in trace if ln.startswith("  [<")]
    names = [re.match(r"  \[<[0-9a-f]{16}>\] ([^+ ]+)", ln).group(1) for ln in trace]
    assert any(n.split(".")[0] in funcs for n in names), f"trace {names}, want one of {funcs}"
    assert any(ln.startswith("Bail out!") for ln in lines), out
    assert status == baton.STATUS_PANIC == 37
