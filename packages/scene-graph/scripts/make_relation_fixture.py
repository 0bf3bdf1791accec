"""Reference labels for relationFromBoxes, from sg2im's COCO rule written out in Python.

Run: python3 packages/scene-graph/scripts/make_relation_fixture.py
Writes fixtures/relations.json. Boxes are random, plus exact-angle and containment cases.
"""
import json
import math
import os
import random


def sg2im_relation(s, o):
    # As in sg2im/data/coco.py, with boxes as (x0, y0, x1, y1).
    sx0, sy0, sx1, sy1 = s
    ox0, oy0, ox1, oy1 = o
    d0 = (sx0 + sx1) / 2 - (ox0 + ox1) / 2
    d1 = (sy0 + sy1) / 2 - (oy0 + oy1) / 2
    theta = math.atan2(d1, d0)
    if sx0 < ox0 and sx1 > ox1 and sy0 < oy0 and sy1 > oy1:
        return 'surrounding'
    if sx0 > ox0 and sx1 < ox1 and sy0 > oy0 and sy1 < oy1:
        return 'inside'
    if theta >= 3 * math.pi / 4 or theta <= -3 * math.pi / 4:
        return 'left of'
    if -3 * math.pi / 4 <= theta < -math.pi / 4:
        return 'above'
    if -math.pi / 4 <= theta < math.pi / 4:
        return 'right of'
    if math.pi / 4 <= theta < 3 * math.pi / 4:
        return 'below'
    raise AssertionError


def box(rng):
    x0, x1 = sorted(rng.uniform(0, 1) for _ in range(2))
    y0, y1 = sorted(rng.uniform(0, 1) for _ in range(2))
    return [x0, y0, x1, y1]


rng = random.Random(1234)
cases = [(box(rng), box(rng)) for _ in range(2000)]
# Centres on the diagonals (exact boundary angles) and shared edges (no strict containment).
for dx, dy in [(1, 1), (1, -1), (-1, 1), (-1, -1), (0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]:
    cx, cy = 0.5 + dx * 0.2, 0.5 + dy * 0.2
    cases.append(([cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05], [0.45, 0.45, 0.55, 0.55]))
cases.append(([0.1, 0.1, 0.9, 0.9], [0.1, 0.2, 0.5, 0.5]))  # shares an edge: not surrounding
cases.append(([0.1, 0.1, 0.9, 0.9], [0.2, 0.2, 0.5, 0.5]))  # strictly contains
cases.append(([0.2, 0.2, 0.5, 0.5], [0.1, 0.1, 0.9, 0.9]))  # strictly inside
out = [{'s': s, 'o': o, 'p': sg2im_relation(s, o)} for s, o in cases]
path = os.path.join(os.path.dirname(__file__), '..', 'fixtures', 'relations.json')
with open(path, 'w') as f:
    json.dump(out, f)
print(f'wrote {len(out)} cases to {os.path.normpath(path)}')
