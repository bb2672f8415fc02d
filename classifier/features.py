"""The model's features from one tokenisation: what the pipeline's `views` and `features` steps give,
for prediction, several times faster.

The pipeline (classifier/model.py) joins each text's normalised tokens into a string, folds the
whole string to the diacritic-free view, and then each vectorizer splits the strings again. Here the
texts are tokenised once (classifier.normalize.tokens_many) and every vectorizer counts them through
classifier/tfidf.py's TokenCounts (the same transform the vectorizers themselves use), each reading
its view of a token: lower-cased, or folded and lower-cased. The matrix is the same as the pipeline's
(tests compare them); a pipeline whose steps are not the ones this knows is simply not fused.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer

from classifier.model import EvidenceDamping, damping, text_views
from classifier.normalize import fold
from classifier.tfidf import BatchTfidfVectorizer, Block, TokenCounts, fast_path_applies, sublinear, tfidf


def _token_views(token: str) -> tuple[str, str, str]:
    """A token's views: (normalised view, diacritic-free view) as the vectorizers read them
    (lower-cased), and its diacritic-free form as the watch rules read it."""
    folded = fold(token)
    return token.lower(), folded.lower(), folded


class FusedFeatures:
    def __init__(self, blocks: list[Block], damping_full: int | None = None) -> None:
        self.blocks = blocks
        self.damping_full = damping_full  # the pipeline's EvidenceDamping, if it has one
        self._tokens = TokenCounts(blocks, _token_views)

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
                    and fast_path_applies(vectorizer)):
                return None
            blocks.append(Block(vectorizer, column))
        return cls(blocks, evidence.full if isinstance(evidence, EvidenceDamping) else None) if blocks else None

    def forget_tokens(self) -> None:
        """Drop what is kept of the tokens seen so far (a benchmark measures a cold start with it)."""
        self._tokens.forget()

    def folded_tokens(self, docs: list[list[str]]) -> list[list[str]]:
        """The tokens of the diacritic-free view of each tokenised text (" ".join of them is what
        views_many gives)."""
        return self._tokens.views_of(docs, 2)

    def transform(self, docs: list[list[str]]):
        """The feature matrix of tokenised texts: the pipeline's `features` (and `evidence`) output."""
        blocks = [tfidf(counts, block) for block, counts in self._tokens.counts(docs)]
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
        for (block, counts), (block_weights, idf_squared) in zip(self._tokens.counts(docs), scaled[1], strict=True):
            tf = sublinear(counts, block)
            nonzero += np.diff(tf.indptr)
            squared = sp.csr_matrix((tf.data * tf.data, tf.indices, tf.indptr), shape=tf.shape)
            norms = np.sqrt(squared @ idf_squared)
            norms[norms == 0] = 1.0
            total += (tf @ block_weights) / norms[:, None]
        if self.damping_full is not None:
            total *= damping(nonzero, self.damping_full)[:, None]
        return total + intercepts
