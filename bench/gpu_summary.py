"""Read the JSONs bench/gpu_check.sh left in a folder and check each figure against its target.

Writes summary.json beside them (the GPU, the versions, each step's exit code and seconds,
every check with its figure, target and verdict) and prints a short table: the last thing
a device call shows. Standard library only, so it runs even where torch does not import.

    python bench/gpu_summary.py $OUT --env /tmp/quillora-gpu-check
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

TRAIN_SPEED = {"engine": 3.0, "engine-lowmem": 2.4}
TRAIN_MEMORY = {"engine": 1.0, "engine-lowmem": 0.40}
MEMORY_ESTIMATE = 0.15
CHAT_TOKENS_8B = 100.0
FIRST_TOKEN_S = 1.0


def load(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check(name: str, value: Any, target: str, passed: bool | None) -> dict[str, Any]:
    return {"check": name, "value": value, "target": target, "pass": passed}


def train_checks(shape: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    base = next((r for r in report["results"] if r["variant"] == "baseline"), None)
    for result in report["results"]:
        variant = result["variant"]
        tag = f"train {shape} {variant}"
        if variant in TRAIN_SPEED and base is not None:
            speed, memory = result.get("speed_vs_baseline"), result.get("memory_vs_baseline")
            found.append(
                check(
                    f"{tag} speed x baseline",
                    speed,
                    f">= {TRAIN_SPEED[variant]}",
                    speed is not None and speed >= TRAIN_SPEED[variant],
                )
            )
            found.append(
                check(
                    f"{tag} peak / baseline peak",
                    memory,
                    f"<= {TRAIN_MEMORY[variant]}",
                    None if memory is None else memory <= TRAIN_MEMORY[variant],
                )
            )
        # Older JSONs (before 5 December 2026) compared the last step's batch with the first's.
        same_batch = "first_batch_loss" in result
        found.append(
            check(
                f"{tag} loss fell, grads non-zero",
                result["first_batch_loss"]
                if same_batch
                else [result["loss"][0], result["loss"][-1]],
                ("first batch: after < before" if same_batch else "last < first")
                + ", all norms > 0",
                bool(result["loss_fell"] and result["grads_nonzero"]),
            )
        )
        peak, predicted = result.get("peak_gib"), result.get("predicted_peak_gib")
        if peak and predicted:
            ratio = round(peak / predicted, 3)
            found.append(
                check(
                    f"{tag} measured / predicted peak ({peak} / {predicted} GiB)",
                    ratio,
                    f"within {MEMORY_ESTIMATE:.0%}",
                    abs(ratio - 1) <= MEMORY_ESTIMATE,
                )
            )
        if "profile" in result:
            top = result["profile"].get("top") or []
            names = [f"{row['name'][:50]} {row['share']:.0%}" for row in top[:3]]
            found.append(check(f"{tag} profile: top kernels", names, "(diagnosis)", None))
    return found


def chat_checks(shape: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for name, figures in report.get("variants", {}).items():
        if "error" in figures:
            found.append(check(f"chat {shape} {name}", figures["error"][:120], "runs", False))
            continue
        speed = round(figures["tokens_per_s"], 1)
        first = round(figures["first_token_s"], 3)
        engine = name.startswith("engine")
        target = CHAT_TOKENS_8B if shape == "8b" and engine else None
        found.append(
            check(
                f"chat {shape} {name} tokens/s",
                speed,
                f">= {target:.0f}" if target else "(compare)",
                speed >= target if target else None,
            )
        )
        found.append(
            check(
                f"chat {shape} {name} first token s",
                first,
                f"< {FIRST_TOKEN_S}" if engine else "(compare)",
                first < FIRST_TOKEN_S if engine else None,
            )
        )
    return found


def estimator_checks(report: dict[str, Any]) -> list[dict[str, Any]]:
    estimate, run = report.get("estimate") or {}, report.get("run") or {}
    found = [
        check(
            f"pre-Start time: real {run.get('wall_seconds')} s / estimate "
            f"{estimate.get('estimated_seconds')} s",
            report.get("time_ratio"),
            "within 25%",
            report.get("time_within_target"),
        )
    ]
    if "memory_ratio" in report:
        found.append(
            check(
                f"pre-Start peak: real {run.get('peak_gib')} / predicted "
                f"{estimate.get('predicted_peak_gib')} GiB (dial plan)",
                report["memory_ratio"],
                "within 15%",
                None if report["memory_ratio"] is None else abs(report["memory_ratio"] - 1) <= 0.15,
            )
        )
    for setting in report.get("memory_settings", []):
        ratio = setting.get("ratio")
        found.append(
            check(
                f"peak, {setting['setting']}: {setting['peak_gib']} / "
                f"{setting['predicted_peak_gib']} GiB",
                ratio,
                "within 15%",
                None if ratio is None else abs(ratio - 1) <= 0.15,
            )
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--env", type=Path, help="folder with versions.json, gpu.txt, steps.txt")
    parser.add_argument(
        "--markdown", action="store_true", help="print the checks as a table for docs/"
    )
    args = parser.parse_args(argv)
    folder: Path = args.folder
    summary: dict[str, Any] = {"checks": []}
    if args.env:
        summary["versions"] = load(args.env / "versions.json")
        for name, key in (("gpu.txt", "nvidia_smi"), ("steps.txt", "steps")):
            path = args.env / name
            if path.is_file():
                summary[key] = path.read_text(encoding="utf-8", errors="replace").splitlines()
    checks = summary["checks"]
    for shape in ("1b", "8b"):
        report = load(folder / f"train-{shape}.json")
        if report:
            summary.setdefault("device", report.get("device"))
            checks += train_checks(shape, report)
        report = load(folder / f"chat-{shape}.json")
        if report:
            checks += chat_checks(shape, report)
    report = load(folder / "estimator-1b.json")
    if report:
        checks += estimator_checks(report)
    if args.markdown:  # reading a fetched folder: print a table, write nothing
        print("| check | figure | target | verdict |\n|---|---|---|---|")
        for row in checks:
            verdict = {True: "met", False: "missed", None: ""}[row["pass"]]
            print(f"| {row['check']} | {row['value']} | {row['target']} | {verdict} |")
        return 0
    (folder / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    for line in summary.get("steps", []):
        print(line)
    for row in checks:
        verdict = {True: "PASS", False: "MISS", None: "    "}[row["pass"]]
        print(f"{verdict}  {row['check']}: {row['value']} (target {row['target']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
