"""Replicas behind HAProxy: the load of bench_load.py through the balancer with 1, 2 and 3 replicas.

For each count: throughput, latency p50/p99, errors, each replica's share of the requests, and the
server CPU per call (every replica's CPU time from /proc, before and after), hence the calls per
second one CPU core can serve. The load generator runs on the same machine and its CPU is shown:
on a 2-core machine it competes with the replicas, so throughput here is a floor.

    python -m benchmarks.bench_replicas [--replicas 1 2 3] [--clients 16] [--requests 20]
"""

import argparse
import os
import tempfile
import time

from benchmarks.bench_load import run_load, summarize
from benchmarks.drawing import drawings_as_files
from deploy.local import LocalDeployment
from deploy.replicas import cpu_seconds


def cpu_times(deployment):
    """{replica name or 'haproxy': CPU seconds so far}."""
    times = {name: cpu_seconds(replica.pid) for name, replica in deployment.replicas.items()}
    times["haproxy"] = cpu_seconds(deployment.haproxy.pid)
    return times


def measure(replicas, values, clients, requests):
    """Printable lines for one load run through HAProxy in front of `replicas` replicas."""
    with LocalDeployment(replicas) as deployment:
        run_load(deployment.url, values, clients=2 * replicas, requests=len(values))  # First calls are slower.
        responses_before = {name: row["responses"] for name, row in deployment.stats().items()}
        cpu_before, client_before = cpu_times(deployment), time.process_time()
        load = run_load(deployment.url, values, clients, requests)
        cpu_after, client_after = cpu_times(deployment), time.process_time()
        responses = {name: row["responses"] - responses_before[name] for name, row in deployment.stats().items()}
    used = {name: cpu_after[name] - cpu_before[name] for name in cpu_after}
    server_cpu = sum(seconds for name, seconds in used.items() if name != "haproxy")
    calls = max(len(load.answers), 1)
    total_responses = max(sum(responses.values()), 1)
    shares = ", ".join(f"{name} {100 * count / total_responses:.0f} %" for name, count in responses.items())
    return [
        f"== {replicas} replica{'s' if replicas > 1 else ''} behind HAProxy",
        *summarize(load),
        f"HTTP requests per replica: {shares}",
        f"server CPU per call: {1000 * server_cpu / calls:.1f} ms "
        f"(replicas {server_cpu:.1f} s for {calls} calls; HAProxy {1000 * used['haproxy'] / calls:.2f} ms per call) "
        f"-> one core serves {calls / server_cpu:.0f} calls/s",
        f"CPU in {load.elapsed:.1f} s: replicas {server_cpu:.1f} s, HAProxy {used['haproxy']:.1f} s, "
        f"load generator {client_after - client_before:.1f} s, of {os.cpu_count()} cores x {load.elapsed:.1f} s",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3],
                        help="replica counts to measure in turn (default: 1 2 3)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default: 16)")
    parser.add_argument("--requests", type=int, default=20, help="requests per client (default: 20)")
    args = parser.parse_args()
    print(f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f} before starting", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        values = drawings_as_files(folder)
        for replicas in args.replicas:
            print("\n".join(measure(replicas, values, args.clients, args.requests)), flush=True)


if __name__ == "__main__":
    main()
