"""``run.py down`` against a hub that does not stop in time and restarts its proxy (no real hub)."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time

from tests.support.hub import load_run

# a hub that ignores SIGTERM and restarts its proxy whenever it finds it gone, as JupyterHub's
# proxy check does while the hub is still shutting down
FAKE_HUB = textwrap.dedent("""
    import signal, subprocess, sys, time
    from pathlib import Path
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    pid_file = Path(sys.argv[1])
    proxy = None
    while True:
        if proxy is None or proxy.poll() is not None:
            proxy = subprocess.Popen([sys.executable, "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_DFL); time.sleep(600)",
                "configurable-http-proxy"])
            pid_file.write_text(str(proxy.pid))
        time.sleep(0.05)
""")


def test_down_kills_a_hub_that_does_not_stop_so_it_cannot_restart_its_proxy(tmp_path, monkeypatch, capsys):
    run = load_run()
    monkeypatch.setattr(run, "HUB_STOP_GRACE_S", 1.0)
    state = tmp_path / "state"
    (state / "hub").mkdir(parents=True)
    (state / "hub" / "setup.json").write_text(json.dumps(
        {"accounts": [], "unix_groups": [], "pg": {"data": str(tmp_path / "no-postgres"), "bin": "/nowhere"}}))
    hub = subprocess.Popen([sys.executable, "-c", FAKE_HUB, str(state / "hub" / "proxy.pid")],
                           env={**os.environ, "RECIPROCITY_HUB_STATE": str(state)}, start_new_session=True)
    try:
        while not (state / "hub" / "proxy.pid").exists():
            assert hub.poll() is None
            time.sleep(0.02)
        (state / "hub" / "run.pid").write_text(str(hub.pid))
        assert len(run.ours(state, set())) == 2
        run.down(argparse.Namespace(state=str(state), purge=False, yes=False, backups=None))
        hub.wait(10)
        assert "the hub did not stop within 1 s; killing it" in capsys.readouterr().out
        assert run.ours(state, set()) == []
    finally:
        for pid in run.ours(state, set()):
            os.kill(pid, 9)
        if hub.poll() is None:
            hub.kill()
