"""Disk stays bounded: the articles kept under the index directory (uploaded, fetched,
pasted) and their indexes, the least recently used deleted past ``Serving.max_disk_mb``."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from qa.article import FOLDER

__all__ = ["prune_articles", "touch_article"]


def prune_articles(index_dir: Path, limit_bytes: int, keep: set[str]) -> list[str]:
    """Delete kept articles (``uploads/<hash>.*``) and their indexes (``<hash>-*``), least
    recently used first (:func:`touch_article`), until what is left fits in ``limit_bytes``;
    never one whose hash is in ``keep`` (held by a live session). An engine this process
    keeps for a deleted article is dropped with it. Returns the hashes deleted."""
    from qa.engine import forget  # on use: importing qa stays light

    folder = Path(index_dir) / FOLDER
    if not folder.is_dir():
        return []
    groups: dict[str, list[Path]] = {}
    for p in folder.glob("*.txt"):
        if len(p.stem) == 32:
            groups[p.stem] = [p, p.with_suffix(".page.json"), *Path(index_dir).glob(f"{p.stem}-*")]
    size = {key: sum(_size(p) for p in paths) for key, paths in groups.items()}
    total = sum(size.values())
    dropped = []
    for key in sorted(groups, key=lambda k: _used(groups[k][0])):
        if total <= limit_bytes:
            break
        if key in keep:
            continue
        forget(groups[key][0])
        for p in groups[key][1:] + groups[key][:1]:  # the text last: it names the group
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
        total -= size[key]
        dropped.append(key)
    return dropped


def touch_article(path: Path) -> None:
    """Mark a kept article as just used (what :func:`prune_articles` drops last)."""
    try:
        now = time.time()
        os.utime(path, (now, now))
    except OSError:
        pass


def _used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size if path.is_file() else 0
