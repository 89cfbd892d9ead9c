"""Mondrian partitioning over generalisation hierarchies (LeFevre, DeWitt and Ramakrishnan, 2006),
top-down and greedy, with a "relaxed" split so that small groups do not block the big ones.

Every record is a tuple of paths, one per quasi-identifier, from the root "*" to its value
(`hierarchy`). A partition holds records and, per quasi-identifier, the depth of the node all its
records share; it is published as those nodes. The search starts with one partition of every record
at the roots and splits a partition on the quasi-identifier that makes the most records more
precise, as long as every part keeps at least k records (a split that lifts values off the root "*"
first, since suppressed values are what the search minimises; then the finer ones):

- the records are grouped by the next node of their path; every group of k or more becomes a part
  one level down, and the smaller groups stay together at the parent node (the remainder);
- a remainder of 1..k-1 records is filled up to k from the group with the most to spare (its rarest
  combinations first), so small groups never stop the split of the big ones;
- when every record goes the same way the partition just moves one level down (nothing is lost).

The age is split first, into minors, adults and not recorded, so that the majority status stays
exact wherever each of those has k victims or more. Every part always has k records or more, so
every published combination is shared by at least k rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from hotline.reports.releases.hierarchy import Path

Record = tuple[Path, ...]


@dataclass(frozen=True)
class Part:
    members: tuple[int, ...]
    depths: tuple[int, ...]

    def nodes(self, records: Sequence[Record]) -> tuple[str, ...]:
        first = records[self.members[0]]
        return tuple(first[a][d] for a, d in enumerate(self.depths))


def _split(records: Sequence[Record], part: Part, attribute: int, k: int) -> tuple[int, list[Part]] | None:
    """The parts of a split on `attribute` and how many records it makes more precise, or None."""
    depth = part.depths[attribute]
    if len(records[part.members[0]][attribute]) <= depth + 1:
        return None  # a leaf: nothing below
    groups: dict[str, list[int]] = {}
    for m in part.members:
        groups.setdefault(records[m][attribute][depth + 1], []).append(m)
    deeper = (*part.depths[:attribute], depth + 1, *part.depths[attribute + 1 :])
    if len(groups) == 1:
        return len(part.members), [Part(part.members, deeper)]
    big = {c: ms for c, ms in sorted(groups.items()) if len(ms) >= k}
    remainder = [m for c, ms in sorted(groups.items()) if len(ms) < k for m in ms]
    while remainder and len(remainder) < k and big:
        need = k - len(remainder)
        donors = sorted(big, key=lambda c: (-(len(big[c]) - k), c))
        spare = sum(len(big[c]) - k for c in donors)
        if spare < need:
            # Not enough to spare: the smallest group joins the remainder whole.
            smallest = min(big, key=lambda c: (len(big[c]), c))
            remainder += big.pop(smallest)
            continue
        for c in donors:
            if need == 0:
                break
            give = min(need, len(big[c]) - k)
            if give <= 0:
                continue
            kept, moved = _rarest_out(records, big[c], give)
            big[c], remainder, need = kept, remainder + moved, need - give
    if not big:
        return None
    parts = [Part(tuple(sorted(ms)), deeper) for ms in big.values()]
    if remainder:
        parts.append(Part(tuple(sorted(remainder)), part.depths))
    return sum(len(ms) for ms in big.values()), parts


def _rarest_out(records: Sequence[Record], members: list[int], n: int) -> tuple[list[int], list[int]]:
    """Move out the `n` records whose full combination is rarest in the group (ties in order)."""
    leaves = {m: tuple(path[-1] for path in records[m]) for m in members}
    counts = Counter(leaves.values())
    order = sorted(members, key=lambda m: (counts[leaves[m]], leaves[m], m))
    moved = set(order[:n])
    return [m for m in members if m not in moved], order[:n]


def partition(records: Sequence[Record], k: int, *, first: int | None = None) -> list[Part]:
    """Parts of at least k records each covering every record (none when fewer than k records)."""
    if len(records) < k or not records:
        return []
    width = len(records[0])
    done: list[Part] = []
    pending = [Part(tuple(range(len(records))), (0,) * width)]
    while pending:
        part = pending.pop()
        chosen: list[Part] | None = None
        if first is not None and part.depths[first] == 0:
            forced = _split(records, part, first, k)
            chosen = forced[1] if forced else None
        if chosen is None:
            # Splits that lift values off "*" (less suppression) come before finer splits below it.
            best: tuple[tuple[bool, int], list[Part]] | None = None
            for attribute in range(width):
                found = _split(records, part, attribute, k)
                if found is None:
                    continue
                score = (part.depths[attribute] == 0, found[0])
                if best is None or score > best[0]:
                    best = (score, found[1])
            chosen = best[1] if best else None
        if chosen is None:
            done.append(part)
        else:
            pending.extend(chosen)
    return sorted(done, key=lambda p: p.members[0])
