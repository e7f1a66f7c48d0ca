# Paired bootstrap over puzzles: discoveries (of 3 seeds per puzzle) of two models on the same hard set, and the
# difference of their SDPO gains over their own best-of-k. 5,000 resamples of the puzzles, seed 1; 90% intervals.
# Usage (from the repository root): python3 docs/results/arithmetic-hard-ft6/paired_bootstrap.py
import json, random

def discoveries(path, method):
    found = {}
    for problem in json.load(open(path))['results']['problems']:
        key = problem['label']  # the puzzle, e.g. '12 9 1 5 -> 56'
        for m in problem['methods']:
            if m['method'] == method:
                found[key] = sum(1 for s in m['seeds'] if s['completed'] and s['attemptsToDiscovery'] is not None)
    return found

def interval(values, rng):
    sums = sorted(sum(values[rng.randrange(len(values))] for _ in values) for _ in range(5000))
    return sum(values), sums[250], sums[4749], sum(s <= 0 for s in sums) / len(sums)

results = 'docs/results/'
ft4_sdpo = discoveries(results + 'arithmetic-hard-forward-kl/ft4-set-forward-kl.json', 'sdpo')
ft4_bok = discoveries(results + 'arithmetic-hard-ft4/results.json', 'best-of-k')
ft6_sdpo = discoveries(results + 'arithmetic-hard-ft6/ft4-set-ft6-sdpo.json', 'sdpo')
ft6_bok = discoveries(results + 'arithmetic-hard-ft6/ft4-set-ft6-best-of-k.json', 'best-of-k')
puzzles = sorted(ft4_sdpo)
rng = random.Random(1)
print('SDPO, ft4 minus ft6: %d [%d, %d], share of resamples <= 0: %.3f'
      % interval([ft4_sdpo[p] - ft6_sdpo[p] for p in puzzles], rng))
print('SDPO minus best-of-k, ft4 minus ft6: %d [%d, %d], share of resamples <= 0: %.3f'
      % interval([(ft4_sdpo[p] - ft4_bok[p]) - (ft6_sdpo[p] - ft6_bok[p]) for p in puzzles], rng))
