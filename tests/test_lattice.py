"""best_path: the path through the candidate digits that the network and the shape prior like best."""

import itertools

import numpy as np
import pytest

from lenet.lattice import Lattice, best_path


def random_lattice(seed, nodes=7, span=3):
    rng = np.random.default_rng(seed)
    edges = [(start, end) for start in range(nodes - 1) for end in range(start + 1, min(nodes, start + span + 1))]
    starts, ends = np.array(edges).T
    return Lattice(
        images=np.zeros((len(edges), 28, 28), np.float32),
        starts=starts,
        ends=ends,
        penalties=rng.uniform(0, 2, len(edges)),
        cut_penalties=np.concatenate([[0.0], rng.uniform(0, 1, nodes - 2), [0.0]]),
        uncut=np.array([len(edges) - 1]),
    ), rng.dirichlet(np.full(10, 0.3), size=len(edges))


def path_score(lattice, probabilities, path):
    top = np.log(probabilities[path].max(axis=1))
    return float((top - lattice.penalties[path]).sum() - lattice.cut_penalties[lattice.ends[path]].sum())


def every_path(lattice):
    """Every chain of candidates from the first node to the last, by brute force."""
    for count in range(1, lattice.nodes):
        for path in itertools.combinations(range(len(lattice.starts)), count):
            path = list(path)
            chained = lattice.starts[path[0]] == 0 and lattice.ends[path[-1]] == lattice.nodes - 1
            if chained and all(lattice.ends[a] == lattice.starts[b] for a, b in zip(path, path[1:])):
                yield path


@pytest.mark.parametrize("seed", range(6))
def test_the_best_path_is_the_best_of_every_path(seed):
    lattice, probabilities = random_lattice(seed)
    found = best_path(lattice, probabilities)
    best = max(every_path(lattice), key=lambda path: path_score(lattice, probabilities, path))
    assert path_score(lattice, probabilities, found) == pytest.approx(path_score(lattice, probabilities, best))
    assert lattice.starts[found[0]] == 0 and lattice.ends[found[-1]] == lattice.nodes - 1


def test_two_confident_digits_beat_one_unsure_reading_of_both():
    # Nodes 0 -> 1 -> 2: two halves, or the whole as one candidate.
    lattice = Lattice(np.zeros((3, 28, 28), np.float32), np.array([0, 1, 0]), np.array([1, 2, 2]),
                      np.zeros(3), np.array([0.0, 0.3, 0.0]), np.array([2]))
    confident, unsure = np.eye(10)[0] * 0.98 + 0.002, np.full(10, 0.1)
    assert best_path(lattice, np.stack([confident, confident, unsure])).tolist() == [0, 1]
    assert best_path(lattice, np.stack([unsure, unsure, confident])).tolist() == [2]
