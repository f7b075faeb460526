"""Replicas of the app: `python demo.py` processes on their own ports, started, watched and stopped.

Each replica is a whole app (model, Gradio queue, uploads); a load balancer in front keeps every
user on one of them (deploy/balancer.py).
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lenet.config import PROJECT_ROOT


def free_port(host="127.0.0.1"):
    """A port nobody listens on right now on `host`."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def port_is_free(host, port):
    """True when nothing listens on host:port, so a server can bind it now."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def replica_env(port, host="127.0.0.1", proxy_addresses="127.0.0.1", root_path=""):
    """The environment of a replica listening on host:port behind a reverse proxy.

    `proxy_addresses` (comma-separated IPs, FORWARDED_ALLOW_IPS) are trusted to say who the client
    is (X-Forwarded-For): the balancer's address, or nobody else can pass for any client.
    `root_path` (GRADIO_ROOT_PATH) is the URL prefix the proxy serves the app under, e.g. "/lenet"
    when the proxy strips it before forwarding; "" when it serves the app at "/".
    """
    return {
        **os.environ,
        "GRADIO_SERVER_NAME": host,
        "GRADIO_SERVER_PORT": str(port),
        "FORWARDED_ALLOW_IPS": proxy_addresses,
        "GRADIO_ROOT_PATH": root_path,
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }


def _die_with_parent():
    """Runs in the child before exec: Linux sends it SIGTERM when the thread that started it exits.

    So replicas never outlive a supervisor killed with SIGKILL (its cleanup cannot run then).
    """
    if sys.platform.startswith("linux"):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_process(command, log_path, env=None, cwd=PROJECT_ROOT):
    """Popen `command` with stdout and stderr appended to `log_path`; it dies with this process."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)


def stop_process(process, timeout=10):
    """SIGTERM, then SIGKILL if it has not exited after `timeout` seconds; returns its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def log_tail(log_path, lines=30):
    """The last `lines` lines of a log file, for error messages ("" when there is none)."""
    path = Path(log_path)
    text = path.read_text(errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until_answering(url, process, log_path, timeout=180):
    """Return once `url` answers 200; RuntimeError with the log's end if the process exits or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            command = " ".join(map(str, process.args))
            raise RuntimeError(f"`{command}` exited with code {process.returncode}:\n{log_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # Not listening yet: Gradio (and TensorFlow, if served) take seconds to import.
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s:\n{log_tail(log_path)}")


def cpu_seconds(pid):
    """User + system CPU time a running process has used so far, in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After "pid (comm)": utime and stime are fields 14 and 15 of proc(5), in clock ticks.
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid):
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    for process in [pid, *_children(pid)]:
        for line in Path(f"/proc/{process}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def _children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_children(int(child))]
    return found


class Replica:
    """One `python demo.py` (or `command`) on host:port, its output appended to `log_path`; start() waits until it answers."""

    def __init__(self, name, port, log_path, host="127.0.0.1", proxy_addresses="127.0.0.1", root_path="",
                 command=None):
        self.name = name
        self.command = command or [sys.executable, "demo.py"]
        self.host = host
        self.port = port
        self.log_path = Path(log_path)
        self.env = replica_env(port, host, proxy_addresses, root_path)
        self.process = None

    @property
    def address(self):
        return f"{self.host}:{self.port}"

    @property
    def url(self):
        return f"http://{self.address}/"

    @property
    def pid(self):
        return self.process.pid

    def launch(self):
        """Start the process without waiting for it; wait_until_up() waits."""
        self.process = start_process(self.command, self.log_path, env=self.env)

    def wait_until_up(self, timeout=180):
        wait_until_answering(self.url, self.process, self.log_path, timeout)

    def start(self, timeout=180):
        self.launch()
        self.wait_until_up(timeout)

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL, the way a crash or an out-of-memory kill ends it: no cleanup, no goodbye."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process is not None:
            stop_process(self.process)
