"""docs/tour.md stays true: `make tour`'s script (tools/kho-inspect/tour.py), run
again, produces exactly the files committed in docs/tour/ (the console transcript,
the inspector's reports and pictures), and every console line the page shows is in
the transcript, in order (`...` in the page stands for lines it leaves out). When
the kernel changes, `make tour` and a commit of docs/tour/ bring them back."""
import re
import subprocess
import sys

from baton import ROOT

DOC = ROOT / "docs" / "tour.md"
COMMITTED = ROOT / "docs" / "tour"


def test_tour_reproduces(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "tools/kho-inspect/tour.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in COMMITTED.iterdir())
    for name in made:
        assert (tmp_path / name).read_text() == (COMMITTED / name).read_text(), \
            f"docs/tour/{name} is stale: run `make tour` and commit docs/tour/"

    transcript = (tmp_path / "console.txt").read_text().split("\n")
    blocks = re.findall(r"```console\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) >= 6
    at = 0
    for block in blocks:
        for line in block.rstrip("\n").split("\n"):
            if line == "...":
                continue
            assert line in transcript[at:], f"docs/tour.md shows {line!r}, not in the run"
            at = transcript.index(line, at) + 1
    # Every address the page's prose names is one the run printed or drew.
    made_text = "".join((tmp_path / name).read_text() for name in made)
    for addr in set(re.findall(r"\b0x[0-9a-f]+\b", DOC.read_text())):
        assert addr in made_text, f"docs/tour.md names {addr}, which the run did not show"
    for pic in re.findall(r"\]\((tour/[^)]+\.svg)\)", DOC.read_text()):
        assert (ROOT / "docs" / pic).exists(), pic
