"""Difference in discoveries between two methods over the same puzzles, with a paired bootstrap interval.

    python3 docs/results/tools/paired_difference.py <method A> <results.json ...> -- <method B> <results.json ...>

Each side pools its files' runs of its method by puzzle (its label, e.g. '12 9 1 5 -> 56'). Puzzles are resampled with
replacement (5,000 times, seed 1), each keeping its discoveries by both methods, so the interval reflects
which puzzles happened to be drawn. Prints A − B with its 90% percentile interval.
"""
import json
import random
import sys


def discoveries_by_puzzle(method, paths):
    found = {}
    for path in paths:
        for problem in json.load(open(path))['results']['problems']:
            key = problem['label']
            for entry in problem['methods']:
                if entry['method'] == method:
                    found[key] = found.get(key, 0) + sum(
                        1 for seed in entry['seeds'] if seed['completed'] and seed['attemptsToDiscovery'] is not None)
    return found


def main(arguments):
    if '--' not in arguments:
        sys.exit(__doc__)
    split = arguments.index('--')
    (method_a, *paths_a), (method_b, *paths_b) = arguments[:split], arguments[split + 1:]
    a, b = discoveries_by_puzzle(method_a, paths_a), discoveries_by_puzzle(method_b, paths_b)
    puzzles = sorted(set(a) & set(b))
    if not puzzles:
        sys.exit('no puzzle has runs of both methods')
    differences = [a[p] - b[p] for p in puzzles]
    generator = random.Random(1)
    resampled = sorted(sum(generator.choice(differences) for _ in puzzles) for _ in range(5000))
    low, high = resampled[int(0.05 * len(resampled))], resampled[int(0.95 * len(resampled)) - 1]
    print(f'{len(puzzles)} puzzles: {method_a} {sum(a[p] for p in puzzles)}, {method_b} {sum(b[p] for p in puzzles)}, '
          f'difference {sum(differences)} [90% {low}, {high}]')


if __name__ == '__main__':
    main(sys.argv[1:])
