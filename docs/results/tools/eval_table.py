"""One row per `sdpo eval` eval.json: teacher advantage by feedback kind and over all failures, pass rates.

    python3 docs/results/tools/eval_table.py <name>=<eval.json> [<name>=<eval.json> ...]

"All failures" is the case-weighted mean of the per-kind figures (malformed attempts included), and its
share of positive cases likewise.
"""
import json
import sys


def row(name, path):
    data = json.load(open(path))
    kinds = {entry['kind']: entry for entry in data['teacherAdvantage']}
    cases = sum(entry['Cases'] for entry in kinds.values())
    mean = sum(entry['Cases'] * entry['MeanNats'] for entry in kinds.values()) / cases
    positive = sum(entry['Cases'] * entry['SharePositive'] for entry in kinds.values()) / cases

    def kind(label):
        entry = kinds.get(label)
        return f"{entry['MeanNats']:+.2f} ({entry['SharePositive'] * 100:.0f}%, {entry['Cases']})" if entry else '–'

    tiers = {tier['tier']: tier for tier in data['tiers']}
    easy, mid, hard = tiers['Easy'], tiers['Mid'], tiers['Hard']
    greedy = f"{easy['GreedyPassAt1'] * 100:.0f}%" if 'GreedyPassAt1' in easy else '–'
    return (f"| {name} | {data['PerTier']} a tier | {kind('WrongValue')} | {kind('NumbersMisused')} | "
            f"**{mean:+.2f}** ({positive * 100:.0f}%, {cases}) | "
            f"{easy['PassAt1'] * 100:.1f}% / {mid['PassAt1'] * 100:.1f}% | "
            f"{easy['PassAt64']:.2f} / {mid['PassAt64']:.2f} / {hard['PassAt64']:.2f} | {greedy} |")


def main(arguments):
    print('| model | eval puzzles | wrong value | numbers misused | all failures | pass@1 easy / mid | '
          'pass@64 easy / mid / hard | greedy easy |')
    print('|---|---|---|---|---|---|---|---|')
    for argument in arguments:
        name, _, path = argument.partition('=')
        if not path:
            sys.exit(f'expected name=path, got {argument}')
        print(row(name, path))


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
