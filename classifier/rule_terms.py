"""Where watch-rule terms occur in tokenised texts, found for a whole batch at once in numpy.

A term is a sequence of tokens (a normalised, diacritic-free phrase). The terms form a trie over
token ids; every token of the batch is mapped to its id (0: in no term), and the trie is walked one
level at a time for all candidate positions together, so Python code runs only where a whole term
is really there, not at every token a term could start with ("em", "giá", "link" are everywhere).
"""

from __future__ import annotations

from itertools import chain, repeat

import numpy as np


class TermIndex:
    """The terms (each a tuple of tokens, with the category it belongs to) as a trie of token ids."""

    def __init__(self, terms: list[tuple[str, tuple[str, ...]]]) -> None:
        self.token_ids: dict[str, int] = {}
        for _, tokens in terms:
            for token in tokens:
                self.token_ids.setdefault(token, len(self.token_ids) + 1)
        self.radix = len(self.token_ids) + 1
        children: dict[tuple[int, int], int] = {}  # (node, token id) -> child node; the root is 0
        categories: dict[int, set[str]] = {}  # node -> categories of the terms that end there
        for code, tokens in terms:
            node = 0
            for token in tokens:
                node = children.setdefault((node, self.token_ids[token]), len(children) + 1)
            categories.setdefault(node, set()).add(code)
        self.nodes = len(children) + 1
        self.first = np.full(self.radix, -1, dtype=np.int64)  # token id -> node of the one-token prefix
        edges = {}
        for (parent, token), child in children.items():
            if parent == 0:
                self.first[token] = child
            else:
                edges[parent * self.radix + token] = child
        order = sorted(edges)
        self.edge_keys = np.array(order, dtype=np.int64)
        self.edge_children = np.array([edges[key] for key in order], dtype=np.int64)
        self.ends = np.zeros(self.nodes, dtype=bool)
        self.ends[list(categories)] = True
        self.categories = {node: frozenset(codes) for node, codes in categories.items()}

    def matches(self, token_lists: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, positions in the row, end nodes) of every place where a whole term occurs."""
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
        starts = np.concatenate(([0], np.cumsum(lengths)))
        flat = chain.from_iterable(token_lists)
        total = int(starts[-1])
        ids = np.fromiter(map(self.token_ids.get, flat, repeat(0)), dtype=np.int64, count=total)
        nodes = self.first[ids]
        positions = np.flatnonzero(nodes >= 0)
        nodes = nodes[positions]
        row_ends = np.repeat(starts[1:], lengths)[positions]
        found_positions, found_nodes = [], []
        depth = 1
        while len(positions):
            ended = self.ends[nodes]
            found_positions.append(positions[ended])
            found_nodes.append(nodes[ended])
            going_on = positions + depth < row_ends
            positions, nodes, row_ends = positions[going_on], nodes[going_on], row_ends[going_on]
            if not len(self.edge_keys) or not len(positions):
                break
            keys = nodes * self.radix + ids[positions + depth]
            slots = np.minimum(np.searchsorted(self.edge_keys, keys), len(self.edge_keys) - 1)
            known = self.edge_keys[slots] == keys
            positions, nodes, row_ends = positions[known], self.edge_children[slots[known]], row_ends[known]
            depth += 1
        if not found_positions:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        positions, nodes = np.concatenate(found_positions), np.concatenate(found_nodes)
        order = np.argsort(positions, kind="stable")
        positions, nodes = positions[order], nodes[order]
        rows = np.searchsorted(starts, positions, side="right") - 1
        return rows, positions - starts[rows], nodes

    def categories_many(self, token_lists: list[list[str]]) -> list[set[str]]:
        """The categories whose terms occur in each tokenised text."""
        found: list[set[str]] = [set() for _ in token_lists]
        rows, _, nodes = self.matches(token_lists)
        categories = self.categories
        for row, node in zip(rows.tolist(), nodes.tolist(), strict=True):
            found[row].update(categories[node])
        return found

