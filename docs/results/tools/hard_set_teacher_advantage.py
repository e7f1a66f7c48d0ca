"""Issue 8's gate measured on a benchmark's own hard puzzles, through the running service.

    python3 docs/results/tools/hard_set_teacher_advantage.py --problems <problems.jsonl> [--attempts 16] [--seed 1]
        [--cases 8] [--url http://localhost:5000] [-o out.json] [--discovery <results.json> ...]
    python3 docs/results/tools/hard_set_teacher_advantage.py --pool <out.json> ...

For each puzzle, POST /solve samples --attempts best-of-k attempts (seed --seed); up to --cases distinct failed attempts
with feedback become cases of POST /teacher-advantage without an answer, so each is scored against the passing answer
nearest to it (the model's log-probability of that answer after SDPO's teacher context with the attempt's feedback,
minus after the question alone). Prints the mean over all cases, the share above zero, and both by verdict status;
writes every case to -o. --pool reads such files instead of measuring and prints the same figures over all of them,
with the median and a split of wrong-value failures by whether their feedback also says numbers were misused. With
--discovery (benchmark results.json files holding best-of-k and self-teacher runs of the
same puzzles), also prints how the puzzles' mean advantage ranks against the self-teacher's extra discoveries.
"""
import argparse
import json
import time
import urllib.request


def call(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={'content-type': 'application/json'}, method='POST' if body is not None else 'GET')
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.load(response)


def failed_attempts(url, spec, attempts, seed):
    run = call(f'{url}/solve', {'problem': spec, 'method': 'best-of-k', 'seed': seed,
                                 'budget': {'maxAttempts': attempts, 'attemptsPerStep': attempts}})
    while call(f"{url}/solve/{run['id']}")['status'] in ('queued', 'running'):
        time.sleep(0.2)
    items = call(f"{url}/solve/{run['id']}/attempts?limit=500")['items']
    seen, failures = set(), []
    for item in items:
        if item['passed'] or not (item.get('feedback') or '').strip() or item['text'] in seen:
            continue
        seen.add(item['text'])
        failures.append(item)
    return failures


def label(spec):
    return ' '.join(str(n) for n in spec['numbers']) + f" -> {spec['target']}"


def discoveries_by_puzzle(paths, method):
    found = {}
    for path in paths:
        for problem in json.load(open(path))['results']['problems']:
            for entry in problem['methods']:
                if entry['method'] == method:
                    found[problem['label']] = found.get(problem['label'], 0) + sum(
                        1 for seed in entry['seeds'] if seed['completed'] and seed['attemptsToDiscovery'] is not None)
    return found


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2
        i = j + 1
    return result


def spearman(xs, ys):
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    var = (sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry)) ** 0.5
    return cov / var if var else float('nan')


def summary(name, nats):
    if not nats:
        return f'{name}: no cases'
    middle = sorted(nats)[len(nats) // 2] if len(nats) % 2 else sum(sorted(nats)[len(nats) // 2 - 1:len(nats) // 2 + 1]) / 2
    return (f'{name}: {sum(nats) / len(nats):+.2f} nats (median {middle:+.2f}, {100 * sum(n > 0 for n in nats) / len(nats):.0f}% > 0, '
            f'{len(nats)} cases)')


def print_summary(rows):
    every = [case for row in rows for case in row['cases']]
    print(summary('all failures', [c['nats'] for c in every]))
    for status in sorted({c['attemptStatus'] for c in every}):
        print(summary(f'  {status}', [c['nats'] for c in every if c['attemptStatus'] == status]))
    misused = [c['nats'] for c in every if 'Numbers:' in c['feedback']]
    print(summary('  feedback naming misused numbers', misused))
    print(summary('  wrong value only', [c['nats'] for c in every if 'Numbers:' not in c['feedback'] and c['attemptStatus'] == 'wrong']))
    means = [sum(c['nats'] for c in row['cases']) / len(row['cases']) for row in rows if row['cases']]
    print(summary('puzzle means', means))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--problems')
    parser.add_argument('--pool', nargs='+')
    parser.add_argument('--url', default='http://localhost:5000')
    parser.add_argument('--attempts', type=int, default=16)
    parser.add_argument('--cases', type=int, default=8)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('-o', '--output')
    parser.add_argument('--discovery', nargs='*', default=[])
    args = parser.parse_args()
    if args.pool:
        print_summary([row for path in args.pool for row in json.load(open(path))['puzzles']])
        return
    if not args.problems:
        parser.error('--problems is required (or --pool with saved files)')

    puzzles = [json.loads(line) for line in open(args.problems) if line.strip()]
    rows = []
    for spec in puzzles:
        failures = failed_attempts(args.url, spec, args.attempts, args.seed)[:args.cases]
        if not failures:
            rows.append({'label': label(spec), 'cases': []})
            print(f'{label(spec)}: no failure with feedback in {args.attempts} attempts (an early pass)', flush=True)
            continue
        report = call(f'{args.url}/teacher-advantage', {'cases': [{'problem': spec, 'attempt': f['text']} for f in failures]})
        rows.append({'label': label(spec), 'cases': [dict(result, attempt=f['text']) for f, result in zip(failures, report['cases'])]})
        print(f"{label(spec)}: {report['meanNats']:+.2f} nats over {len(failures)} failures", flush=True)

    print_summary(rows)
    if args.output:
        json.dump({'problems': args.problems, 'attempts': args.attempts, 'seed': args.seed, 'puzzles': rows}, open(args.output, 'w'), indent=1)

    if args.discovery:
        teacher = discoveries_by_puzzle(args.discovery, 'self-teacher')
        baseline = discoveries_by_puzzle(args.discovery, 'best-of-k')
        measured = [row for row in rows if row['cases'] and row['label'] in teacher and row['label'] in baseline]
        gains = [teacher[row['label']] - baseline[row['label']] for row in measured]
        advantages = [sum(c['nats'] for c in row['cases']) / len(row['cases']) for row in measured]
        print(f'{len(measured)} puzzles: Spearman rank correlation of mean advantage with self-teacher − best-of-k discoveries '
              f'{spearman(advantages, gains):+.2f}')
        half = sorted(range(len(measured)), key=lambda i: advantages[i])
        low, high = half[:len(half) // 2], half[len(half) // 2:]
        print(f'  lower half by advantage (mean {sum(advantages[i] for i in low) / len(low):+.2f} nats): '
              f'{sum(gains[i] for i in low):+d} discoveries; upper half (mean {sum(advantages[i] for i in high) / len(high):+.2f}): '
              f'{sum(gains[i] for i in high):+d}')


if __name__ == '__main__':
    main()
