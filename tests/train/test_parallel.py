"""Work spread over processes gives what the same work gives in one process, in the same order."""

import numpy as np

from lenet.train import parallel
from lenet.train.pen_render import plan_drawing, read_drawing, render_digits
from lenet.train.pendigits import PenDigit

SEVEN = (np.array([[0, 0], [100, 0], [40, 200]], np.float32),)
ONE = (np.array([[10, 0], [10, 200]], np.float32), np.array([[0, 30], [10, 0]], np.float32))


def square_and_pid(number):
    import os

    return number * number, os.getpid()


def test_results_come_back_in_order_from_a_pool_of_the_workers_asked_for(monkeypatch):
    import os

    pools, pool = [], parallel.ProcessPoolExecutor

    def recorded(workers, **kwargs):
        pools.append(workers)
        return pool(workers, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", recorded)
    results = parallel.map_in_processes(square_and_pid, range(1000), workers=2)
    assert [square for square, _ in results] == [number * number for number in range(1000)]
    # Which worker takes which chunk is the OS's choice; that none of the work ran here is not.
    assert pools == [2] and os.getpid() not in {pid for _, pid in results}


def test_few_items_or_one_worker_run_in_this_process():
    import os

    for items, workers in ((range(10), 2), (range(500), 1)):
        assert {pid for _, pid in parallel.map_in_processes(square_and_pid, items, workers)} == {os.getpid()}


def test_a_pool_that_cannot_start_falls_back_to_this_process(monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError("cannot fork")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_processes)
    assert [square for square, _ in parallel.map_in_processes(square_and_pid, range(300), 2)] == [
        number * number for number in range(300)]


def test_drawings_painted_in_parallel_are_those_painted_one_by_one():
    digits = [PenDigit(7, 1, SEVEN), PenDigit(1, 2, ONE)] * 60  # 120 digits, 2 variants: a pool.
    images, labels = render_digits(digits, 2, seed=4)
    rng = np.random.default_rng(4)
    one_by_one = [read_drawing(plan_drawing(digit.strokes, rng)) for _ in range(2) for digit in digits]
    np.testing.assert_array_equal(images, np.stack(one_by_one))
    assert labels.tolist() == [digit.label for digit in digits] * 2
