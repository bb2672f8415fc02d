"""The one fast tf-idf transform, shared by the pipeline's vectorizers and by prediction.

scikit-learn's TfidfVectorizer builds one string per n-gram occurrence and looks each up. Here a
batch of texts is split into tokens (whitespace-separated pieces) and what a vectorizer needs of a
token (its word columns, or the columns of its character n-grams) is worked out once per distinct
token and kept between batches, so a batch costs a few dictionary and array operations per token.
Fitting is scikit-learn's own; the transform gives scikit-learn's matrix (tests compare them on
text built to trip it up) for the vectorizer settings SafeWatch uses, and falls back to
scikit-learn's code for any other.

- `BatchTfidfVectorizer`: the pipeline's vectorizer (training, cross-validation, any caller of the
  scikit-learn pipeline), one view per vectorizer.
- `TokenCounts`: the engine, for several vectorizers at once, each reading its own view of a token
  (classifier.features.FusedFeatures: the model's features from one tokenisation, for prediction).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

WORD_PATTERN = r"(?u)\b\w+\b"
_WORDS = re.compile(WORD_PATTERN)
CACHE_LIMIT = 100_000  # distinct tokens remembered between batches (at most about 70 MB)


class BatchTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer whose transform is TokenCounts' (the same numbers, several times faster)."""

    def transform(self, raw_documents):
        check_is_fitted(self, "vocabulary_", msg="The TF-IDF vectorizer is not fitted")
        if not fast_path_applies(self):
            return super().transform(raw_documents)
        counts = self.__dict__.get("_counts")
        if counts is None or counts.blocks[0].vocabulary is not self.vocabulary_:  # fitted again: start over
            counts = self._counts = TokenCounts([Block(self, view=0)], lambda token: (token,))
        block, matrix = next(counts.counts([str(doc).lower().split() for doc in raw_documents]))
        return tfidf(matrix, block)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_counts", None)
        return state


def fast_path_applies(vectorizer: TfidfVectorizer) -> bool:
    """Whether this transform gives the vectorizer's matrix: plain lower-cased content; word 1-2-grams
    of WORD_PATTERN or char_wb n-grams; idf weights and rows scaled to length 1, in float64."""
    plain = (vectorizer.input == "content" and vectorizer.preprocessor is None and vectorizer.tokenizer is None
             and vectorizer.strip_accents is None and vectorizer.lowercase and vectorizer.stop_words is None
             and not vectorizer.binary and vectorizer.use_idf and vectorizer.norm == "l2"
             and vectorizer.dtype == np.float64)
    if vectorizer.analyzer == "word":
        return plain and vectorizer.token_pattern == WORD_PATTERN and vectorizer.ngram_range in ((1, 1), (1, 2))
    return plain and vectorizer.analyzer == "char_wb"


class Block:
    """One fitted vectorizer, and which view of a token it reads."""

    def __init__(self, vectorizer: TfidfVectorizer, view: int) -> None:
        self.vocabulary = vectorizer.vocabulary_
        self.view = view
        self.chars = vectorizer.analyzer == "char_wb"
        self.ngram_range = vectorizer.ngram_range
        self.bigrams = not self.chars and vectorizer.ngram_range == (1, 2)
        self.width = len(vectorizer.vocabulary_)
        self.idf = vectorizer.idf_
        self.sublinear = vectorizer.sublinear_tf
        if self.bigrams:
            # (first word's column * width + second word's column) -> the bigram's column; every word
            # of a known bigram is a known word (no max_features on word vectorizers)
            pairs = [(self.vocabulary[first] * self.width + self.vocabulary[second], column)
                     for gram, column in self.vocabulary.items() if " " in gram
                     for first, second in (gram.split(" "),)]
            self.bigram_table = _HashTable(np.fromiter((key for key, _ in pairs), dtype=np.int64, count=len(pairs)),
                                           np.fromiter((value for _, value in pairs), dtype=np.int64,
                                                       count=len(pairs)))

    def columns_of(self, token_view: str) -> tuple[int, ...]:
        """Word columns (-1: not in the vocabulary) of a token, or the columns of its character
        n-grams (unknown ones left out)."""
        if self.chars:
            return tuple(self._char_ngram_columns(token_view)) if token_view else ()
        get = self.vocabulary.get
        return tuple(get(word, -1) for word in _WORDS.findall(token_view))

    def _char_ngram_columns(self, word: str) -> list[int]:
        """The vocabulary columns of one word's char_wb n-grams (as scikit-learn's _char_wb_ngrams)."""
        get = self.vocabulary.get
        min_n, max_n = self.ngram_range
        padded = f" {word} "
        found = []
        for n in range(min_n, max_n + 1):
            offset = 0
            found.append(get(padded[offset:offset + n]))
            while offset + n < len(padded):
                offset += 1
                found.append(get(padded[offset:offset + n]))
            if offset == 0:  # the word is shorter than n: one n-gram only
                break
        return [column for column in found if column is not None]


class TokenCounts:
    """Count matrices of tokenised texts for some blocks. `views(token)` gives the token's views (a
    tuple); each block reads the one at its `view`. What a block needs of a token is kept per
    distinct token: (views, columns of block 1, columns of block 2, ...)."""

    def __init__(self, blocks: list[Block], views: Callable[[str], tuple[str, ...]]) -> None:
        self.blocks = blocks
        self.views = views
        self._cache: dict[str, tuple] = {}

    def forget(self) -> None:
        self._cache.clear()

    def views_of(self, docs: list[list[str]], view: int) -> list[list[str]]:
        """Each tokenised text with every token replaced by its view number `view`."""
        self.remember(set(chain.from_iterable(docs)))
        cache = self._cache
        return [[cache[token][0][view] for token in doc] for doc in docs]

    def remember(self, tokens) -> None:
        cache = self._cache
        missing = [token for token in tokens if token not in cache]
        if not missing:
            return
        if len(cache) + len(missing) > CACHE_LIMIT:
            cache.clear()
            missing = list(tokens)
        for token in missing:
            views = self.views(token)
            cache[token] = (views, *(block.columns_of(views[block.view]) for block in self.blocks))

    def counts(self, docs: list[list[str]]) -> Iterator[tuple[Block, sp.csr_matrix]]:
        """(block, its count matrix: texts x the block's vocabulary) for each block, in order."""
        count = len(docs)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=count)
        flat = list(chain.from_iterable(docs))
        distinct = dict.fromkeys(flat)
        self.remember(distinct)
        for position, token in enumerate(distinct):
            distinct[token] = position
        token_ids = np.fromiter(map(distinct.__getitem__, flat), dtype=np.int64, count=len(flat))
        token_rows = np.repeat(np.arange(count), lengths)
        infos = list(map(self._cache.__getitem__, distinct))
        for number, block in enumerate(self.blocks, start=1):
            per_token = [info[number] for info in infos]
            if block.chars:
                yield block, _char_counts(block, per_token, token_rows, token_ids, count)
            else:
                yield block, _word_counts(block, per_token, token_rows, token_ids, count)


def _word_counts(block: Block, per_token: list[tuple], token_rows, token_ids, count: int):
    # Each token's words in order (usually one; none for punctuation), then bigrams of neighbouring
    # words of the same text, found in the table of known bigrams.
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
        pairs = block.bigram_table.get(first[candidate] * block.width + second[candidate])
        known = pairs >= 0
        columns = np.concatenate((columns, pairs[known]))
        rows = np.concatenate((rows, rows[:-1][candidate][known]))
    known = columns >= 0
    counts = sp.csr_matrix((np.ones(int(known.sum())), (rows[known], columns[known])), shape=(count, block.width))
    counts.sum_duplicates()
    return counts


def _char_counts(block: Block, per_token: list[tuple], token_rows, token_ids, count: int):
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


def sublinear(counts, block: Block):
    """Counts -> term frequencies, in place (1 + log(count) when the vectorizer is sublinear)."""
    data = counts.data
    if block.sublinear:
        if len(data) and data.max() < len(_SUBLINEAR):
            data[:] = _SUBLINEAR[data.astype(np.int64)]
        else:
            np.log(data, out=data)
            data += 1
    return counts


def tfidf(counts, block: Block):
    """TfidfTransformer.transform (sublinear tf, idf, l2 norm per row) on a count matrix, in place."""
    data = sublinear(counts, block).data
    data *= block.idf[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0]))
    norms[norms == 0] = 1.0
    data /= norms[rows]
    return counts
