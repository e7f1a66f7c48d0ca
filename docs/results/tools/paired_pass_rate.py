"""Difference in a tier's pass@1 between two `sdpo eval` files drawn on the same puzzles, with a paired bootstrap interval.

    python3 docs/results/tools/paired_pass_rate.py <eval A.json> <eval B.json> [tier]

Both files must hold the same puzzles in the same order (the same --seed and --per-tier, or the same --problems file);
tier is Easy by default ("problems" for --problems files). Puzzles are resampled with replacement (10,000 times,
seed 1), each keeping its pass rate under both models. Prints both means and B − A in percentage points with its 90%
percentile interval.
"""
import json
import random
import sys


def pass_rates(path, tier):
    data = json.load(open(path))
    return [(json.dumps(p['problem'], sort_keys=True), p['Passed'] / p['Samples']) for p in data['puzzles'] if p['tier'] == tier]


def main(path_a, path_b, tier):
    a, b = pass_rates(path_a, tier), pass_rates(path_b, tier)
    if [key for key, _ in a] != [key for key, _ in b]:
        sys.exit('the two files do not hold the same puzzles in the same order')
    diffs = [y - x for (_, x), (_, y) in zip(a, b)]
    n = len(diffs)
    rng = random.Random(1)
    boots = sorted(sum(rng.choice(diffs) for _ in diffs) / n for _ in range(10000))
    print(f"{n} puzzles ({tier}): A {100 * sum(x for _, x in a) / n:.1f}%, B {100 * sum(y for _, y in b) / n:.1f}%, "
          f"B − A {100 * sum(diffs) / n:+.1f} points [90% {100 * boots[500]:+.1f}, {100 * boots[9500]:+.1f}]")


if __name__ == '__main__':
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else 'Easy')
