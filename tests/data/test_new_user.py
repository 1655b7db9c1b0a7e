"""What a new user met when trying their own files (issue 3's walk-through), kept fixed."""

from __future__ import annotations

from pathlib import Path

from .conftest import LINES, prepare


def test_text_only_rows_count_as_pieces_and_say_why_examples_double(tmp_path: Path) -> None:
    # 61 rows once read as "61 pieces" in one place and "122 examples" in another.
    path = tmp_path / "posts.csv"
    rows = [f'"{LINES[i % len(LINES)]} Number {i} of the series."' for i in range(61)]
    path.write_text("text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    readiness = prepare(path).report.readiness
    assert readiness.pieces == 61 and readiness.examples == 122
    assert readiness.verdict.startswith("61 pieces of writing")
    assert "They make 122 training examples: each piece is learned twice" in readiness.verdict


def test_requests_and_answers_are_not_said_to_double(tmp_path: Path) -> None:
    path = tmp_path / "pairs.csv"
    rows = [f'"Write line {i}.","{LINES[i % len(LINES)]} ({i})"' for i in range(12)]
    path.write_text("prompt,response\n" + "\n".join(rows) + "\n", encoding="utf-8")
    readiness = prepare(path).report.readiness
    assert readiness.pieces == readiness.examples == 12
    assert "twice" not in readiness.verdict and "Aim for at least 50 pieces" in readiness.verdict


def test_excel_csv_with_accents_and_an_en_dash_reads_as_windows_1252(tmp_path: Path) -> None:
    # An en dash gave Windows-1252 a little "chaos" and a Baltic code page won: "crčme".
    rows = ["ID;Date;Body copy;Channel"]
    for i in range(30):
        rows.append(
            f"{1000 + i};2024-03-1{i % 10};Café crème for a foggy morning, number {i}. "
            "Naïve déjà vu – a kettle, a mug, a window seat.;Instagram"
        )
    path = tmp_path / "excel.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    report = prepare(path).report
    assert report.files[0].encoding == "cp1252"
    assert report.mapping is not None and report.mapping.text == "Body copy"
    assert "Café crème" in report.preview[0].response and "déjà vu –" in report.preview[0].response


def test_a_table_without_writing_in_a_folder_says_how_to_pick_its_column(tmp_path: Path) -> None:
    (tmp_path / "post.txt").write_text("\n\n".join(LINES), encoding="utf-8")
    (tmp_path / "stock.csv").write_text("sku,qty\nA1,3\nB2,4\n", encoding="utf-8")
    report = prepare(tmp_path).report
    stock = next(f for f in report.files if f.path.endswith("stock.csv"))
    assert stock.skipped and "Choose this file on its own to pick the column" in stock.notes[0]
