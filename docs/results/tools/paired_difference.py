"""Difference in discoveries between two methods over the same puzzles, with a paired bootstrap interval.

    python3 docs/results/tools/paired_difference.py [--seeds N] <method A> <results.json ...> -- <method B> <results.json ...>

Each side pools its files' runs of its method by puzzle (its label, e.g. '12 9 1 5 -> 56'). Puzzles are resampled with
replacement (5,000 times, seed 1), each keeping its discoveries by both methods, so the interval reflects
which puzzles happened to be drawn. Prints A − B with its 90% percentile interval. --seeds N counts seeds 1..N only.
"""
import json
import random
import sys


def discoveries_by_puzzle(method, paths, max_seed=None):
    found = {}
    for path in paths:
        for problem in json.load(open(path))['results']['problems']:
            key = problem['label']
            for entry in problem['methods']:
                if entry['method'] == method:
                    found[key] = found.get(key, 0) + sum(
                        1 for seed in entry['seeds'] if seed['completed'] and seed['attemptsToDiscovery'] is not None
                        and (max_seed is None or seed['seed'] <= max_seed))
    return found


def paired_interval(differences, generator, resamples=5000):
    """The sum of per-puzzle differences, its 90% percentile bootstrap interval over puzzles, and the share of
    resamples at or below zero."""
    sums = sorted(sum(generator.choice(differences) for _ in differences) for _ in range(resamples))
    return sum(differences), sums[int(0.05 * resamples)], sums[int(0.95 * resamples) - 1], sum(s <= 0 for s in sums) / resamples


def main(arguments):
    max_seed = None
    if arguments[:1] == ['--seeds']:
        max_seed, arguments = int(arguments[1]), arguments[2:]
    if '--' not in arguments:
        sys.exit(__doc__)
    split = arguments.index('--')
    (method_a, *paths_a), (method_b, *paths_b) = arguments[:split], arguments[split + 1:]
    a, b = discoveries_by_puzzle(method_a, paths_a, max_seed), discoveries_by_puzzle(method_b, paths_b, max_seed)
    puzzles = sorted(set(a) & set(b))
    if not puzzles:
        sys.exit('no puzzle has runs of both methods')
    total, low, high, _ = paired_interval([a[p] - b[p] for p in puzzles], random.Random(1))
    print(f'{len(puzzles)} puzzles: {method_a} {sum(a[p] for p in puzzles)}, {method_b} {sum(b[p] for p in puzzles)}, '
          f'difference {total} [90% {low}, {high}]')


if __name__ == '__main__':
    main(sys.argv[1:])
