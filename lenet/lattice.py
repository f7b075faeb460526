"""Candidate digits of a drawing as a graph, and the best way through it.

A drawing of a number is cut in more places than it has digits. Every run of pieces between two
cuts is a candidate digit, an edge from the cut before it to the cut after it; cuts are the nodes,
numbered left to right. The number read is the path from the first node to the last whose digits
the network finds most digit-like: the recognizer decides where one digit ends (LeCun et al. 1998,
sections V-VI, "heuristic over-segmentation" with a Viterbi search).
"""

from dataclasses import dataclass

import numpy as np

# The network's top probability for a candidate is floored here before its logarithm, so one
# hopeless candidate does not dominate a path's score.
LEAST_PROBABILITY = 1e-6


@dataclass(frozen=True)
class Lattice:
    """Candidate digits: candidate s spans nodes starts[s] -> ends[s] (starts[s] < ends[s])."""

    images: np.ndarray  # (n, 28, 28) float32, each candidate as an MNIST digit
    starts: np.ndarray  # (n,) int
    ends: np.ndarray  # (n,) int
    penalties: np.ndarray  # (n,) float, how unlike one digit the candidate's shape is (log units)
    cut_penalties: np.ndarray  # (nodes,) float, the cost of cutting there (log units); 0 at gaps
    uncut: np.ndarray  # int, left to right: the candidates that are each group of ink left whole

    @property
    def nodes(self):
        return len(self.cut_penalties)


def best_path(lattice, probabilities):
    """Lattice, (n, 10) probabilities of its candidates -> int array of the candidates on the best
    path, left to right.

    A path scores the sum, over its candidates, of the log of the network's top probability minus
    the shape penalty, minus the penalty of each cut it passes through.
    """
    top = np.maximum(np.asarray(probabilities, np.float64).max(axis=1), LEAST_PROBABILITY)
    scores = np.log(top) - lattice.penalties
    best = np.full(lattice.nodes, -np.inf)
    best[0] = 0.0
    arrival = np.full(lattice.nodes, -1)
    # Nodes are numbered left to right, so candidates sorted by their end node come in an order
    # where every path reaching a candidate's start is already scored.
    for candidate in np.argsort(lattice.ends, kind="stable"):
        start, end = lattice.starts[candidate], lattice.ends[candidate]
        score = best[start] + scores[candidate] - lattice.cut_penalties[end]
        if score > best[end]:
            best[end], arrival[end] = score, candidate
    if not np.isfinite(best[-1]):
        raise ValueError("the lattice has no path from its first node to its last")
    path = []
    node = lattice.nodes - 1
    while node > 0:
        path.append(arrival[node])
        node = lattice.starts[arrival[node]]
    return np.array(path[::-1], int)
