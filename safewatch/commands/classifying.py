"""Handlers of `safewatch train`, `eval`, `predict`, `classify`, `retrain` and `bench`."""

from __future__ import annotations

import json
import sys

from safewatch.commands import repository
from safewatch.config import Config


def bench_vihsd(config: Config, args) -> int:
    from classifier import vihsd
    if not args.json:
        print(f"Training on {args.data / 'train.csv'} (this takes about a minute)…", flush=True)
    result = vihsd.run(args.data, args.test)
    if args.json:
        print(json.dumps(result.to_dict()))
        return 0
    print(f"ViHSD: trained on {result.train_rows:,} rows, scored {result.test_rows:,} rows of {result.test_file} "
          f"in {result.seconds:.0f}s")
    print(f"  SafeWatch text pipeline   macro-F1 {result.macro_f1:.3f}   "
          + "  ".join(f"{name} {f1:.3f}" for name, f1 in result.per_class_f1.items()))
    print("  published (test split):   " + ", ".join(f"{k} {v:.3f}" for k, v in vihsd.PUBLISHED.items()))
    return 0


def retrain(config: Config, args) -> int:
    from classifier.evaluate import format_side_by_side
    from index.casework.retraining import retrain
    report = retrain(config, repository(config))
    print(format_side_by_side([report.current, report.candidate]))
    verdict = "now the current model" if report.promoted else "kept aside; the current model stays"
    print(f"Candidate {report.candidate_version} ({report.review_examples} reviewer decisions): {verdict}, "
          f"because {report.reason}.")
    return 0


def eval(config: Config, args) -> int:
    from classifier import artefacts
    from classifier.backends import load_classifier
    from classifier.corpus import load_seed, split_holdout
    from classifier.evaluate import evaluate, format_confusion, format_side_by_side, load_labelled
    from classifier.predict import Classifier
    from classifier.rules import WatchRules, rules_only_scores
    examples = load_labelled(args.data) if args.data else split_holdout(load_seed())[1]
    texts = [e.text for e in examples]
    source = args.data or "the seed corpus's held-out set"
    print(f"Evaluating on {len(examples)} examples ({source}).")
    rules = WatchRules.load(config.rules_file) if config.rules_file else WatchRules.load()
    results = [evaluate("keyword rules only", examples, *rules_only_scores(rules, texts), max_errors=0)]
    current = load_classifier(config)
    results.append(evaluate(f"current {current.version}", examples, *current.score_matrix(texts),
                            max_errors=args.errors))
    candidate = None
    if args.model:
        candidate = Classifier(artefacts.load(args.model), rules)
        results.append(evaluate(f"candidate {candidate.version}", examples, *candidate.score_matrix(texts),
                                max_errors=args.errors))
    print(format_side_by_side(results))
    print()
    print(format_confusion(results[-1]))
    print_errors(results[-1])
    if not args.data:
        print_outside(current, candidate if args.model else None, args.errors)
    return 0


def print_errors(evaluation) -> None:
    if evaluation.errors:
        print(f"\nErrors of {evaluation.name} (first {len(evaluation.errors)}):")
        for error in evaluation.errors:
            print(f"  [{', '.join(error['labels']) or 'safe'} -> {', '.join(error['predicted']) or 'safe'}] "
                  f"{error['text'][:110]}")


def print_outside(current, candidate, errors: int) -> None:
    """Text we did not write: real clean posts, and the blind test set (each model in turn)."""
    from classifier import measure, real_text
    from classifier.evaluate import format_side_by_side
    sets = real_text.clean_sets()
    blind = measure.load_blind()
    for model in (current, candidate):
        if model is None:
            continue
        print(f"\n== model {model.version}: text we did not write ==")
        print(measure.format_flag_rates(measure.flag_rates(model, sets)))
        if blind:
            figures = measure.blind_figures(model, blind, max_errors=errors)
            print(measure.format_blind(figures))
            print(format_side_by_side([figures.evaluation]))
            print_errors(figures.evaluation)


def predict(config: Config, args) -> int:
    from classifier.backends import load_classifier
    classifier = load_classifier(config)
    rows = []
    for number, line in enumerate(args.input.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            str(row["text"])
        except (ValueError, KeyError, TypeError):
            print(f"error: {args.input.name}:{number}: each line needs a JSON object with \"text\"", file=sys.stderr)
            return 1
        rows.append(row)
    with args.out.open("w", encoding="utf-8") as out:
        for start in range(0, len(rows), 1000):
            batch = rows[start:start + 1000]
            for row, prediction in zip(batch, classifier.predict([str(r["text"]) for r in batch]), strict=True):
                out.write(json.dumps({**row, "scores": prediction.scores, "flags": prediction.labels},
                                     ensure_ascii=False) + "\n")
    print(f"Scored {len(rows)} line(s) with model {classifier.version} into {args.out}.")
    return 0


def train(config: Config, args) -> int:
    from classifier.train import train
    if args.backend == "transformer":
        return train_transformer(config, args)
    from classifier.rules import WatchRules
    rules = WatchRules.load(config.rules_file) if config.rules_file else WatchRules.load()
    train(config.models_path, real_world=[] if args.seed_only else None, rules=rules)
    return 0


def train_transformer(config: Config, args) -> int:
    from classifier.corpus import load_seed, split_holdout
    from classifier.transformer import FineTuneSettings, fine_tune
    if args.base is None:
        print("error: --backend transformer needs --base CHECKPOINT_FOLDER (a local folder; nothing is downloaded)",
              file=sys.stderr)
        return 2
    examples = split_holdout(load_seed())[0]
    print(f"Fine-tuning {args.base} on {len(examples)} examples ({args.epochs} epochs, CPU)…", flush=True)
    fine_tune(args.base, config.models_path / "transformer", examples,
              FineTuneSettings(epochs=args.epochs, max_length=args.max_length))
    print("Set SAFEWATCH_BACKEND=transformer (or ensemble) to use it.")
    return 0


def classify(config: Config, args) -> int:
    from classifier.backends import load_classifier
    classifier = load_classifier(config)
    if not args.texts:
        from index.casework.rescoring import rescore
        repo = repository(config)
        repo.setup()  # an index made by an earlier version gets the fields written here
        print(f"Re-scoring the index with model {classifier.version}…")
        summary = rescore(repo, classifier)
        print(f"Re-scored {summary.posts:,} posts in {summary.seconds:.1f}s: {summary.newly_flagged} newly flagged, "
              f"{summary.unflagged} no longer flagged, {summary.errors} not updated.")
        return 1 if summary.errors else 0
    texts = [line.rstrip("\n") for line in sys.stdin if line.strip()] if args.texts == ["-"] else args.texts
    for text, prediction in zip(texts, classifier.predict(texts), strict=True):
        top = dict(sorted(prediction.scores.items(), key=lambda item: -item[1])[:3])
        print(json.dumps({"text": text, "flagged": prediction.flagged, "labels": prediction.labels,
                          "top_scores": top}, ensure_ascii=False))
    return 0
