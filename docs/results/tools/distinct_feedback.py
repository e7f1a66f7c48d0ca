"""Per step of SDPO runs' event streams: how many distinct failed attempts there were, and how many distinct feedbacks.

    python3 docs/results/tools/distinct_feedback.py <events.sse> [<events.sse> ...]

The files are /solve event streams (curl -N with `accept: text/event-stream`), e.g. those that
service_solve_timing.sh keeps. If distinct attempts mostly have distinct feedback, scoring each distinct teacher
context once would save nothing over scoring each distinct attempt once (docs/benchmarks.md).
"""
import collections
import json
import sys


def main(paths):
    attempts = feedbacks = 0
    for path in paths:
        steps = collections.defaultdict(set)
        for line in open(path):
            if not line.startswith('data: '):
                continue
            event = json.loads(line[len('data: '):])
            if event.get('type') == 'attempt' and not event['verdict']['passed']:
                steps[event['step']].add((event['text'], event['verdict']['feedback']))
        file_attempts = sum(len({text for text, _ in failures}) for failures in steps.values())
        file_feedbacks = sum(len({feedback for _, feedback in failures}) for failures in steps.values())
        print(f'{path}: {file_attempts} distinct failed attempts, {file_feedbacks} distinct feedbacks (summed over steps)')
        attempts += file_attempts
        feedbacks += file_feedbacks
    print(f'all: {attempts} distinct failed attempts, {feedbacks} distinct feedbacks')


if __name__ == '__main__':
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
