"""Loading llama.cpp safely: extra buffer types off on a CPU with AMX, where llama.cpp
crashes with them (ggml-org/llama.cpp#20824), on elsewhere; a crash fails the tests
that need the model instead of killing the run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qa import ConfigError
from qa.backends.llamacpp import use_extra_bufts
from tests.conftest import native_failure

# llama_print_system_info() of llama-cpp-python 0.3.36: as printed on the AMD EPYC (AVX2,
# no AMX) this was written on, and as builds for a Sapphire Rapids Xeon (AMX_INT8 = 1, as
# in the issue), an AVX-512 CPU without AMX and an ARM CPU report their features.
AVX2_INFO = (
    "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | LLAMAFILE = 1 | "
    "OPENMP = 1 | REPACK = 1 | "
)
AMX_INFO = AVX2_INFO.replace(
    "LLAMAFILE", "AVX512 = 1 | AVX512_VBMI = 1 | AVX512_VNNI = 1 | AVX512_BF16 = 1 | AMX_INT8 = 1 | LLAMAFILE"
)
AVX512_INFO = AMX_INFO.replace("AMX_INT8 = 1 | ", "")
ARM_INFO = (
    "CPU : NEON = 1 | ARM_FMA = 1 | FP16_VA = 1 | DOTPROD = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
XEON_FLAGS = {"avx2", "avx512f", "avx512_vnni", "amx_bf16", "amx_tile", "amx_int8"}
EPYC_FLAGS = {"avx2", "fma", "bmi2", "sse4_2"}


@pytest.mark.parametrize(
    "info, flags, setting, expected",
    [
        (AMX_INFO, XEON_FLAGS, "auto", False),  # the crash of the issue
        (AMX_INFO, set(), "auto", False),  # no /proc/cpuinfo: the build's word is enough
        (AVX512_INFO, XEON_FLAGS, "auto", False),  # the CPU's word too: the build may not list it
        (AVX512_INFO, {"avx2", "avx512f"}, "auto", True),  # AVX-512 repacking kernels: kept
        (ARM_INFO, {"fp", "asimd", "asimddp"}, "auto", True),  # ARM repacking kernels: kept
        (AVX2_INFO, EPYC_FLAGS, "auto", False),  # AVX2 kernels: measured slower, bigger
        (AVX2_INFO.replace("AVX2 = 1", "AVX2 = 0"), EPYC_FLAGS, "auto", True),  # "= 0" is not a feature
        (AMX_INFO.replace("AMX_INT8 = 1", "AMX_INT8 = 0"), {"avx512f"}, "auto", True),
        ("", set(), "auto", True),  # nothing known: llama.cpp's default
        (AMX_INFO, XEON_FLAGS, "on", True),  # for a llama.cpp that fixed it
        (AVX512_INFO, {"avx512f"}, "off", False),
    ],
)
def test_extra_buffer_types_follow_the_cpu(info, flags, setting, expected):
    assert use_extra_bufts(info, flags, setting) is expected


def test_an_unknown_setting_is_refused():
    with pytest.raises(ConfigError, match="llm_extra_bufts must be one of auto, on, off; got 'yes'"):
        use_extra_bufts(AVX2_INFO, EPYC_FLAGS, "yes")


def test_a_native_crash_in_a_child_is_reported_by_its_signal():
    why = native_failure(["-c", "import ctypes; print('before', flush=True); ctypes.string_at(0)"])
    assert why is not None and why.startswith("was killed by SIGSEGV"), why
    assert "before" in why and "Fatal Python error: Segmentation fault" in why
    assert native_failure(["-c", "pass"]) is None
    assert native_failure(["-c", "raise SystemExit(3)"]).startswith("exited with status 3")  # type: ignore[union-attr]


# Loads the model with each setting, collecting llama.cpp's own log of where the weights went.
LOAD = """
import ctypes, json, sys
import llama_cpp
import llama_cpp.llama_cpp as lib
from qa.backends.llamacpp import cpu_flags, load_llama, system_info, use_extra_bufts

lines = []

@llama_cpp.llama_log_callback
def log(level, text, user_data):
    lines.append(text.decode("utf-8", "replace"))

llama_cpp.llama_log_set(log, ctypes.c_void_p(0))
out = {"info": system_info(), "auto": use_extra_bufts(system_info(), cpu_flags())}
for setting in ("off", "on"):
    del lines[:]
    model = load_llama(sys.argv[1], 256, 1, setting)
    out[setting] = {
        "loaded": model.extra_bufts,
        "param": model.llama.model_params.use_extra_bufts,
        "buffers": [ln.strip() for ln in lines if "model buffer size" in ln],
    }
out["default_after"] = lib.llama_model_default_params().use_extra_bufts
print(json.dumps(out))
"""


@pytest.mark.slow
def test_the_setting_reaches_llama_cpp(real_llm: Path):
    proc = subprocess.run(
        [sys.executable, "-c", LOAD, str(real_llm)], capture_output=True, text=True, check=True, timeout=600
    )
    out = json.loads(proc.stdout.splitlines()[-1])
    assert out["off"]["loaded"] is False and out["off"]["param"] is False
    assert out["on"]["loaded"] is True and out["on"]["param"] is True
    # llama.cpp says where the weights went: without extra buffer types, plain CPU buffers only.
    assert out["off"]["buffers"] and not any("REPACK" in b or "AMX" in b for b in out["off"]["buffers"])
    if "REPACK = 1" in out["info"]:  # a build that repacks: "on" does
        assert any("REPACK" in b or "AMX" in b for b in out["on"]["buffers"]), out["on"]["buffers"]
    # The change lasted as long as the load, no longer.
    assert out["default_after"] is True


@pytest.mark.slow
def test_a_crashing_model_fails_the_tests_that_need_it(tmp_path: Path):
    """The session's smoke check, given a child that dies as llama.cpp does on AMX, fails
    (not skips, not passes) a test taking ``real_llm``, and says why."""
    (tmp_path / "conftest.py").write_text(
        "import tests.conftest as base\n"
        'base.LLM_SMOKE = \'import ctypes; print("system info: CPU : AMX_INT8 = 1 |", flush=True); '
        "ctypes.string_at(0)'\n"
        "real_llm = base.real_llm\n"
    )
    (tmp_path / "test_uses_model.py").write_text("def test_answers(real_llm):\n    pass\n")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=600,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 1 and "1 error" in out and "passed" not in out, out
    assert "was killed by SIGSEGV" in out and "system info: CPU : AMX_INT8 = 1" in out, out
    assert "ggml-org/llama.cpp#20824" in out, out
