"""The classifier's commands end to end: eval, predict, bench vihsd."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VIHSD = Path(__file__).resolve().parents[3] / "shared" / "data" / "vihsd"


def run(config, *args):
    env = {**os.environ, "SAFEWATCH_MODEL_DIR": str(config.models_path)}
    return subprocess.run([sys.executable, "-m", "safewatch", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_eval_prints_both_columns_on_the_held_out_set(base_config, trained_models):
    result = run(base_config, "eval", "--errors", "3")
    assert result.returncode == 0, result.stderr
    assert "held-out set" in result.stdout and "keyword rules only" in result.stdout
    assert "macro F1" in result.stdout and "Confusion" in result.stdout and "Errors of" in result.stdout


def test_eval_and_predict_on_any_labelled_file(base_config, trained_models, tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in [
        {"text": "Nhận cá độ bóng đá, nạp 50k tặng 200k, ib ngay", "labels": ["gambling"], "extra": 1},
        {"text": "Hôm nay lớp mình học bài về quang hợp", "labels": []},
    ]), encoding="utf-8")
    assert "Evaluating on 2 examples" in run(base_config, "eval", "--data", str(data)).stdout
    out = tmp_path / "out.jsonl"
    result = run(base_config, "predict", "--in", str(data), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["extra"] == 1 and "gambling" in rows[0]["flags"] and rows[1]["flags"] == []
    assert set(rows[0]["scores"]) >= {"gambling", "grooming"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok", "labels": []}\n{"labels": ["spam"]}\n', encoding="utf-8")
    failed = run(base_config, "eval", "--data", str(bad))
    assert failed.returncode == 1 and "bad.jsonl:2" in failed.stderr


@pytest.mark.skipif(not VIHSD.is_dir(), reason="ViHSD data not present")
def test_bench_vihsd_beats_the_published_figures_on_dev(base_config):
    result = run(base_config, "bench", "vihsd", "--data", str(VIHSD), "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["test_rows"] == 2672 and figures["macro_f1"] > 0.65
