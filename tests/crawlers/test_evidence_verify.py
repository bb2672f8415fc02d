"""`safewatch evidence verify` trusts nothing in the zip: bounded unpacking (a zip bomb is "too large",
in little memory), unsafe member names and links are not intact, a malformed manifest or post.json is a
one-line error with exit code 2."""

import hashlib
import json
import stat
import subprocess
import sys
import zipfile

import pytest

from crawlers.evidence_verify import verify
from index.storage.evidence import EvidenceStore, export
from safewatch.commands.cli import main


@pytest.fixture
def exported(tmp_path):
    store = EvidenceStore(tmp_path / "store")
    capture = store.save(requested_url="http://a.example/t", final_url="http://a.example/t", status=200,
                         headers={"Content-Type": "text/html; charset=utf-8"}, body="<p>bán pod</p>".encode())
    post = {"post_id": "p1", "url": "http://a.example/t#1", "text": "bán pod", "content_hash": "abc",
            "evidence": capture.reference()}
    path = tmp_path / "e.zip"
    export(store, post, path)
    assert verify(path) == []
    return path


def rewrite(source, target, *, replace=None, add=(), manifest_files=None):
    """A copy of the export with some members replaced and others added (listed in the manifest with
    their true SHA-256 when manifest_files says so)."""
    replace = replace or {}
    with zipfile.ZipFile(source) as original:
        members = {name: original.read(name) for name in original.namelist()}
    manifest = json.loads(members["manifest.json"])
    for info, data in add:
        if manifest_files:
            manifest["files"][info.filename] = hashlib.sha256(data).hexdigest()
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, replace.get(name, data))
        for info, data in add:
            archive.writestr(info, data)
    return target


@pytest.mark.parametrize("name", ["../outside.txt", "capture-1/../../x.txt", "/etc/cron.d/x", "C:/Windows/x.txt",
                                  "capture-1\\..\\..\\x.txt"])
def test_members_climbing_out_or_absolute_are_not_intact(exported, tmp_path, name):
    bad = rewrite(exported, tmp_path / "bad.zip", add=[(zipfile.ZipInfo(name), b"x")], manifest_files=True)
    problems = verify(bad)
    assert any("unsafe path" in problem for problem in problems), problems


def test_symbolic_links_are_not_intact(exported, tmp_path):
    link = zipfile.ZipInfo("capture-1/link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = rewrite(exported, tmp_path / "bad.zip", add=[(link, b"/etc/passwd")], manifest_files=True)
    assert any("symbolic link" in problem for problem in verify(bad))


def test_a_member_twice_is_not_intact(exported, tmp_path):
    with zipfile.ZipFile(exported) as original:
        post = original.read("post.json")
    with pytest.warns(UserWarning, match="Duplicate name"):
        bad = rewrite(exported, tmp_path / "bad.zip", add=[(zipfile.ZipInfo("post.json"), post)])
    assert any("appears twice" in problem for problem in verify(bad))


@pytest.mark.parametrize(("member", "content", "message"), [
    ("manifest.json", b"{not json", "manifest.json is not valid JSON"),
    ("manifest.json", b"[1, 2]", "not a JSON object"),
    ("manifest.json", b'{"files": ["a"]}', "'files' must map"),
    ("manifest.json", b'{"files": {}, "captures": "capture-1"}', "'captures' must be a list"),
    ("manifest.json", b"\xff\xfe", "manifest.json is not valid JSON"),
    ("post.json", b"{truncated", "post.json is not valid JSON"),
    ("post.json", b'"just a string"', "post.json is not a SafeWatch post"),
])
def test_malformed_manifest_or_post_is_a_one_line_error_with_exit_code_2(exported, tmp_path, capsys, member,
                                                                          content, message):
    bad = tmp_path / "bad.zip"
    if member == "post.json":  # listed with its new hash: only its content is wrong
        with zipfile.ZipFile(exported) as original:
            manifest = json.loads(original.read("manifest.json"))
        manifest["files"]["post.json"] = hashlib.sha256(content).hexdigest()
        rewrite(exported, bad, replace={"post.json": content, "manifest.json": json.dumps(manifest).encode()})
    else:
        rewrite(exported, bad, replace={member: content})
    assert main(["evidence", "verify", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_a_zip_bomb_is_too_large_and_verified_in_little_memory(exported, tmp_path):
    # 1 GiB of zeros, written in chunks: about 1 MB on disk, and this test never holds it in memory.
    bomb = tmp_path / "bomb.zip"
    chunk, digest = bytes(1 << 20), hashlib.sha256()
    with zipfile.ZipFile(exported) as original:
        members = {name: original.read(name) for name in original.namelist()}
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("capture-1/response.html", "w", force_zip64=True) as stream:
            for _ in range(1024):
                stream.write(chunk)
                digest.update(chunk)
        manifest = json.loads(members.pop("manifest.json"))
        manifest["files"]["capture-1/response.html"] = digest.hexdigest()
        manifest["captures"][0]["body_sha256"] = digest.hexdigest()
        for name, data in members.items():
            if name != "capture-1/response.html":
                archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest))
    assert bomb.stat().st_size < 8 * 1024 * 1024
    # A wrapper process whose only child is the verify command: its children's peak memory is verify's.
    measure = ("import resource, subprocess, sys\n"
               "result = subprocess.run([sys.executable, '-m', 'safewatch', 'evidence', 'verify', sys.argv[1]],"
               " capture_output=True, text=True)\n"
               "print(result.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(result.stdout + result.stderr)\n")
    run = subprocess.run([sys.executable, "-c", measure, str(bomb)], capture_output=True, text=True, timeout=300)
    first, output = run.stdout.split("\n", 1)
    returncode, peak_kib = map(int, first.split())
    assert returncode == 1 and "NOT intact" in output and "too large" in output, output
    assert peak_kib < 200 * 1024, f"verify peaked at {peak_kib / 1024:.0f} MiB"
