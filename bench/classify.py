"""Speed of the default classifier: batch prediction on one core against one post per call.

    .venv/bin/python bench/classify.py [--posts 20000] [--single 500]

Not a test: prints posts/s and the ratio to one-post-at-a-time calls measured in the same run.
Target (issue 4): >= 10,000 posts/s on 50-word posts and >= 20x one-at-a-time. The transformer
(if one is trained) is measured with and without int8 quantisation.
The model is the current one in var/models (trained first if there is none). Runs on one core.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.artefacts import current_path  # noqa: E402
from classifier.corpus import load_seed  # noqa: E402
from classifier.predict import Classifier  # noqa: E402
from classifier.train import train  # noqa: E402
from safewatch.config import Config  # noqa: E402


def fifty_word_posts(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    words = [w for e in load_seed() for w in e.text.split()]
    return [" ".join(rng.choice(words) for _ in range(50)) for _ in range(count)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--single", type=int, default=500)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--transformer-posts", type=int, default=300)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    config = Config.from_env()
    if current_path(config.models_path) is None:
        train(config.models_path, log=lambda message: None)
    classifier = Classifier.load(config.models_path, config.rules_file)
    posts = fifty_word_posts(args.posts + args.single)
    classifier.predict(posts[:100])  # warm-up

    started = time.perf_counter()
    for post in posts[:args.single]:
        classifier.predict([post])
    single = args.single / (time.perf_counter() - started)

    batch_posts = posts[args.single:]
    started = time.perf_counter()
    for offset in range(0, len(batch_posts), args.batch):
        classifier.predict(batch_posts[offset:offset + args.batch])
    batched = len(batch_posts) / (time.perf_counter() - started)

    started = time.perf_counter()
    classifier.model_probabilities(batch_posts[:args.batch])
    model_only = args.batch / (time.perf_counter() - started)
    print(f"model {classifier.version}, one core, 50-word posts")
    print(f"one post per call     : {single:10,.0f} posts/s  ({args.single:,} posts)")
    print(f"batches of {args.batch:<6,}     : {batched:10,.0f} posts/s  ({len(batch_posts):,} posts)  "
          f"= {batched / single:.1f}x one-at-a-time")
    print(f"  of which the model  : {model_only:10,.0f} posts/s (without watch rules)")
    met = batched >= 10_000 and batched >= 20 * single
    print(f"target >= 10,000 posts/s and >= 20x one-at-a-time: {'met' if met else 'NOT met'}")
    transformer_speed(config, posts[:args.transformer_posts])
    return 0


def transformer_speed(config: Config, posts: list[str]) -> None:
    try:
        import torch

        from classifier.transformer import TransformerClassifier, current_folder
    except ImportError:
        print("transformer: torch not installed (pip install -e '.[torch]')")
        return
    torch.set_num_threads(1)
    folder = current_folder(config.models_path / "transformer")
    if folder is None:
        print("transformer: no model; train one with `safewatch train --backend transformer --base FOLDER`")
        return
    for quantize in (False, True):
        model = TransformerClassifier.load(folder, quantize=quantize)
        model.model_probabilities(posts[:16])  # warm-up
        started = time.perf_counter()
        model.model_probabilities(posts)
        rate = len(posts) / (time.perf_counter() - started)
        print(f"transformer {'int8' if quantize else 'fp32'}      : {rate:10,.0f} posts/s  ({len(posts)} posts, "
              f"max {model.max_length} tokens, {model.version})")


if __name__ == "__main__":
    sys.exit(main())
