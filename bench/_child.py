# Run as `python -c <this file's text> <config json>`, never imported: one measurement
# per process, printed as one JSON line after RESULT_TAG. Timings use the monotonic
# clock, which Linux shares between processes, so the parent can subtract its spawn time.
import json
import re
import statistics
import sys
import time
from pathlib import Path

RESULT_TAG = "BENCH_RESULT "


def main(cfg: dict) -> dict:
    t = time.monotonic()
    import qa
    import qa.chatbot

    out: dict = {"import_s": time.monotonic() - t}

    # Time the index open (or build) inside Chatbot() without touching qa's code.
    real_open, spent = qa.chatbot.open_index, [0.0]

    def timed_open(*args, **kwargs):
        t = time.monotonic()
        opened = real_open(*args, **kwargs)
        spent[0] += time.monotonic() - t
        return opened

    qa.chatbot.open_index = timed_open
    article = Path(cfg["article"]) if cfg["article"] else None
    settings = qa.Settings(index_dir=Path(cfg["index_dir"]), answerer=cfg["answerer"], article=article)
    try:
        t = time.monotonic()
        bot = qa.Chatbot(settings=settings)
        out.update(chatbot_s=time.monotonic() - t, open_index_s=spent[0], rebuilt=bot.rebuilt)
        if cfg["task"] == "build":
            return out
        t = time.monotonic()
        answer = bot.ask(cfg["first"])
        out.update(ask_s=time.monotonic() - t, answered_at=time.monotonic(), mode=answer.mode)
        if cfg["task"] == "warm":
            out.update(replay(qa.Chatbot, settings, cfg["cases"]))
    except qa.QAError as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return out


def replay(chatbot: type, settings: object, cases: list[list[str]]) -> dict:
    turns, stages, modes = [], {}, {}
    for case in cases:
        bot = chatbot(settings=settings)  # a fresh conversation; the engine stays warm
        for question in case:
            t = time.perf_counter()
            answer = bot.ask(question)
            turns.append(time.perf_counter() - t)
            for stage, seconds in answer.timings.items():
                stages.setdefault(stage, []).append(seconds)
            modes[answer.mode] = modes.get(answer.mode, 0) + 1
    medians = {k: statistics.median(v) for k, v in stages.items()}
    return {"turns_s": turns, "stages_s": medians, "modes": modes}


result = main(json.loads(sys.argv[1]))
# VmHWM: this process's peak resident set, whatever allocated it (C engines included).
result["peak_rss_mb"] = int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())[1]) / 1024
print(RESULT_TAG + json.dumps(result), flush=True)
