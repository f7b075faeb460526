"""N replicas of the app on free local ports with HAProxy in front, all stopped together.

    with LocalDeployment(replicas=2) as deployment:
        Client(deployment.url).predict(...)

Used by `python -m deploy.serve`, the load benchmarks and tests/test_deploy.py.
"""

import shutil
import tempfile
from pathlib import Path

from deploy.balancer import (
    render_config,
    replica_names,
    server_stats,
    start_haproxy,
    wait_for_status,
)
from deploy.replicas import Replica, free_port, log_tail, stop_process


class LocalDeployment:
    """Replicas replica1..N of `python demo.py` on loopback and HAProxy on host:port (free ports by default).

    Logs (one per replica, haproxy.log) and haproxy.cfg go to `log_dir`; without one, to a
    temporary folder removed by stop(). Use it as a context manager, or call start() and stop().
    """

    def __init__(self, replicas=2, host="127.0.0.1", port=None, stats_port=None, log_dir=None):
        if replicas < 1:
            raise ValueError(f"replicas must be at least 1, not {replicas}")
        self.own_log_dir = log_dir is None
        self.log_dir = Path(tempfile.mkdtemp(prefix="lenet-deploy-") if self.own_log_dir else log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port or free_port(host)
        self.stats_port = stats_port or free_port()
        self.replicas = {name: Replica(name, free_port(), self.log_dir / f"{name}.log")
                         for name in replica_names(replicas)}
        self.config_path = self.log_dir / "haproxy.cfg"
        self.haproxy_log = self.log_dir / "haproxy.log"
        self.haproxy = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}/"

    @property
    def stats_url(self):
        return f"http://127.0.0.1:{self.stats_port}/"

    def start(self):
        """Start every replica (in parallel), then HAProxy; return once HAProxy sees them all UP."""
        try:
            for replica in self.replicas.values():
                replica.launch()
            for replica in self.replicas.values():
                replica.wait_until_up()
            self.config_path.write_text(render_config(
                [replica.address for replica in self.replicas.values()],
                bind=f"{self.host}:{self.port}", stats_bind=f"127.0.0.1:{self.stats_port}"))
            self.haproxy = start_haproxy(self.config_path, self.haproxy_log)
            self.wait_for(list(self.replicas), "UP")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Stop HAProxy and every replica; safe to call twice."""
        if self.haproxy is not None:
            stop_process(self.haproxy)
        for replica in self.replicas.values():
            replica.stop()
        if self.own_log_dir:
            shutil.rmtree(self.log_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def stats(self):
        """{replica name: {'status', 'responses', 'sessions'}} as HAProxy counts them."""
        return server_stats(self.stats_url)

    def wait_for(self, names, status, timeout=30):
        wait_for_status(self.stats_url, names, status, self.haproxy, self.haproxy_log, timeout)

    def kill(self, name):
        """SIGKILL one replica (a crash); return once HAProxy's health checks took it out."""
        self.replicas[name].kill()
        self.wait_for([name], "DOWN")

    def restart(self, name):
        """Start a stopped replica again on its port; return once HAProxy sends it users again."""
        self.replicas[name].start()
        self.wait_for([name], "UP")

    def check_balancer(self):
        """RuntimeError with the end of its log if HAProxy has exited: then nothing is served."""
        if self.haproxy.poll() is not None:
            raise RuntimeError(f"HAProxy exited with code {self.haproxy.returncode}:\n{log_tail(self.haproxy_log)}")

    def restart_dead(self):
        """Restart every replica whose process has exited; return their names."""
        dead = [name for name, replica in self.replicas.items() if not replica.is_running()]
        for name in dead:
            self.restart(name)
        return dead
