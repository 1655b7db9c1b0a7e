"""Record what a real demo run wrote, for the tour's Try it and Share screens.

    python bench/record_demo_replies.py RUN_DIR [--out assets/tour/demo_replies.json]

RUN_DIR is a finished `python -m engine train --model demo` run on the bundled brand CSV.
Its evaluation.json already holds the base and the tuned model's answers to held-out
prompts (engine.eval.compare); this adds two chat replies from the tuned model through the
real chat session (the same settings as the Try it page: temperature 0.7, seeded), and the
run's own figures. The tour (gui/tour/try_it.py) replays the file: it shows what the demo
model wrote, never text written by hand.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_OUT = ROOT / "assets" / "tour" / "demo_replies.json"
CHAT_PROMPTS = [
    "Write a product blurb for Night Watch, our malty black tea.",
    "Now one for our new chai, Driftwood.",
]


def chat_replies(run_dir: Path) -> list[dict[str, object]]:
    """The tuned model's replies to the chat prompts, one conversation, as the page asks."""
    from engine.chat.run_info import read_run
    from engine.chat.session import ChatSession
    from engine.contract.chat_protocol import GenerateRequest, Message

    session = ChatSession(read_run(run_dir), merged=True, device="cpu")
    messages: list[Message] = []
    turns: list[dict[str, object]] = []
    for index, prompt in enumerate(CHAT_PROMPTS):
        messages.append(Message("user", prompt))
        request = GenerateRequest(
            id=f"tour-{index}",
            messages=tuple(messages),
            temperature=0.7,
            top_p=0.9,
            max_new_tokens=120,
            seed=7,
        )
        reply = session.reply(request, on_text=lambda _: None)
        messages.append(Message("assistant", reply.text))
        turns.append(
            {
                "prompt": prompt,
                "reply": reply.text,
                "new_tokens": len(reply.token_ids),
                "seconds": round(reply.seconds, 2),
                "first_token_seconds": round(reply.first_token_seconds, 2),
            }
        )
    return turns


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    run = json.loads((args.run_dir / "run.json").read_text(encoding="utf-8"))
    evaluation = json.loads((args.run_dir / "evaluation.json").read_text(encoding="utf-8"))
    if run.get("config", {}).get("model", {}).get("name") != "demo":
        raise SystemExit("This run was not trained on the demo model.")
    record = {
        "recorded": datetime.now(UTC).strftime("%Y-%m-%d"),
        "how": "python bench/record_demo_replies.py RUN_DIR, on a run of "
        "`python -m engine train --model demo --dial quick --data assets/samples/brand_voice.csv`"
        " (what Try the demo starts)",
        "model": "demo (SmolLM2-135M-Instruct)",
        "result": run.get("result", {}),
        "perplexity": evaluation.get("perplexity"),
        "style": {
            k: (evaluation.get("style") or {}).get(k, {}).get("score") for k in ("base", "tuned")
        },
        "summary": evaluation.get("summary", []),
        "samples": evaluation.get("samples", []),
        "chat": chat_replies(args.run_dir),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
