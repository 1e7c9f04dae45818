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

    out: dict = {"import_s": time.monotonic() - t}
    article = Path(cfg["article"]) if cfg["article"] else None
    settings = qa.Settings(
        index_dir=Path(cfg["index_dir"]), answerer=cfg["answerer"], article=article, **cfg.get("settings", {})
    )
    try:
        t = time.monotonic()
        bot = qa.Chatbot(settings=settings)
        out.update(chatbot_s=time.monotonic() - t, rebuilt=bot.rebuilt)
        out.update({f"{part}_s": seconds for part, seconds in bot.load_timings.items()})
        if cfg["task"] == "build":
            return out
        t = time.monotonic()
        answer = bot.ask(cfg["first"])
        out.update(ask_s=time.monotonic() - t, answered_at=time.monotonic(), mode=answer.mode)
        if cfg["task"] == "warm":
            out.update(replay(qa.Chatbot, settings, cfg["cases"]))
            out.update(summaries(qa.Chatbot, settings))
    except qa.QAError as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return out


def replay(chatbot: type, settings: object, cases: list[list[str]]) -> dict:
    turns, stages, modes = [], {}, {}
    prompt_tokens, new_tokens, first_piece = [], [], []
    for case in cases:
        bot = chatbot(settings=settings)  # a fresh conversation; the engine stays warm
        for question in case:
            t = time.perf_counter()
            answer = bot.ask(question)
            turns.append(time.perf_counter() - t)
            for stage, seconds in answer.timings.items():
                stages.setdefault(stage, []).append(seconds)
            if "prompt_tokens" in answer.meta:  # turns the LLM wrote (or tried to)
                prompt_tokens.append(answer.meta["prompt_tokens"])
                new_tokens.append(answer.meta["prompt_tokens"] - answer.meta.get("prompt_tokens_cached", 0))
                first_piece.append(answer.timings["first_piece"])
            modes[answer.mode] = modes.get(answer.mode, 0) + 1
    medians = {k: statistics.median(v) for k, v in stages.items() if k != "first_piece"}
    out = {"turns_s": turns, "stages_s": medians, "modes": modes}
    if prompt_tokens:
        out.update(first_piece_s=first_piece, prompt_tokens=prompt_tokens, new_prompt_tokens=new_tokens)
    return out


#: Requests for the whole article, each asked in a fresh conversation after the replay.
SUMMARIES = ("요약해줘", "이 기사 세 줄로 요약해줘", "What is this article about?", "핵심만 한 문장으로")


def summaries(chatbot: type, settings: object, rounds: int = 5) -> dict:
    seconds = []
    for _ in range(rounds):
        for question in SUMMARIES:
            bot = chatbot(settings=settings)
            t = time.perf_counter()
            answer = bot.ask(question)
            seconds.append(time.perf_counter() - t)
            if answer.mode != "summary":
                raise RuntimeError(f"{question!r} was not answered with a summary ({answer.mode})")
    return {"summary_s": seconds}


def peak_rss_mb(pid: str) -> float:
    """VmHWM: a process's peak resident set, whatever allocated it (C engines included)."""
    return int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1]) / 1024


def helpers() -> list[str]:
    """Child processes still running (the Kiwi helper), whose memory counts too."""
    return [pid for f in Path("/proc/self/task").glob("*/children") for pid in f.read_text().split()]


result = main(json.loads(sys.argv[1]))
result["peak_rss_mb"] = peak_rss_mb("self") + sum(peak_rss_mb(pid) for pid in helpers())
print(RESULT_TAG + json.dumps(result), flush=True)
