"""Difference in a tier's pass@1 between two `sdpo eval` files drawn on the same puzzles, with a paired bootstrap interval.

    python3 docs/results/tools/paired_pass_rate.py [--greedy] <eval A.json> <eval B.json> [tier]
    python3 docs/results/tools/paired_pass_rate.py [--greedy] --pool <eval.json>[:tier] [<eval.json>[:tier] ...]

Both files must hold the same puzzles in the same order (the same --seed and --per-tier, or the same --problems file);
tier is Easy by default ("problems" for --problems files). Puzzles are resampled with replacement (10,000 times,
seed 1), each keeping its pass rate under both models. Prints both means and B − A in percentage points with its 90%
percentile interval.

--pool joins the named files' puzzles of one model (e.g. two slice draws: `eval-…-seed-1000.json:Easy
easy-slice-seed-3000-….json:problems`) and prints their mean pass@1 with a 90% bootstrap interval over the puzzles,
resampled the same way.

--greedy reads each puzzle's one temperature-0 answer (pass 1 or 0) in place of its sampled pass rate.
"""
import json
import random
import sys


GREEDY = '--greedy' in sys.argv[1:2]


def pass_rate(puzzle):
    if GREEDY:
        return 1.0 if puzzle['GreedyPassed'] else 0.0
    return puzzle['Passed'] / puzzle['Samples']


def pass_rates(path, tier):
    data = json.load(open(path))
    return [(json.dumps(p['problem'], sort_keys=True), pass_rate(p)) for p in data['puzzles'] if p['tier'] == tier]


def interval(values):
    rng = random.Random(1)
    n = len(values)
    boots = sorted(sum(rng.choice(values) for _ in values) / n for _ in range(10000))
    return boots[500], boots[9500]


def pool(specs):
    rates = []
    for spec in specs:
        path, _, tier = spec.partition(':')
        rates += [rate for _, rate in pass_rates(path, tier or 'Easy')]
    low, high = interval(rates)
    label = 'greedy pass@1' if GREEDY else 'pass@1'
    print(f"{len(rates)} puzzles: {label} {100 * sum(rates) / len(rates):.1f}% [90% {100 * low:.1f}, {100 * high:.1f}]")


def main(path_a, path_b, tier):
    a, b = pass_rates(path_a, tier), pass_rates(path_b, tier)
    if [key for key, _ in a] != [key for key, _ in b]:
        sys.exit('the two files do not hold the same puzzles in the same order')
    diffs = [y - x for (_, x), (_, y) in zip(a, b)]
    n = len(diffs)
    low, high = interval(diffs)
    print(f"{n} puzzles ({tier}): A {100 * sum(x for _, x in a) / n:.1f}%, B {100 * sum(y for _, y in b) / n:.1f}%, "
          f"B − A {100 * sum(diffs) / n:+.1f} points [90% {100 * low:+.1f}, {100 * high:+.1f}]")


if __name__ == '__main__':
    args = sys.argv[2:] if GREEDY else sys.argv[1:]
    if len(args) > 1 and args[0] == '--pool':
        pool(args[1:])
        sys.exit()
    if len(args) not in (2, 3):
        sys.exit(__doc__)
    main(args[0], args[1], args[2] if len(args) == 3 else 'Easy')
