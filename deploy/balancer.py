"""HAProxy in front of the replicas: its config (deploy/haproxy.cfg.template), its process, its counters."""

import csv
import io
import ipaddress
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from string import Template

from deploy.replicas import log_tail, start_process

TEMPLATE_PATH = Path(__file__).resolve().with_name("haproxy.cfg.template")
HAPROXY_MISSING = "HAProxy is not installed: `apt-get install haproxy` (Debian/Ubuntu) or `brew install haproxy`"


def parse_address(text):
    """'host:port' -> (host, port); ValueError saying what is wrong otherwise. IPv6 hosts go in brackets."""
    host, separator, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not separator or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not an address: give host:port, e.g. 10.0.0.5:7860")
    if any(character.isspace() for character in host):
        raise ValueError(f"{text!r} is not an address: the host contains a space")
    return host, int(port)


def _haproxy_address(text):
    host, port = parse_address(text)
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]:{port}"
    except ValueError:
        pass  # A host name.
    return f"{host}:{port}"


def replica_names(count):
    """The server names (and cookie values) of `count` replicas: replica1, replica2, ..."""
    return [f"replica{number}" for number in range(1, count + 1)]


def render_config(replicas, bind="127.0.0.1:8080", stats_bind="127.0.0.1:8081"):
    """The HAProxy config for replicas ['host:port', ...] behind `bind`, counters on `stats_bind`."""
    if not replicas:
        raise ValueError("give at least one replica address (host:port)")
    addresses = [_haproxy_address(replica) for replica in replicas]
    if len(set(addresses)) != len(addresses):
        raise ValueError(f"the same replica address is given twice: {', '.join(replicas)}")
    servers = "\n".join(f"    server {name} {address} cookie {name}"
                        for name, address in zip(replica_names(len(addresses)), addresses))
    return Template(TEMPLATE_PATH.read_text()).substitute(
        bind=_haproxy_address(bind), stats_bind=_haproxy_address(stats_bind), servers=servers)


def haproxy_executable():
    """The path of `haproxy`; RuntimeError saying how to install it when there is none."""
    path = shutil.which("haproxy") or next(
        (candidate for candidate in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if Path(candidate).exists()),
        None)
    if path is None:
        raise RuntimeError(HAPROXY_MISSING)
    return path


def check_config(config_path):
    """Run `haproxy -c` on the file; ValueError with HAProxy's own words when it is not valid."""
    result = subprocess.run([haproxy_executable(), "-c", "-f", str(config_path)], capture_output=True, text=True)
    if result.returncode != 0:
        raise ValueError(f"HAProxy rejects {config_path}:\n{result.stdout}{result.stderr}")


def start_haproxy(config_path, log_path):
    """HAProxy in the foreground (-db) on a checked config; stop it with replicas.stop_process."""
    check_config(config_path)
    return start_process([haproxy_executable(), "-db", "-f", str(config_path)], log_path)


def server_stats(stats_url, backend="replicas"):
    """{server name: {'status': 'UP'|'DOWN'|..., 'responses': HTTP responses so far, 'sessions': ...}}."""
    with urllib.request.urlopen(stats_url.rstrip("/") + "/;csv", timeout=5) as response:
        text = response.read().decode()
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    return {
        row["svname"]: {"status": row["status"].split()[0],
                        "responses": sum(int(row[f"hrsp_{kind}xx"] or 0) for kind in "12345"),
                        "sessions": int(row["stot"] or 0)}
        for row in rows
        if row["pxname"] == backend and row["svname"] not in ("FRONTEND", "BACKEND")
    }


def wait_for_status(stats_url, servers, status, process, log_path, timeout=30):
    """Return once every named server has `status` ('UP' or 'DOWN') in HAProxy's eyes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"HAProxy exited with code {process.returncode}:\n{log_tail(log_path)}")
        try:
            stats = server_stats(stats_url)
            if all(stats[name]["status"] == status for name in servers):
                return
        except OSError:
            pass  # HAProxy is still starting.
        time.sleep(0.2)
    raise RuntimeError(f"HAProxy did not see {', '.join(servers)} {status} within {timeout} s:\n{log_tail(log_path)}")
