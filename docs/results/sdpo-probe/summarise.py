# Mean gain in log solution mass after updates 1, 2, 4, 8 and 16, per probe file: the mean over puzzles of each
# puzzle's mean over the runs that reached that update, with a 90% bootstrap interval over puzzles (2,000 resamples,
# seed 1), and in parentheses the runs that reached it. Usage: python3 summarise.py <probe.json> ...
import json, random, sys
from collections import defaultdict

for path in sys.argv[1:]:
    runs = json.load(open(path))['runs']
    cells = []
    for k in (1, 2, 4, 8, 16):
        by_puzzle = defaultdict(list)
        for run in runs:
            if len(run['gains']) >= k:
                by_puzzle[json.dumps(run['problem'])].append(run['gains'][k - 1])
        if not by_puzzle:
            continue
        means = [sum(g) / len(g) for g in by_puzzle.values()]
        rng = random.Random(1)
        boot = sorted(sum(s) / len(s) for s in ([means[rng.randrange(len(means))] for _ in means] for _ in range(2000)))
        reached = sum(len(run['gains']) >= k for run in runs)
        cells.append(f"{sum(means) / len(means):+.2f} [{boot[100]:+.2f}, {boot[1899]:+.2f}] ({reached})")
    found = sum(run['discovered'] for run in runs)
    print(f"| {path.split('/')[-1]} | " + " | ".join(cells) + f" | {found} of {len(runs)} |")
