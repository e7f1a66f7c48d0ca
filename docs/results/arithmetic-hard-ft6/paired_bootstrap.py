# Paired bootstrap over puzzles: discoveries (of 3 seeds per puzzle) of two models on the same hard set, and the
# difference of their SDPO gains over their own best-of-k. 5,000 resamples of the puzzles, seed 1; 90% intervals.
# Usage (from the repository root): python3 docs/results/arithmetic-hard-ft6/paired_bootstrap.py
import os, random, sys
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tools'))
from paired_difference import discoveries_by_puzzle, paired_interval

results = 'docs/results/'
ft4_sdpo = discoveries_by_puzzle('sdpo', [results + 'arithmetic-hard-forward-kl/ft4-set-forward-kl.json'])
ft4_bok = discoveries_by_puzzle('best-of-k', [results + 'arithmetic-hard-ft4/results.json'])
ft6_sdpo = discoveries_by_puzzle('sdpo', [results + 'arithmetic-hard-ft6/ft4-set-ft6-sdpo.json'])
ft6_bok = discoveries_by_puzzle('best-of-k', [results + 'arithmetic-hard-ft6/ft4-set-ft6-best-of-k.json'])
puzzles = sorted(ft4_sdpo)
rng = random.Random(1)
print('SDPO, ft4 minus ft6: %d [%d, %d], share of resamples <= 0: %.3f'
      % paired_interval([ft4_sdpo[p] - ft6_sdpo[p] for p in puzzles], rng))
print('SDPO minus best-of-k, ft4 minus ft6: %d [%d, %d], share of resamples <= 0: %.3f'
      % paired_interval([(ft4_sdpo[p] - ft4_bok[p]) - (ft6_sdpo[p] - ft6_bok[p]) for p in puzzles], rng))
