"""deploy/replicas.py: starting, watching and stopping processes, with real processes (no app needed)."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from deploy.replicas import (
    cpu_seconds,
    free_port,
    port_is_free,
    replica_env,
    start_process,
    stop_process,
    wait_until_answering,
)
from lenet.config import PROJECT_ROOT


def test_free_port_can_be_listened_on_and_then_is_not_free():
    port = free_port()
    assert port_is_free("127.0.0.1", port)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert not port_is_free("127.0.0.1", port)


def test_cpu_seconds_agrees_with_the_process_own_clock():
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass  # Burn CPU so there is something to measure.
    # /proc counts in clock ticks (10 ms), process_time() finer: they agree to a few ticks.
    assert cpu_seconds(os.getpid()) == pytest.approx(time.process_time(), abs=0.05)


def test_replica_env_trusts_only_the_balancer_and_sets_the_prefix():
    env = replica_env(7861, proxy_addresses="10.0.0.2", root_path="/lenet")
    assert env["GRADIO_SERVER_NAME"] == "127.0.0.1"
    assert env["GRADIO_SERVER_PORT"] == "7861"
    assert env["FORWARDED_ALLOW_IPS"] == "10.0.0.2"
    assert env["GRADIO_ROOT_PATH"] == "/lenet"


def test_a_process_that_ignores_sigterm_is_killed(tmp_path):
    stubborn = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                "print('ready', flush=True); time.sleep(60)")
    log = tmp_path / "stubborn.log"
    process = start_process([sys.executable, "-c", stubborn], log)
    deadline = time.monotonic() + 10
    while "ready" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stop_process(process, timeout=1) == -signal.SIGKILL


def test_children_die_with_the_process_that_started_them(tmp_path):
    # A supervisor killed with SIGKILL runs no cleanup: its replicas must not live on, holding ports.
    supervisor = (
        "import sys, time\n"
        "from deploy.replicas import start_process\n"
        "child = start_process([sys.executable, '-c', 'import time; time.sleep(60)'], sys.argv[1])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", supervisor, str(tmp_path / "child.log")],
                              stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    child_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while pid_running(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_running(child_pid)


def pid_running(pid):
    """True while `pid` runs (a zombie, dead but not yet reaped, counts as gone). Also for test_deploy.py."""
    try:
        return (open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]) != "Z"
    except FileNotFoundError:
        return False


def test_a_process_that_exits_before_answering_is_reported_with_its_log(tmp_path):
    log = tmp_path / "broken.log"
    process = start_process([sys.executable, "-c", "print('no model here'); raise SystemExit(3)"], log)
    with pytest.raises(RuntimeError, match=r"exited with code 3:\nno model here"):
        wait_until_answering(f"http://127.0.0.1:{free_port()}/", process, log, timeout=30)
