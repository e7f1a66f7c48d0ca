"""Discovery table from `sdpo bench` results.json files, as docs/results.md prints it.

    python3 docs/results/tools/discovery_table.py [--pool] [--seeds N] <results.json> [<results.json> ...] [--as LABEL <results.json> ...]

By default a later file's method replaces an earlier file's, so a best-of-k file and an SDPO file of the
same problems make one table. With --pool a method's runs are concatenated over all files (several
problem sets together, each with both methods; ms per attempt is then weighted by each file's attempts).
"Attempts to best-of-k's d@budget" follows BenchmarkReport's attempts-ratio rule: the smallest k at which a
method's discovery@k reaches best-of-k's discovery@budget, and best-of-k's own smallest such k divided by it;
"s to best-of-k's d@budget" is those attempts times the method's seconds per attempt (BenchmarkReport's
methodSeconds and baselineSeconds). --seeds N keeps seeds 1..N only
(e.g. the first three of a file that holds six), and its ms figures are then still the whole file's. Files after
--as LABEL have their methods named "<method> LABEL", so a variant's runs stand beside the same method's in the files
before it (a one-off build's self-teacher against the shipped one, both against the earlier files' best-of-k).
"""
import json
import sys


def read_runs(path, max_seed=None):
    data = json.load(open(path))
    results = data['results']
    runs = {}
    for problem in results['problems']:
        for method in problem['methods']:
            runs.setdefault(method['method'], []).extend(
                seed['attemptsToDiscovery'] for seed in method['seeds']
                if seed['completed'] and (max_seed is None or seed['seed'] <= max_seed))
    # Seconds per attempt with the attempts they cover, so that pooled files weigh each by its attempts.
    seconds = {m['method']: (m['secondsPerAttempt'], m['meanSecondsToDiscovery'], m['meanAttemptsSpent'] * m['runs'])
               for m in results['methods']}
    return runs, seconds, results['budget']


def discovery_at(firsts, k):
    return sum(1 for first in firsts if first is not None and first <= k) / len(firsts)


def attempts_to_level(firsts, level, budget):
    for k in range(1, budget + 1):
        if discovery_at(firsts, k) >= level - 1e-12:
            return k
    return None


def main(paths, pool, max_seed=None, labels=None):
    runs, seconds, budget = {}, {}, None
    for path in paths:
        file_runs, file_seconds, file_budget = read_runs(path, max_seed)
        if labels and labels.get(path):
            file_runs = {f'{m} {labels[path]}': r for m, r in file_runs.items()}
            file_seconds = {f'{m} {labels[path]}': f for m, f in file_seconds.items()}
        if budget is not None and file_budget != budget:
            sys.exit(f'{path}: budget {file_budget} differs from {budget}')
        budget = file_budget
        for method, firsts in file_runs.items():
            runs[method] = runs.get(method, []) + firsts if pool else firsts
        for method, figures in file_seconds.items():
            seconds[method] = seconds.get(method, []) + [figures] if pool else [figures]

    baseline = runs.get('best-of-k')
    level = discovery_at(baseline, budget) if baseline else None
    baseline_k = attempts_to_level(baseline, level, budget) if level else None
    ks = [k for k in (32, 64, 128, 256) if k < budget] + [budget]
    print('| method | discovered | ' + ' | '.join(f'd@{k}' for k in ks)
          + f' | mean attempts spent | attempts to best-of-k\'s d@{budget} | ms per attempt | s to best-of-k\'s d@{budget} |')
    print('|---' * (len(ks) + 6) + '|')
    for method, firsts in runs.items():
        spent = sum(first if first is not None else budget for first in firsts) / len(firsts)
        k = attempts_to_level(firsts, level, budget) if level else None
        ratio = f'{k} ({baseline_k / k:.2f}x)' if k else 'not reached'
        per_attempt = seconds_per_attempt(seconds[method])
        to_level = f'{k * per_attempt:.2f}' if k else '-'
        curve = ' | '.join(f'{discovery_at(firsts, k):.2f}' for k in ks)
        found = sum(first is not None for first in firsts)
        print(f'| {method} | {found} of {len(firsts)} | {curve} | {spent:.0f} | {ratio} | '
              f'{per_attempt * 1000:.1f} | {to_level} |')


def seconds_per_attempt(figures):
    """Seconds per attempt over files, each weighted by the attempts it timed."""
    attempts = sum(count for _, _, count in figures)
    return sum(per_attempt * count for per_attempt, _, count in figures) / attempts


if __name__ == '__main__':
    arguments = sys.argv[1:]
    pool = '--pool' in arguments
    max_seed = None
    if '--seeds' in arguments:
        at = arguments.index('--seeds')
        max_seed = int(arguments[at + 1])
        del arguments[at:at + 2]
    paths, labels, label = [], {}, None
    arguments = [argument for argument in arguments if argument != '--pool']
    while arguments:
        argument = arguments.pop(0)
        if argument == '--as':
            label = arguments.pop(0)
            continue
        paths.append(argument)
        labels[argument] = label
    if not paths:
        sys.exit(__doc__)
    main(paths, pool, max_seed, labels)
