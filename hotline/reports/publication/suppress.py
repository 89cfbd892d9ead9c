"""Complementary suppression over linked tables, checked by linear programming.

The tables of a release are described as cells (every count, its margins and its totals) and the
linear relations between them: a parent cell is the sum of its children (a total of its row, a
quarter of its months), or at least the sum of the children that are published (the others are
never shown). `protect` returns which published cells must be hidden:

- *primary*: a count below 3, zero included (shown "<3");
- *complementary*: a count of 3 or more hidden so that no primary cell can be worked out (shown "x").

The audit's attacker knows every published number exactly, that a primary cell lies in [0, 2],
that a complementary cell is at least 3 (it would read "<3" otherwise), that an unpublished cell
is at least 0, and every relation. A primary cell is protected when, by linear programming over
all of that, it can be 0 and can be at least 1: nothing pins it, and nothing shows that anyone is
there. The pattern is built bottom-up (months, then quarters, then the year): a level adds hidden
cells of its own only, so a month's pattern depends on that month's data alone and stays the same
when the quarter or the year around it is published.

Greedy first (for each relation, the hidden cells in it must be able to absorb a change of the
primary cell; a lone hidden cell in a relation gets a partner), then the LP audit of every primary
cell, then one more hidden cell next to each cell that failed, until the audit passes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

SMALL = 3
SHOWN, PRIMARY, SECONDARY, MASKED, FREE = "shown", "primary", "secondary", "masked", "free"
EPS = 1e-6  # the LP's tolerance (HiGHS works to 1e-7)
INFINITY = float("inf")

Key = Hashable
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relation:
    """sum(children) == parent, or sum(children) <= parent when `exact` is False."""

    parent: Key
    children: tuple[Key, ...]
    exact: bool = True

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.parent, *self.children)

    def terms(self) -> list[tuple[Key, int]]:
        return [(child, 1) for child in self.children] + [(self.parent, -1)]


def prune(relations: Iterable[Relation], published: set[Key]) -> list[Relation]:
    """Drop unpublished cells that occur in one relation only (they carry no link).

    A dropped child turns its relation into an inequality (the other children add up to at most
    the parent); a relation whose unpublished parent occurs nowhere else says nothing and goes.
    """
    current = list(dict.fromkeys(relations))
    while True:
        uses: dict[Key, int] = defaultdict(int)
        for relation in current:
            for member in relation.members:
                uses[member] += 1
        lone = {k for k, n in uses.items() if n == 1 and k not in published}
        if not lone:
            return current
        result = []
        for relation in current:
            if relation.parent in lone:
                continue
            children = tuple(c for c in relation.children if c not in lone)
            if not children:
                continue
            exact = relation.exact and len(children) == len(relation.children)
            result.append(Relation(relation.parent, children, exact))
        current = result


class Pattern:
    """The state of the suppression: every cell's status, and the LP audit."""

    def __init__(
        self,
        values: dict[Key, int],
        published: set[Key],
        relations: list[Relation],
        level: Callable[[Key], int],
        *,
        small: int = SMALL,
        siblings: Iterable[tuple[int, tuple[str, ...]]] = (),
    ) -> None:
        self.values = values
        self.siblings = list(siblings)
        self.level = level
        self.relations = prune(relations, published)
        self.status: dict[Key, str] = {}
        for relation in self.relations:
            for key in relation.members:
                self.status[key] = FREE
        for key in published:
            self.status[key] = PRIMARY if values.get(key, 0) < small else SHOWN
        self.by_member: dict[Key, list[Relation]] = defaultdict(list)
        for relation in self.relations:
            for key in relation.members:
                self.by_member[key].append(relation)
        self.rounds = 0
        self.lp_solves = 0

    # --- bounds the attacker knows -------------------------------------------------------------

    def bounds(self, key: Key) -> tuple[float, float]:
        status = self.status[key]
        if status == PRIMARY:
            return 0.0, float(SMALL - 1)
        if status in (SECONDARY, MASKED, FREE):
            return 0.0, INFINITY
        value = float(self.values.get(key, 0))
        return value, value

    def hidden(self, key: Key) -> bool:
        return self.status.get(key, SHOWN) != SHOWN

    # --- the whole run -------------------------------------------------------------------------

    def run(self) -> dict[Key, str]:
        levels = sorted({self.level(k) for k in self.status})
        for top in levels:
            active = [r for r in self.relations if max(self.level(m) for m in r.members) <= top]
            index: dict[Key, list[Relation]] = defaultdict(list)
            for relation in active:
                for key in relation.members:
                    index[key].append(relation)
            while True:
                self.rounds += 1
                self._greedy(active, lambda k, top=top: self.level(k) == top)
                failing = self.audit(active)
                if not failing:
                    break
                added = False
                for key in failing:
                    choice = self._neighbour(key, index, lambda k, top=top: self.level(k) == top)
                    if choice is None:  # nothing left at this level: reach down (rare)
                        choice = self._neighbour(key, index, lambda k, top=top: self.level(k) <= top)
                    if choice is not None:
                        self.status[choice] = SECONDARY
                        added = True
                if not added:  # everything around is hidden: show these as "x" rather than "<3"
                    if all(self.status[key] == MASKED for key in failing):
                        log.warning("suppression: %d cells cannot be protected", len(failing))
                        break
                    for key in failing:
                        self.status[key] = MASKED
                    log.info("suppression: %d cells shown as x", len(failing))
        return self.status

    # --- greedy ----------------------------------------------------------------------------------

    def _capacity(self, relation: Relation, target: Key, change: float) -> float:
        """How much of the opposite change the other hidden members of `relation` can make up."""
        terms = relation.terms()
        sign_target = next(s for k, s in terms if k == target)
        needed = -sign_target * change  # the signed change the others must bring
        total = 0.0
        for key, sign in terms:
            if key == target or not self.hidden(key):
                continue
            low, high = self.bounds(key)
            value = self.values.get(key, 0)
            up = needed * sign > 0
            total += (high - value) if up else (value - low)
        return total - abs(needed)

    def _greedy(self, active: list[Relation], allowed: Callable[[Key], bool]) -> None:
        for _ in range(len(active) + 1):
            changed = False
            for relation in active:
                if not relation.exact:
                    continue
                hidden = [k for k in relation.members if self.hidden(k)]
                if len(hidden) == 1 and self.status[hidden[0]] in (SECONDARY, MASKED):
                    changed |= self._hide_one(relation, allowed, need=0.0, upward=True)
                    continue
                for key in hidden:
                    if self.status[key] != PRIMARY:
                        continue
                    value = self.values.get(key, 0)
                    change = -float(value) if value >= 1 else 1.0
                    short = self._capacity(relation, key, change)
                    if short < -EPS:
                        sign = 1 if key != relation.parent else -1
                        # The others must move opposite to the target (children) or with it (parent).
                        opposite = -change * sign
                        changed |= self._hide_one(relation, allowed, need=-short, upward=opposite > 0)
                        break
            if not changed:
                return

    def _hide_one(
        self, relation: Relation, allowed: Callable[[Key], bool], *, need: float, upward: bool
    ) -> bool:
        """Hide one more published member of `relation` (children first, the smallest that will do)."""
        options = [k for k in relation.members if self.status.get(k) == SHOWN and allowed(k)]
        if not options:
            return False

        def score(key: Key) -> tuple[int, int, int]:
            value = self.values.get(key, 0)
            is_parent = int(key == relation.parent)
            child_up = (key != relation.parent) == upward
            enough = child_up or value >= need
            return (0 if enough else 1, is_parent, value if enough else -value)

        self.status[min(options, key=score)] = SECONDARY
        return True

    def _neighbour(
        self, key: Key, index: dict[Key, list[Relation]], allowed: Callable[[Key], bool]
    ) -> Key | None:
        """The published cell nearest to `key` through the relations (a value of 4 or more first)."""
        seen = {key}
        frontier = [key]
        while frontier:
            options: set[Key] = set()
            following: list[Key] = []
            for current in frontier:
                for relation in index.get(current, []):
                    for member in relation.members:
                        if member in seen:
                            continue
                        seen.add(member)
                        if self.status.get(member) == SHOWN:
                            if allowed(member):
                                options.add(member)
                        else:
                            following.append(member)
            if options:
                return min(options, key=lambda k: (self.values.get(k, 0), repr(k)))
            frontier = following
        return None

    # --- the LP audit ----------------------------------------------------------------------------

    def audit(self, relations: list[Relation]) -> list[Key]:
        """The primary cells in `relations` that the attacker could pin or show to be non-zero."""
        targets = {k for r in relations for k in r.members if self.status[k] == PRIMARY}
        targets -= self._mirrored(targets)
        if not targets:
            return []
        failing: list[Key] = []
        for component, inside in self._components(relations, targets):
            failing += lp_check(component, self, sorted(inside, key=repr), self)
        return failing

    def _mirrored(self, targets: set[Key]) -> set[Key]:
        """Targets that are the mirror image of another one (interchangeable leaves: two partners
        with identical figures and hidden cells, say): the LP is symmetric, so one of each is enough."""
        if not self.siblings:
            return set()
        by_node: dict[tuple[int, str], list[Key]] = defaultdict(list)
        for key in self.status:
            if isinstance(key, tuple):
                for position, _nodes in self.siblings:
                    if position < len(key):
                        by_node[(position, key[position])].append(key)
        skip: set[str | tuple[int, str]] = set()
        for position, nodes in self.siblings:
            seen: dict[tuple, str] = {}
            for node in nodes:
                cells = by_node.get((position, node), [])
                signature = tuple(
                    sorted(
                        (repr(k[:position] + k[position + 1 :]), self.values.get(k, 0), self.status[k])
                        for k in cells
                    )
                )
                if signature in seen:
                    skip.add((position, node))
                else:
                    seen[signature] = node
        return {
            k
            for k in targets
            if isinstance(k, tuple)
            and any((pos, k[pos]) in skip for pos, _n in self.siblings if pos < len(k))
        }

    def _components(
        self, relations: list[Relation], targets: set[Key]
    ) -> list[tuple[list[Relation], set[Key]]]:
        """The relations split into groups that share no hidden cell, with the targets in each."""
        parent: dict[Key, Key] = {}

        def find(key: Key) -> Key:
            root = key
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(key, key) != root:
                parent[key], key = root, parent[key]
            return root

        for relation in relations:
            hidden = [k for k in relation.members if self.hidden(k)]
            for other in hidden[1:]:
                a, b = find(hidden[0]), find(other)
                if a != b:
                    parent[a] = b
        groups: dict[Key, tuple[list[Relation], set[Key]]] = {}
        for relation in relations:
            hidden = [k for k in relation.members if self.hidden(k)]
            if not hidden:
                continue
            root = find(hidden[0])
            group = groups.setdefault(root, ([], set()))
            group[0].append(relation)
            group[1].update(k for k in hidden if k in targets)
        return [g for g in groups.values() if g[1]]


def lp_check(relations: list[Relation], pattern: Pattern, targets: list[Key], counter: Pattern) -> list[Key]:
    """The targets the attacker can pin: a zero that cannot reach 1, a 1 or 2 that cannot reach 0.

    Zeros first, all at once (maximise the least of them: when every one can reach 1 together, one
    LP proves them all), then one by one in batches; the others by minimising the sum of them.
    """
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, csr_matrix, hstack, vstack

    variables = sorted({k for r in relations for k in r.members if pattern.hidden(k)}, key=repr)
    column = {k: i for i, k in enumerate(variables)}
    n = len(variables)
    eq: list[tuple[list[int], list[float], float]] = []
    ub: list[tuple[list[int], list[float], float]] = []
    for relation in relations:
        cols, coefs, constant = [], [], 0.0
        for key, sign in relation.terms():
            if pattern.hidden(key):
                cols.append(column[key])
                coefs.append(float(sign))
            else:
                constant += sign * pattern.values.get(key, 0)
        if cols:
            (eq if relation.exact else ub).append((cols, coefs, -constant))

    def matrix(rows: list[tuple[list[int], list[float], float]], width: int) -> tuple[Any, Any]:
        r, c, v = [], [], []
        for i, (cols, coefs, _rhs) in enumerate(rows):
            r += [i] * len(cols)
            c += cols
            v += coefs
        return coo_matrix((v, (r, c)), shape=(len(rows), width)).tocsr(), np.array([b for *_x, b in rows])

    bounds = [pattern.bounds(k) for k in variables]
    bounds = [(low, None if high == INFINITY else high) for low, high in bounds]

    base_eq = matrix(eq, n) if eq else (None, None)
    base_ub = matrix(ub, n) if ub else (None, None)

    def solve(c: Any, extra_ub: list[tuple[list[int], list[float], float]], extra: int) -> Any:
        counter.lp_solves += 1
        a_eq, b_eq = base_eq
        a_ub, b_ub = base_ub
        if extra:
            a_eq = None if a_eq is None else hstack([a_eq, csr_matrix((a_eq.shape[0], extra))]).tocsr()
            a_ub = None if a_ub is None else hstack([a_ub, csr_matrix((a_ub.shape[0], extra))]).tocsr()
        if extra_ub:
            more, more_b = matrix(extra_ub, n + extra)
            a_ub = more if a_ub is None else vstack([a_ub, more]).tocsr()
            b_ub = more_b if b_ub is None else np.concatenate([b_ub, more_b])
        result = linprog(
            c,
            A_ub=a_ub,
            b_ub=b_ub,
            A_eq=a_eq,
            b_eq=b_eq,
            bounds=bounds + [(0.0, 1.0)] * extra,
            method="highs",
        )
        if result.status != 0:  # the true values are feasible, so this is a numerical failure
            raise RuntimeError(f"suppression audit: {result.message}")
        return result.x

    zeros = [k for k in targets if pattern.values.get(k, 0) == 0]
    others = [k for k in targets if pattern.values.get(k, 0) != 0]
    failing: list[Key] = []

    remaining = list(zeros)
    if remaining:  # maximise t <= x_k for every zero k (t <= 1)
        c = np.zeros(n + 1)
        c[n] = -1.0
        x = solve(c, [([n, column[k]], [1.0, -1.0], 0.0) for k in remaining], 1)
        if x[n] >= 1 - EPS:
            remaining = []
    while remaining:  # maximise the sum of w_k <= x_k (w_k <= 1); those reaching 1 are proven
        m = len(remaining)
        c = np.concatenate([np.zeros(n), -np.ones(m)])
        rows = [([n + j, column[k]], [1.0, -1.0], 0.0) for j, k in enumerate(remaining)]
        x = solve(c, rows, m)
        proven = {k for j, k in enumerate(remaining) if x[n + j] >= 1 - EPS}
        if not proven:
            if len(remaining) > 1:
                still = []
                for k in remaining:  # one at a time
                    c = np.zeros(n)
                    c[column[k]] = -1.0
                    if solve(c, [], 0)[column[k]] < 1 - EPS:
                        still.append(k)
                remaining = still
            failing += remaining
            break
        remaining = [k for k in remaining if k not in proven]

    remaining = list(others)
    while remaining:  # minimise the sum of x_k / v_k; those reaching 0 are proven
        c = np.zeros(n)
        for k in remaining:
            c[column[k]] = 1.0 / pattern.values[k]
        x = solve(c, [], 0)
        proven = {k for k in remaining if x[column[k]] <= EPS}
        if not proven:
            still = []
            for k in remaining:
                c = np.zeros(n)
                c[column[k]] = 1.0
                if solve(c, [], 0)[column[k]] > EPS:
                    still.append(k)
            failing += still
            break
        remaining = [k for k in remaining if k not in proven]
    return failing


def protect(
    values: dict[Key, int],
    published: set[Key],
    relations: list[Relation],
    level: Callable[[Key], int],
    siblings: Iterable[tuple[int, tuple[str, ...]]] = (),
) -> Pattern:
    pattern = Pattern(values, published, relations, level, siblings=siblings)
    pattern.run()
    return pattern
