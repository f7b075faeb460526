"""Replicas behind HAProxy (deploy/), end to end on loopback: sticky sessions, failover, rejoining,
and `python -m deploy.serve` restarting a crashed replica and stopping everything on SIGTERM.

Marked `deploy`: each replica is a whole `python demo.py` (about 6 s to start on 2 idle cores).
All but the last share one deployment and run in order; the failover and browser tests each kill
one of its replicas. The last runs `python -m deploy.serve` on its own.
"""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client
from playwright.sync_api import expect
from test_replicas import pid_running

from benchmarks.browser import CLEAR, TOP_LABEL, draw_with_mouse, open_app
from benchmarks.drawing import drawings_as_files
from deploy.balancer import render_config, start_haproxy, wait_for_status
from deploy.local import LocalDeployment
from deploy.replicas import free_port, stop_process
from lenet.config import PROJECT_ROOT
from lenet.reader import PROMPT

pytestmark = pytest.mark.deploy

COOKIE = "lenet_replica"  # deploy/haproxy.cfg.template's sticky cookie: the name of the client's replica.
CLIENTS = 6
PAGE_ANSWER_TIMEOUT = 60_000  # ms: software-rendered Chromium exports the canvas slowly.


@pytest.fixture(scope="module")
def drawings(tmp_path_factory):
    return drawings_as_files(tmp_path_factory.mktemp("drawings"))


@pytest.fixture(scope="module")
def deployment(haproxy, tmp_path_factory):
    with LocalDeployment(replicas=2, log_dir=tmp_path_factory.mktemp("deploy")) as deployment:
        yield deployment


def read_all(client, drawings, rounds=1):
    """Send every drawing `rounds` times through `client` -> [(drawn digit, answer)]."""
    return [(digit, client.predict(value, api_name="/predict")[0]["label"])
            for _ in range(rounds) for digit, value in sorted(drawings.items())]


def assert_right(answers):
    assert answers and all(answer == digit for digit, answer in answers), answers


def test_clients_stay_on_their_replica_and_both_replicas_serve(deployment, drawings):
    clients = [Client(deployment.url, verbose=False) for _ in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(lambda client: read_all(client, drawings, rounds=2), clients))
    for client_answers in answers:
        assert_right(client_answers)
    # Gradio answers an event only in the process that queued it and holds its upload, so right
    # answers for every client mean each one's requests all reached one replica.
    assert {client.cookies[COOKIE] for client in clients} == {"replica1", "replica2"}
    stats = deployment.stats()
    assert all(stats[name]["responses"] > 0 for name in ("replica1", "replica2")), stats


def test_without_the_cookie_the_replicas_lose_the_events(deployment, drawings, tmp_path):
    # The control experiment: the same replicas behind the same balancer, minus the session cookie.
    port, stats_port = free_port(), free_port()
    sticky = render_config([replica.address for replica in deployment.replicas.values()],
                           bind=f"127.0.0.1:{port}", stats_bind=f"127.0.0.1:{stats_port}")
    config = re.sub(r"^\s+cookie .*\n| cookie replica\d+$", "", sticky, flags=re.MULTILINE)
    assert not re.search(r"^[^#]*cookie", config, re.MULTILINE)
    (tmp_path / "haproxy.cfg").write_text(config)
    balancer = start_haproxy(tmp_path / "haproxy.cfg", tmp_path / "haproxy.log")
    try:
        wait_for_status(f"http://127.0.0.1:{stats_port}/", ["replica1", "replica2"], "UP",
                        balancer, tmp_path / "haproxy.log")
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        answers = []
        for digit, value in sorted(drawings.items()):
            try:
                answers.append((digit, client.predict(value, api_name="/predict")[0]["label"]))
            except Exception:  # gradio_client raises CancelledError: the event went to the other replica.
                pass
        # Round robin sends the upload, the event and its stream to alternating replicas: none arrives.
        assert answers == []
    finally:
        stop_process(balancer)


def test_a_killed_replica_is_taken_out_and_rejoins_when_restarted(deployment, drawings):
    regular = Client(deployment.url, verbose=False)
    assert_right(read_all(regular, drawings))
    victim = regular.cookies[COOKIE]
    survivor = ({"replica1", "replica2"} - {victim}).pop()

    deployment.kill(victim)  # Returns once HAProxy's health checks marked it DOWN.
    newcomers = [Client(deployment.url, verbose=False) for _ in range(3)]
    assert [client.cookies[COOKIE] for client in newcomers] == [survivor] * 3
    for client in newcomers:
        assert_right(read_all(client, drawings))
    # A client of the dead replica is sent to the survivor: each call carries its own upload and event.
    assert_right(read_all(regular, drawings))

    deployment.restart(victim)  # Returns once HAProxy marked it UP again.
    latecomers = [Client(deployment.url, verbose=False) for _ in range(2)]
    # Round robin over two replicas: one of two new sessions lands on the one that came back.
    assert victim in {client.cookies[COOKIE] for client in latecomers}
    for client in latecomers:
        assert_right(read_all(client, drawings))



@pytest.mark.browser
def test_a_page_keeps_reading_after_its_replica_dies(deployment, chromium):
    # Runs after the failover test, which left both replicas up.
    page = open_app(chromium, deployment.url)
    draw_with_mouse(page, "7")
    expect(page.locator(TOP_LABEL)).to_have_text("7", timeout=PAGE_ANSWER_TIMEOUT)
    home = {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}[COOKIE]

    deployment.kill(home)
    page.locator(CLEAR).click()
    expect(page.locator(TOP_LABEL)).to_have_text(PROMPT, timeout=PAGE_ANSWER_TIMEOUT)
    draw_with_mouse(page, "1")
    expect(page.locator(TOP_LABEL)).to_have_text("1", timeout=PAGE_ANSWER_TIMEOUT)
    # HAProxy gave the page the other replica's cookie; the browser keeps it from now on.
    assert {cookie["name"]: cookie["value"] for cookie in page.context.cookies()}[COOKIE] != home


class Lines:
    """A process's stdout, read line by line in a thread so that waiting for a line can time out."""

    def __init__(self, process):
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in process.stdout], daemon=True).start()

    def wait_for(self, pattern, timeout=180):
        """The first match of `pattern` in the lines still to come; AssertionError with all lines if none."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s; output:\n{''.join(self.seen)}")


def test_serve_command_restarts_a_crashed_replica_and_stops_everything_on_sigterm(haproxy, drawings, tmp_path):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "deploy.serve", "--replicas", "1", "--port", str(port), "--log-dir", str(tmp_path)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = Lines(serve)
        first_pid = int(output.wait_for(r"replica1 on \S+ \(pid (\d+)\)").group(1))
        haproxy_pid = int(output.wait_for(r"HAProxy \(pid (\d+)\) serving on").group(1))
        url = f"http://127.0.0.1:{port}/"
        assert_right(read_all(Client(url, verbose=False), drawings))

        os.kill(first_pid, signal.SIGKILL)
        second_pid = int(output.wait_for(r"replica1 had stopped .*; restarted as pid (\d+)").group(1))
        assert_right(read_all(Client(url, verbose=False), drawings))

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        output.wait_for("Stopped HAProxy and every replica")
        assert not pid_running(second_pid) and not pid_running(haproxy_pid)
    finally:
        stop_process(serve)
