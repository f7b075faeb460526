"""Serve many users: N replicas of the app on this machine behind HAProxy, until Ctrl-C or SIGTERM.

    python -m deploy.serve --replicas 2                      # http://127.0.0.1:8080
    python -m deploy.serve --replicas 2 --host 0.0.0.0       # the whole classroom's network
    python -m deploy.serve --print-config --replica 10.0.0.5:7860 --replica 10.0.0.6:7860 > haproxy.cfg

Replicas that crash are restarted; HAProxy sends their users to the others meanwhile.
"""

import argparse
import signal
import sys
import tempfile
import time

from deploy.balancer import render_config
from deploy.local import LocalDeployment
from deploy.replicas import port_is_free

WATCH_INTERVAL = 2  # seconds between checks that every replica is still running


def _stop_on(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def print_config(args):
    """Write the HAProxy config for replicas that run elsewhere (started there with `python demo.py`)."""
    try:
        print(render_config(args.replica, bind=args.bind, stats_bind=args.stats_bind))
    except ValueError as error:
        sys.exit(f"error: {error}")


def serve(args):
    # SIGTERM (systemd, docker stop, kill) and a closed terminal stop everything like Ctrl-C does.
    signal.signal(signal.SIGTERM, _stop_on)
    signal.signal(signal.SIGHUP, _stop_on)
    if not port_is_free(args.host, args.port):
        sys.exit(f"error: {args.host}:{args.port} is already in use; choose another port with --port")
    # Logs stay after the end (in a new temporary folder unless --log-dir says where).
    log_dir = args.log_dir or tempfile.mkdtemp(prefix="lenet-deploy-")
    deployment = LocalDeployment(args.replicas, host=args.host, port=args.port, log_dir=log_dir)
    print(f"Starting {args.replicas} replicas (about 6 s each on 2 cores); logs in {deployment.log_dir}", flush=True)
    try:
        with deployment:
            for replica in deployment.replicas.values():
                print(f"{replica.name} on {replica.url} (pid {replica.pid})", flush=True)
            print(f"HAProxy (pid {deployment.haproxy.pid}) serving on {deployment.url}, counters on "
                  f"{deployment.stats_url}; Ctrl-C stops all.", flush=True)
            while True:
                time.sleep(WATCH_INTERVAL)
                deployment.check_balancer()
                try:
                    for name in deployment.restart_dead():
                        print(f"{name} had stopped (see {deployment.replicas[name].log_path}); restarted as "
                              f"pid {deployment.replicas[name].pid}", flush=True)
                except RuntimeError as error:  # It could not start; try again at the next check.
                    print(f"a replica could not be restarted: {error}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("Stopped HAProxy and every replica.")
    except (RuntimeError, ValueError) as error:
        sys.exit(f"error: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2,
                        help="app processes to run; about one per core (default: 2)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address HAProxy listens on; 0.0.0.0 for every network (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port HAProxy listens on (default: 8080)")
    parser.add_argument("--log-dir", help="where logs and haproxy.cfg go (default: a new temporary folder)")
    parser.add_argument("--print-config", action="store_true",
                        help="only print the HAProxy config for the --replica addresses, start nothing")
    parser.add_argument("--replica", action="append", default=[], metavar="HOST:PORT",
                        help="with --print-config: a replica's address, repeated for each (default: none)")
    parser.add_argument("--bind", default="0.0.0.0:8080",
                        help="with --print-config: address HAProxy listens on (default: 0.0.0.0:8080)")
    parser.add_argument("--stats-bind", default="127.0.0.1:8081",
                        help="with --print-config: address of HAProxy's counters page (default: 127.0.0.1:8081)")
    args = parser.parse_args()
    if args.print_config:
        print_config(args)
    elif args.replica:
        parser.error("--replica only goes with --print-config; without it replicas are started here")
    elif args.replicas < 1:
        parser.error(f"--replicas must be at least 1, not {args.replicas}")
    else:
        serve(args)


if __name__ == "__main__":
    main()
