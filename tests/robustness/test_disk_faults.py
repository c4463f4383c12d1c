"""A full, read-only or damaged data disk gives clear errors, never a traceback or a 500
(issue 17, item 5). Small filesystems are tmpfs mounts the test makes (root, as in CI);
where mounting is not allowed, the same paths are driven by an injected OSError."""

from __future__ import annotations

import errno
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from helpers import ServerThread, arxiv_record, write_jsonl

from paperchat.build import run_ingest
from paperchat.errors import DiskError

TOPIC = "sparse expert routing"


def test_cache_folder_replaced_by_a_file_while_serving_still_answers(make_settings, tmp_path):
    from paperchat.server import create_app

    settings = make_settings()
    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(n, TOPIC) for n in range(6)])
    run_ingest(settings, [corpus])
    question = {"question": f"What do the papers find about {TOPIC}?", "mode": "extractive"}
    with (
        ServerThread(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        cache = settings.data_dir / "cache"
        shutil.rmtree(cache)
        cache.write_text("not a folder")  # e.g. a user's script or a bad restore
        write_jsonl(corpus, [arxiv_record(n, TOPIC) for n in range(8)])
        run_ingest(settings)  # a new version: the server moves to it without a cache
        for body in (question, {"question": "And routing variant number 3?"}):
            resp = client.post("/api/ask", json=body)
            assert resp.status_code == 200, resp.text
        assert resp.json()["citations"]
        assert client.post("/api/search", json={"query": TOPIC}).status_code == 200
        assert client.get("/healthz").status_code == 200


@contextmanager
def small_fs(tmp_path: Path, size: str):
    """A tmpfs of `size` mounted for the test; skipped where mounting is not allowed
    (the injected-OSError tests below cover the same code paths there)."""
    mount = tmp_path / f"fs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_model_export_on_a_60mb_disk_says_what_it_needs_and_where(tmp_path):
    """Before: a raw ENOSPC traceback at 60 MB, a protobuf DecodeError at 300 MB."""
    from paperchat.settings import Settings

    with small_fs(tmp_path, "60m") as disk:
        settings = Settings(data_dir=disk / "data", embed_model="minilm-onnx")
        with pytest.raises(DiskError) as caught:
            run_ingest(settings)
    message = str(caught.value)
    assert "minilm-onnx model" in message and str(disk / "data" / "models") in message
    assert "MB free" in message and "needs about 3" in message  # ~4x the 90 MB weights
    assert "PAPERCHAT_DATA_DIR" in message


def test_first_ingest_on_a_full_small_disk_is_a_clear_error(tmp_path):
    from paperchat.settings import Settings

    with small_fs(tmp_path, "8m") as disk:
        settings = Settings(data_dir=disk / "data", embed_model="hash")
        with pytest.raises(DiskError, match=r"ingest ran out of disk space in .*MB free"):
            run_ingest(settings)


def test_ingest_on_a_read_only_disk_says_so(tmp_path):
    from paperchat.settings import Settings

    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(n, TOPIC) for n in range(3)])
    with small_fs(tmp_path, "64m") as disk:
        run_ingest(Settings(data_dir=disk / "data", embed_model="hash"), [corpus])
        frozen = tmp_path / "frozen"  # the same index, seen through a read-only bind mount
        frozen.mkdir()
        subprocess.run(["mount", "--bind", str(disk), str(frozen)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(frozen)], check=True)
            settings = Settings(data_dir=frozen / "data", embed_model="hash")
            more = write_jsonl(tmp_path / "b.jsonl", [arxiv_record(9, "pruning")])
            with pytest.raises(DiskError, match="read-only disk") as caught:
                run_ingest(settings, [more])
            assert str(frozen / "data") in str(caught.value)
        finally:
            subprocess.run(["umount", "-l", str(frozen)], check=False)


def test_injected_enospc_while_chroma_writes_is_a_clear_error(make_settings, tmp_path, monkeypatch):
    from paperchat.index.store import ChromaStore

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ChromaStore, "upsert", full)
    settings = make_settings()
    corpus = write_jsonl(tmp_path / "a.jsonl", [arxiv_record(1, TOPIC)])
    with pytest.raises(DiskError, match="ingest ran out of disk space") as caught:
        run_ingest(settings, [corpus])
    assert str(settings.data_dir) in str(caught.value)


def test_injected_low_space_refuses_the_model_export_before_it_starts(tmp_path, monkeypatch):
    from paperchat.index.embedders import onnx_minilm

    monkeypatch.setattr(shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(1, 1, 10 * 2**20))
    exported = []
    monkeypatch.setattr(
        "paperchat.index.embedders.onnx_export.export_onnx", lambda *a, **k: exported.append(a)
    )
    with pytest.raises(DiskError, match=r"needs about \d+ MB free in .* which has 10 MB"):
        onnx_minilm.ensure_exported(tmp_path / "models")
    assert not exported


def test_injected_read_only_lock_file_is_a_clear_error(make_settings, monkeypatch):
    import os

    real_open = os.open

    def read_only(path, *args, **kwargs):
        if str(path).endswith("ingest.lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(DiskError, match="read-only disk"):
        run_ingest(make_settings())
