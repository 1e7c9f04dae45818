"""Model delivery: joining the part wheels into one verified GGUF file."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from qa import ModelError
from qa.backends import models


def fake_parts(folder: Path, chunks: list[bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, data in enumerate(chunks, 1):
        p = folder / f"part{i:02d}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


CHUNKS = [b"GGUF" + b"a" * 1000, b"b" * 1000, b"c" * 17]
WHOLE = b"".join(CHUNKS)
SHA = hashlib.sha256(WHOLE).hexdigest()


def test_parts_are_joined_in_order_and_checked(tmp_path):
    parts = fake_parts(tmp_path / "parts", CHUNKS)
    dest = tmp_path / "cache" / "model.gguf"
    assert models.assemble(parts, dest, size=len(WHOLE), sha256=SHA) == dest
    assert dest.read_bytes() == WHOLE
    # No temporary file is left beside it; the sidecar records the check.
    assert sorted(p.name for p in dest.parent.iterdir()) == ["model.gguf", "model.gguf.verified"]


def test_a_verified_file_is_reused_without_reading_the_parts(tmp_path):
    parts = fake_parts(tmp_path / "parts", CHUNKS)
    dest = tmp_path / "model.gguf"
    models.assemble(parts, dest, size=len(WHOLE), sha256=SHA)
    for p in parts:
        p.unlink()  # a second start must not need them
    assert models.assemble(parts, dest, size=len(WHOLE), sha256=SHA) == dest


def test_a_corrupt_part_is_refused_and_leaves_nothing_behind(tmp_path):
    bad = [CHUNKS[0], b"X" + CHUNKS[1][1:], CHUNKS[2]]
    parts = fake_parts(tmp_path / "parts", bad)
    dest = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelError, match=r"corrupt.*pip install --force-reinstall"):
        models.assemble(parts, dest, size=len(WHOLE), sha256=SHA)
    assert list(dest.parent.iterdir()) == []


def test_a_missing_part_is_refused(tmp_path):
    parts = fake_parts(tmp_path / "parts", CHUNKS[:2])
    with pytest.raises(ModelError, match="expected 2,021 bytes"):
        models.assemble(parts, tmp_path / "model.gguf", size=len(WHOLE), sha256=SHA)


def test_a_file_changed_after_verification_is_rebuilt(tmp_path):
    parts = fake_parts(tmp_path / "parts", CHUNKS)
    dest = tmp_path / "model.gguf"
    models.assemble(parts, dest, size=len(WHOLE), sha256=SHA)
    # Same size, other bytes, a later mtime: the sidecar no longer vouches for it.
    dest.write_bytes(b"Z" * len(WHOLE))
    st = dest.stat()
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    models.assemble(parts, dest, size=len(WHOLE), sha256=SHA)
    assert dest.read_bytes() == WHOLE


def test_missing_part_packages_name_the_pip_command(monkeypatch):
    monkeypatch.setattr(models, "PART_DIST", "qa-test-no-such-package-{}")
    with pytest.raises(ModelError, match=r"pip install 'qa\[llm\]'"):
        models.find_parts()
    assert not models.parts_installed()


def test_a_named_model_file_must_be_a_gguf(tmp_path):
    not_gguf = tmp_path / "model.bin"
    not_gguf.write_bytes(b"PK\x03\x04")
    with pytest.raises(ModelError, match="not a GGUF"):
        models.check_gguf(not_gguf)
    with pytest.raises(ModelError, match="cannot read"):
        models.check_gguf(tmp_path / "absent.gguf")


@pytest.mark.slow
def test_the_real_parts_make_the_official_file(tmp_path):
    parts = models.find_parts()
    assert len(parts) == models.PARTS
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    path = models.bundled_model(tmp_path)
    assert path.stat().st_size == models.MODEL_SIZE
    assert path.read_bytes()[:4] == b"GGUF"
    mtime = path.stat().st_mtime_ns
    assert models.bundled_model(tmp_path) == path  # reused, not rewritten
    assert path.stat().st_mtime_ns == mtime


@pytest.mark.slow
def test_a_corrupt_copy_of_a_real_part_is_refused(tmp_path):
    parts = models.find_parts()
    broken = tmp_path / parts[5].name
    data = bytearray(parts[5].read_bytes())
    data[1000] ^= 0xFF
    broken.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt"):
        models.assemble([*parts[:5], broken, *parts[6:]], tmp_path / "cache" / models.MODEL_FILE)
    assert not (tmp_path / "cache" / models.MODEL_FILE).exists()
