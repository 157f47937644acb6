"""Every `luo` error names its real cause (docs/console.md): an errno that several
causes share (EINVAL above all) gets the message of the cause that happened, told
apart by the session's state, never a fixed sentence per errno."""
import baton
from conftest import launch


def test_einval_names_its_cause():
    with launch(path="pvh", machine="q35") as b:
        b.boot()
        b.ok("memfd create bad 4K")
        b.ok("memfd create good 8K")
        b.ok("memfd fill good 5")
        b.ok("luo create-session s")
        b.ok("luo preserve s bad 1")
        b.ok("luo preserve s good 2")
        b.ok("luo create-session out")
        b.ok("luo inject memfdsize")          # the first file frozen: token 1
        baton.kexec(b)

        # Not retrieved yet: the session's state is the cause.
        assert b.error("luo retrieve s 2 x", "EINVAL") == \
            "session 's' is not a retrieved incoming one"
        # An outgoing session of that name is not an incoming one either.
        b.ok("luo create-session t")
        assert b.error("luo retrieve t 1 x", "EINVAL") == \
            "session 't' is not a retrieved incoming one"
        # Preserving into an incoming session.
        b.ok("memfd create n 4K")
        assert b.error("luo preserve s n 9", "EINVAL") == "session 's' is incoming"

        b.ok("luo retrieve-session s")
        # Retrieved, but the record of token 1 is impossible: the record is the cause,
        # not the session (which is retrieved and incoming), and it says so each time.
        for _ in range(2):
            assert b.error("luo retrieve s 1 bad2", "EINVAL") == \
                "token 1: its handed-over record is invalid"
        assert dict(b.ok("luo retrieve s 2 good2")) == {"name": "good2"}
        assert dict(b.ok("memfd verify good2 5")) == {"bytes": str(8 << 10)}
        b.ok("luo finish s")
        assert b.error("luo finish s", "ENOENT") == "no session 's'"
