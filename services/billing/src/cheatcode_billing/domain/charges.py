"""The set of LLM calls an account has been charged for, as an immutable value with O(1) adds.

An account may be charged for thousands of calls; copying a frozenset on every charge would
make folding its history quadratic. :class:`ChargedCalls` shares one append-only index between
successive states (the way a slice shares its array): a state sees only the keys added before
it was made, and adding to an older state (a branch) copies first, so every value behaves as
immutable.
"""

from __future__ import annotations

from collections.abc import Iterator


class _Index:
    __slots__ = ("order", "size")

    def __init__(self, order: dict[str, int] | None = None) -> None:
        self.order: dict[str, int] = order if order is not None else {}  # key -> position among the adds
        self.size = len(self.order)


class ChargedCalls:
    __slots__ = ("_count", "_index")

    def __init__(self, index: _Index | None = None, count: int = 0) -> None:
        self._index = index if index is not None else _Index()
        self._count = count

    def __contains__(self, key: object) -> bool:
        position = self._index.order.get(key) if isinstance(key, str) else None
        return position is not None and position < self._count

    def __len__(self) -> int:
        return self._count

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChargedCalls):
            return NotImplemented
        return self._count == other._count and set(self) == set(other)

    def __hash__(self) -> int:
        return hash(self._count)

    def __iter__(self) -> Iterator[str]:
        return (key for key, position in self._index.order.items() if position < self._count)

    def __repr__(self) -> str:
        return f"ChargedCalls({self._count} calls)"

    def add(self, key: str) -> ChargedCalls:
        if key in self:
            return self
        index = self._index
        if index.size != self._count:  # a newer state already extended the shared index: branch
            index = _Index({k: p for k, p in index.order.items() if p < self._count})
        index.order[key] = self._count
        index.size = self._count + 1
        return ChargedCalls(index, self._count + 1)
