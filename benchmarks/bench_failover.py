"""Fault: kill one of two replicas during a load run through HAProxy, then restart it.

Clients loop /predict on the drawings of benchmarks/drawing.py for the whole run. replica1 is killed
with SIGKILL (a crash: no goodbye), restarted a few seconds after HAProxy took it out, and a new
client arrives every second from the kill on. Prints what the clients of the killed replica saw
(errors and their messages, wrong answers), what the others saw, where the newcomers went, how
long HAProxy took to take the replica out and to send users to it again, and what the
restarted replica served.

    python -m benchmarks.bench_failover [--clients 8] [--kill-after 8] [--down-for 5]
"""

import argparse
import collections
import tempfile
import threading
import time

from gradio_client import Client

from benchmarks.drawing import drawings_as_files
from deploy.local import LocalDeployment

COOKIE = "lenet_replica"  # deploy/haproxy.cfg.template's sticky cookie
VICTIM, SURVIVOR = "replica1", "replica2"
NEWCOMERS_AFTER = 4  # new clients to see arrive once the killed replica is back


class Outcomes:
    """Per call: (seconds since the start, client's replica, drawn digit, answer or None, error or None, who)."""

    def __init__(self):
        self.started = time.monotonic()
        self.calls = []
        self.lock = threading.Lock()

    def now(self):
        return time.monotonic() - self.started

    def call(self, client, digit, value, who):
        try:
            answer, error = client.predict(value, api_name="/predict")[0]["label"], None
        except Exception as exception:  # What the user of this client would see.
            answer, error = None, f"{type(exception).__name__}: {str(exception)[:160]}"
        with self.lock:
            self.calls.append((self.now(), client.cookies.get(COOKIE), digit, answer, error, who))


def regular_client(url, values, outcomes, stop):
    client = Client(url, verbose=False)
    digits = sorted(values)
    number = 0
    while not stop.is_set():
        digit = digits[number % len(digits)]
        outcomes.call(client, digit, values[digit], "regular")
        number += 1


def newcomers(url, values, outcomes, stop, arrivals):
    """A new client every second: where HAProxy puts it, and its first answer."""
    while not stop.wait(1.0):
        try:
            client = Client(url, verbose=False)
        except Exception as exception:
            arrivals.append((outcomes.now(), None, f"{type(exception).__name__}: {str(exception)[:160]}"))
            continue
        arrivals.append((outcomes.now(), client.cookies.get(COOKIE), None))
        outcomes.call(client, "7", values["7"], "newcomer")


def describe(calls, label):
    """Lines on a group of calls (grouped by when they ended): answers, wrong answers, errors by message."""
    answers = [call for call in calls if call[4] is None]
    wrong = [call for call in answers if call[3] != call[2]]
    errors = collections.Counter(call[4] for call in calls if call[4] is not None)
    lines = [f"{label}: {len(calls)} calls, {len(answers)} right answers, {len(wrong)} wrong answers, "
             f"{sum(errors.values())} errors"]
    lines += [f"    {count} x {message}" for message, count in errors.most_common()]
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="clients looping /predict (default: 8)")
    parser.add_argument("--kill-after", type=float, default=8, help="seconds of load before the kill (default: 8)")
    parser.add_argument("--down-for", type=float, default=5,
                        help="seconds between HAProxy taking replica1 out and its restart (default: 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder, LocalDeployment(replicas=2) as deployment:
        values = drawings_as_files(folder)
        outcomes, stop, arrivals = Outcomes(), threading.Event(), []
        threads = [threading.Thread(target=regular_client, args=(deployment.url, values, outcomes, stop), daemon=True)
                   for _ in range(args.clients)]
        threads.append(threading.Thread(target=newcomers, args=(deployment.url, values, outcomes, stop, arrivals),
                                        daemon=True))
        try:
            for thread in threads[:-1]:
                thread.start()
            time.sleep(args.kill_after)
            killed_at = outcomes.now()
            deployment.replicas[VICTIM].kill()
            threads[-1].start()
            deployment.wait_for([VICTIM], "DOWN")
            down_at = outcomes.now()
            time.sleep(args.down_for)
            restart_at = outcomes.now()
            deployment.restart(VICTIM)
            up_at = outcomes.now()
            served_before = deployment.stats()[VICTIM]["responses"]
            # Long enough for a few newcomers: under load each takes seconds to connect and be answered.
            deadline = time.monotonic() + 120
            while (sum(1 for when, _, _ in arrivals if when >= up_at) < NEWCOMERS_AFTER
                   and time.monotonic() < deadline):
                time.sleep(0.5)
            served_after = deployment.stats()[VICTIM]["responses"] - served_before
        finally:
            stop.set()  # Also on errors: the clients must not keep hammering a stopped balancer.
        for thread in threads:
            thread.join(timeout=120)
        ended_at = outcomes.now()

    calls = outcomes.calls
    regular = [call for call in calls if call[5] == "regular"]
    print(f"2 replicas, {args.clients} clients looping /predict for {ended_at:.0f} s; {VICTIM} killed (SIGKILL) "
          f"at {killed_at:.1f} s")
    print(f"HAProxy took {VICTIM} out {down_at - killed_at:.1f} s after the kill; restarted at {restart_at:.1f} s, "
          f"back in HAProxy {up_at - restart_at:.1f} s later (at {up_at:.1f} s)")
    for replica in (VICTIM, SURVIVOR):
        mine = [call for call in regular if call[1] == replica]
        for label, group in (("before the kill", [c for c in mine if c[0] < killed_at]),
                             ("kill -> taken out", [c for c in mine if killed_at <= c[0] < down_at]),
                             ("while out", [c for c in mine if down_at <= c[0] < up_at]),
                             ("after rejoining", [c for c in mine if c[0] >= up_at])):
            print("\n".join(describe(group, f"clients of {replica}, {label}")))
    while_out = [home for when, home, _ in arrivals if down_at <= when < up_at]
    after = [home for when, home, _ in arrivals if when >= up_at]
    print(f"newcomers while {VICTIM} was out: {len(while_out)}, on {SURVIVOR}: {while_out.count(SURVIVOR)}")
    print(f"newcomers after it rejoined: {len(after)}, on {VICTIM}: {after.count(VICTIM)}; "
          f"{VICTIM} served {served_after} HTTP requests after rejoining")
    print("\n".join(describe([c for c in calls if c[5] == "newcomer"], "newcomers' first calls")))
    refused = [error for _, _, error in arrivals if error]
    print(f"newcomers that could not connect: {len(refused)}" + "".join(f"\n    {error}" for error in refused[:5]))
    print(f"wrong answers overall: {sum(1 for c in calls if c[4] is None and c[3] != c[2])} of {len(calls)} calls")


if __name__ == "__main__":
    main()
