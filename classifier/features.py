"""The model's features from one tokenisation: what the pipeline's `views` and `features` steps give,
several times faster, for prediction.

The pipeline (classifier/model.py) joins each text's normalised tokens into a string, folds the
whole string to the diacritic-free view, and then each vectorizer splits the strings again and
looks every word and n-gram up. Here the texts are tokenised once (classifier.normalize.tokens_many)
and everything a vectorizer needs of a token (its word columns in each view, its folded form, the
columns of its character n-grams) is worked out once per distinct token and kept, so a batch
costs a few dictionary and array operations per token. The matrix is the same as the pipeline's
(tests compare them); a pipeline whose steps are not the ones this knows is simply not fused.
"""

from __future__ import annotations

import re
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer

from classifier.model import WORD_PATTERN, BatchTfidfVectorizer, EvidenceDamping, damping, text_views
from classifier.normalize import fold

_WORDS = re.compile(WORD_PATTERN)
_CACHE_LIMIT = 100_000  # distinct tokens remembered between batches (at most about 70 MB)


class _Block:
    """One vectorizer of the ColumnTransformer: which view it reads and how."""

    def __init__(self, vectorizer: BatchTfidfVectorizer, view: int) -> None:
        self.vectorizer = vectorizer
        self.view = view
        self.chars = vectorizer.analyzer == "char_wb"
        self.bigrams = not self.chars and vectorizer.ngram_range == (1, 2)
        self.width = len(vectorizer.vocabulary_)
        self.idf = vectorizer.idf_
        self.sublinear = vectorizer.sublinear_tf
        if self.bigrams:
            table = vectorizer._bigram_table()
            keys = np.fromiter(table.keys(), dtype=np.int64, count=len(table))
            columns = np.fromiter(table.values(), dtype=np.int64, count=len(table))
            self.bigrams_table = _HashTable(keys, columns)

    def columns_of(self, token_view: str) -> tuple[int, ...]:
        """Word columns (-1: not in the vocabulary) of a token, or the columns of its character
        n-grams (unknown ones left out)."""
        if self.chars:
            return tuple(self.vectorizer._word_char_ngrams(token_view)) if token_view else ()
        get = self.vectorizer.vocabulary_.get
        return tuple(get(word, -1) for word in _WORDS.findall(token_view))


class FusedFeatures:
    def __init__(self, blocks: list[_Block], damping_full: int | None = None) -> None:
        self.blocks = blocks
        self.damping_full = damping_full  # the pipeline's EvidenceDamping, if it has one
        self._cache: dict[str, tuple] = {}  # token -> (folded token, columns per block...)

    @classmethod
    def for_pipeline(cls, pipeline) -> FusedFeatures | None:
        """The fused features of a SafeWatch pipeline, or None when its steps are not the known ones."""
        steps = dict(pipeline.steps)
        views, features, evidence = steps.get("views"), steps.get("features"), steps.get("evidence")
        if getattr(views, "func", None) is not text_views or not isinstance(features, ColumnTransformer):
            return None
        known = {"views", "features", "evidence", "classifier"} if isinstance(evidence, EvidenceDamping) else \
            {"views", "features", "classifier"}
        if set(steps) != known:
            return None
        blocks = []
        for name, vectorizer, column in features.transformers_:
            if name == "remainder" and vectorizer == "drop":
                continue
            if not (isinstance(vectorizer, BatchTfidfVectorizer) and column in (0, 1)
                    and vectorizer._fast_path_applies() and vectorizer.norm == "l2"
                    and vectorizer.use_idf and vectorizer.dtype == np.float64):
                return None
            blocks.append(_Block(vectorizer, column))
        return cls(blocks, evidence.full if isinstance(evidence, EvidenceDamping) else None) if blocks else None

    def folded_tokens(self, docs: list[list[str]]) -> list[list[str]]:
        """The tokens of the diacritic-free view of each tokenised text (" ".join of them is what
        views_many gives)."""
        self._remember(set(chain.from_iterable(docs)))
        cache = self._cache
        return [[cache[token][0] for token in doc] for doc in docs]

    def transform(self, docs: list[list[str]]):
        """The feature matrix of tokenised texts: the pipeline's `features` (and `evidence`) output."""
        blocks = [_tfidf(counts, block) for block, counts in self._counts(docs)]
        matrix = sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
        if self.damping_full is not None:
            matrix = sp.diags(damping(np.diff(matrix.indptr), self.damping_full)) @ matrix
        return matrix

    def decisions(self, docs: list[list[str]], weights: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
        """transform(docs) @ weights + intercepts, without building the tf-idf matrix: per block,
        (sublinear counts @ (idf x weights)) / the l2 norm of (sublinear counts x idf)."""
        scaled = self.__dict__.get("_scaled")
        if scaled is None or scaled[0] is not weights:
            offsets = np.cumsum([0] + [block.width for block in self.blocks])
            scaled = self._scaled = (weights, [
                (np.ascontiguousarray(block.idf[:, None] * weights[start:start + block.width]), block.idf ** 2)
                for block, start in zip(self.blocks, offsets, strict=False)])
        total = np.zeros((len(docs), len(intercepts)))
        nonzero = np.zeros(len(docs))
        for (block, counts), (block_weights, idf_squared) in zip(self._counts(docs), scaled[1], strict=True):
            tf = _sublinear(counts, block)
            nonzero += np.diff(tf.indptr)
            squared = sp.csr_matrix((tf.data * tf.data, tf.indices, tf.indptr), shape=tf.shape)
            norms = np.sqrt(squared @ idf_squared)
            norms[norms == 0] = 1.0
            total += (tf @ block_weights) / norms[:, None]
        if self.damping_full is not None:
            total *= damping(nonzero, self.damping_full)[:, None]
        return total + intercepts

    def _counts(self, docs: list[list[str]]):
        """(block, its count matrix) for each block, in order."""
        count = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=count)
        flat = list(chain.from_iterable(docs))
        distinct = dict.fromkeys(flat)
        self._remember(distinct)
        for position, token in enumerate(distinct):
            distinct[token] = position
        token_ids = np.fromiter(map(distinct.__getitem__, flat), dtype=np.int64, count=len(flat))
        token_rows = np.repeat(np.arange(count), lengths)
        infos = list(map(self._cache.__getitem__, distinct))
        for number, block in enumerate(self.blocks, start=1):
            per_token = [info[number] for info in infos]
            if block.chars:
                yield block, self._char_counts(block, per_token, token_rows, token_ids, count)
            else:
                yield block, self._word_counts(block, per_token, token_rows, token_ids, count)

    def _remember(self, tokens) -> None:
        cache = self._cache
        missing = [token for token in tokens if token not in cache]
        if not missing:
            return
        if len(cache) + len(missing) > _CACHE_LIMIT:
            cache.clear()
            missing = list(tokens)
        for token in missing:
            lowered = token.lower()
            folded = fold(token)
            views = (lowered, folded.lower())
            cache[token] = (folded, *(block.columns_of(views[block.view]) for block in self.blocks))

    @staticmethod
    def _word_counts(block: _Block, per_token: list[tuple], token_rows, token_ids, count: int):
        # Each token's words in order (usually one; none for punctuation), then bigrams of
        # neighbouring words of the same text, found in the sorted table of known bigrams.
        word_counts = np.fromiter(map(len, per_token), dtype=np.int64, count=len(per_token))
        word_columns = np.fromiter(chain.from_iterable(per_token), dtype=np.int64, count=int(word_counts.sum()))
        offsets = np.concatenate(([0], np.cumsum(word_counts)[:-1]))
        lengths = word_counts[token_ids]
        total = int(lengths.sum())
        ends = np.cumsum(lengths)
        positions = np.repeat(offsets[token_ids] - (ends - lengths), lengths) + np.arange(total)
        columns = word_columns[positions]
        rows = np.repeat(token_rows, lengths)
        if block.bigrams and total > 1:
            first, second = columns[:-1], columns[1:]
            candidate = (rows[:-1] == rows[1:]) & (first >= 0) & (second >= 0)
            pairs = block.bigrams_table.get(first[candidate] * block.width + second[candidate])
            known = pairs >= 0
            columns = np.concatenate((columns, pairs[known]))
            rows = np.concatenate((rows, rows[:-1][candidate][known]))
        known = columns >= 0
        counts = sp.csr_matrix((np.ones(int(known.sum())), (rows[known], columns[known])), shape=(count, block.width))
        counts.sum_duplicates()
        return counts

    @staticmethod
    def _char_counts(block: _Block, per_token: list[tuple], token_rows, token_ids, count: int):
        # texts x distinct tokens  @  distinct tokens x character n-grams; the product sums repeats.
        gram_counts = np.fromiter(map(len, per_token), dtype=np.int64, count=len(per_token))
        gram_columns = np.fromiter(chain.from_iterable(per_token), dtype=np.int64, count=int(gram_counts.sum()))
        grams = sp.csr_matrix((np.ones(len(gram_columns)), gram_columns,
                               np.concatenate(([0], np.cumsum(gram_counts)))), shape=(len(per_token), block.width))
        texts = sp.csr_matrix((np.ones(len(token_ids)), token_ids,
                               np.concatenate(([0], np.cumsum(np.bincount(token_rows, minlength=count))))),
                              shape=(count, len(per_token)))
        return texts @ grams


class _HashTable:
    """int64 keys (>= 0) -> int64 values, looked up for a whole array at once (open addressing,
    linear probing): a dictionary lookup per key in numpy instead of Python."""

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        self.bits = max(4, int(len(keys) * 3).bit_length())  # at most a third full
        size = 1 << self.bits
        self.keys = np.full(size, -1, dtype=np.int64)
        self.values = np.full(size, -1, dtype=np.int64)
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        while len(pending):  # place each key in its slot or the next free one
            slot = slots[pending]
            free = self.keys[slot] == -1
            _, first = np.unique(slot[free], return_index=True)  # one key per free slot per round
            placed = pending[free][first]
            self.keys[slots[placed]], self.values[slots[placed]] = keys[placed], values[placed]
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & (size - 1)

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each key; -1 for keys not in the table."""
        found = np.full(len(keys), -1, dtype=np.int64)
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        mask = len(self.keys) - 1
        while len(pending):
            stored = self.keys[slots]
            hit = stored == keys[pending]
            found[pending[hit]] = self.values[slots[hit]]
            going_on = ~hit & (stored != -1)
            pending, slots = pending[going_on], (slots[going_on] + 1) & mask
        return found


# 1 + log(count) for the counts a post usually has; larger ones are computed.
_SUBLINEAR = np.concatenate(([0.0], 1 + np.log(np.arange(1, 256, dtype=np.float64))))


def _sublinear(counts, block: _Block):
    """Counts -> term frequencies, in place (1 + log(count) when the vectorizer is sublinear)."""
    data = counts.data
    if block.sublinear:
        if len(data) and data.max() < len(_SUBLINEAR):
            data[:] = _SUBLINEAR[data.astype(np.int64)]
        else:
            np.log(data, out=data)
            data += 1
    return counts


def _tfidf(counts, block: _Block):
    """TfidfTransformer.transform (sublinear tf, idf, l2 norm per row) on a count matrix."""
    data = _sublinear(counts, block).data
    data *= block.idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data /= norms[rows]
    return counts
