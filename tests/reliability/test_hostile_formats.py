"""Bad and hostile workbooks, PDFs, e-books, web pages, blog exports, .odt and .rtf files.

Like test_hostile_inputs.py: every file gets a typed EngineError with a plain sentence or is
read, within bounded wall time and peak memory growth. Fuzzed cases start from real files made
by each format's own writer (tests/data/makers.py) and corrupt them; derandomized.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contract.config import DataSettings
from engine.contract.errors import ErrorKind
from engine.data.prepare import prepare_examples
from tests.data import makers
from tests.reliability.bounds import COUNTS, assert_typed_or_read, measure

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SUFFIXES = [".xlsx", ".ods", ".pdf", ".epub", ".html", ".xml", ".zip", ".rtf", ".odt"]
MAKERS: dict[str, Callable[[Path], Path]] = {
    ".xlsx": makers.make_xlsx,
    ".ods": makers.make_ods,
    ".pdf": lambda p: makers.make_pdf(p, chapters=1, paragraphs_per_chapter=3),
    ".epub": makers.make_epub,
    ".html": makers.make_html,
    ".xml": makers.make_wordpress,
    ".zip": makers.make_substack,
    ".rtf": makers.make_rtf,
    ".odt": makers.make_odt,
}
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
)


def _check(path: Path, seconds: float = 20.0, rss_mb: float = 250.0, **options: object):
    measured = measure(
        lambda: prepare_examples(DataSettings(sources=(str(path),), **options))  # type: ignore[arg-type]
    )
    assert_typed_or_read(measured)
    assert measured.seconds < seconds, f"{path.name}: {measured.seconds:.1f} s"
    assert measured.peak_rss_delta_mb < rss_mb, f"{path.name}: +{measured.peak_rss_delta_mb:.0f} MB"
    COUNTS["files tried"] += 1
    return measured


def _refused(measured: object, words: str) -> None:
    error = measured.error  # type: ignore[attr-defined]
    assert error is not None and error.kind == ErrorKind.BAD_DATA_FILE, error
    assert words in error.message, error.message


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("originals")
    return {suffix: make(folder / f"real{suffix}").read_bytes() for suffix, make in MAKERS.items()}


# -- fuzzed --------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(min_size=0, max_size=4096), suffix=st.sampled_from(SUFFIXES))
def test_random_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("bytes") / f"random{suffix}"
    path.write_bytes(data)
    COUNTS["fuzz cases"] += 1
    _check(path)


@FUZZ
@given(
    suffix=st.sampled_from(SUFFIXES),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=12),
    cut=st.floats(0.05, 1.0),
)
def test_corrupted_real_files(
    tmp_path_factory: pytest.TempPathFactory,
    originals: dict[str, bytes],
    suffix: str,
    flips: list[tuple[float, int]],
    cut: float,
) -> None:
    """A real file with bytes overwritten and its end cut off (a broken download)."""
    data = bytearray(originals[suffix])
    for where, value in flips:
        data[int(where * len(data))] = value
    path = tmp_path_factory.mktemp("corrupt") / f"broken{suffix}"
    path.write_bytes(bytes(data[: max(1, int(len(data) * cut))]))
    COUNTS["fuzz cases"] += 1
    _check(path)


# -- hostile, one by one -------------------------------------------------------------------
def _bomb_zip(path: Path, member: str, others: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in others.items():
            archive.writestr(name, text)
        with archive.open(member, "w", force_zip64=True) as handle:
            block = b"<row><c><v>1</v></c></row>" * 40_000
            for _ in range(300 * 2**20 // len(block)):
                handle.write(block)
    return path


@pytest.mark.parametrize(
    ("name", "member"),
    [
        ("bomb.xlsx", "xl/worksheets/sheet1.xml"),
        ("bomb.epub", "OEBPS/chapter.xhtml"),
        ("bomb.odt", "content.xml"),
        ("bomb.ods", "content.xml"),
        ("bomb.zip", "posts/1.post.html"),
    ],
)
def test_zip_bombs_are_refused_before_inflating(tmp_path: Path, name: str, member: str) -> None:
    path = _bomb_zip(tmp_path / name, member, {"posts.csv": "post_id\n1.post\n"})
    assert path.stat().st_size < 3 * 2**20
    _refused(_check(path, seconds=5, rss_mb=60), "larger inside")


def test_billion_laughs_in_a_wordpress_export(tmp_path: Path) -> None:
    path = tmp_path / "laughs.xml"
    path.write_text(
        LAUGHS + '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item>'
        "<title>&lol9;</title><wp:post_type>post</wp:post_type></item></channel></rss>",
        encoding="utf-8",
    )
    _refused(_check(path, seconds=5, rss_mb=60), "damaged")


def test_an_external_entity_is_never_fetched_or_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-CONTENT that must never be learned from.", encoding="utf-8")
    post = f"<p>{makers.paragraph(1)}</p>"
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        "<title>&x;</title><content:encoded><![CDATA[" + post + "]]></content:encoded>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    measured = _check(path)
    _refused(measured, "damaged")


@pytest.mark.parametrize(("suffix", "part", "refused"), [
    (".xlsx", "xl/worksheets/sheet2.xml", True),  # openpyxl streams sheets with defusedxml
    (".xlsx", "xl/workbook.xml", True),
    (".epub", "META-INF/container.xml", True),
    (".epub", "EPUB/chapter_1.xhtml", False),  # html.parser does not expand declared entities
    (".odt", "content.xml", True),
    (".ods", "content.xml", True),
])  # fmt: skip
def test_billion_laughs_inside_zip_formats(
    tmp_path: Path, originals: dict[str, bytes], suffix: str, part: str, refused: bool
) -> None:
    """An entity bomb planted in a real file's XML part: refused or left unexpanded."""
    source = tmp_path / f"real{suffix}"
    source.write_bytes(originals[suffix])
    path = tmp_path / f"laughs{suffix}"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == part:
                text = data.decode("utf-8").split("?>", 1)[-1]
                tag = text.lstrip().split(">", 1)[0].split()[0].lstrip("<")
                data = (LAUGHS.replace("lolz", tag) + text.replace(">", ">&lol9;", 1)).encode()
            archive.writestr(item, data)
    measured = _check(path, seconds=10, rss_mb=80)
    if refused:
        _refused(measured, "damaged")
    else:
        texts = [e.response for e in measured.result.train + measured.result.heldout]
        assert texts and not any("lollol" in t for t in texts)


def test_a_web_page_nested_100000_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 100_000 + makers.paragraph(1) + "</div>" * 100_000)
    measured = _check(path, seconds=20)
    assert measured.error is None


def test_a_15_mb_web_page_of_tags(tmp_path: Path) -> None:
    path = tmp_path / "tags.html"
    path.write_text("<p><span><b>word</b> and</span></p>\n" * 400_000)
    _check(path, seconds=60, rss_mb=600)


def test_an_rtf_nested_100000_groups_deep(tmp_path: Path) -> None:
    path = tmp_path / "deep.rtf"
    path.write_text("{\\rtf1 " + "{" * 100_000 + makers.paragraph(1) + "}" * 100_000 + "}")
    _check(path, seconds=30)


def test_a_sheet_claiming_a_million_rows_and_all_columns(tmp_path: Path) -> None:
    """A cell at XFD1048576 and a declared A1:XFD1048576 must not be padded out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["text"])
    for n in range(20):
        sheet.append([makers.sentence(n)])
    sheet["XFD1048576"] = "end"
    path = tmp_path / "huge.xlsx"
    book.save(path)
    measured = _check(path, seconds=30, rss_mb=300)
    assert measured.error is None


def test_an_ods_with_a_million_repeated_rows_and_columns(tmp_path: Path) -> None:
    """LibreOffice pads sheets with repeated empty rows and cells; they cost nothing."""
    import re

    source = makers.make_ods(tmp_path / "real.ods")
    path = tmp_path / "padded.ods"
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as archive:
        for item in original.infolist():
            data = original.read(item)
            if item.filename == "content.xml":
                padding = (
                    '<table:table-row table:number-rows-repeated="1048000">'
                    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
                )
                data = re.sub(rb"</table:table>", padding.encode() + b"</table:table>", data)
            archive.writestr(item, data)
    measured = _check(path, seconds=20, rss_mb=200)
    assert measured.error is None


def test_a_pdf_of_many_blank_pages_is_a_sentence_not_a_hang(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    for _ in range(600):
        pdf.add_page()
    path = tmp_path / "blank.pdf"
    pdf.output(str(path))
    _refused(_check(path, seconds=30), "scanned")


def test_a_folder_mixing_good_and_broken_new_formats(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    makers.make_html(folder / "good.html")
    makers.make_pdf(folder / "good.pdf", chapters=1, paragraphs_per_chapter=2)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    (folder / "feed.xml").write_text("<rss><channel/></rss>")
    measured = _check(folder)
    assert measured.error is None
    skipped = {f.path for f in measured.result.report.files if f.skipped}
    assert {"mixed/broken.pdf", "mixed/broken.xlsx", "mixed/feed.xml"} <= skipped


@pytest.mark.parametrize("suffix", [".xlsx", ".epub", ".odt", ".zip"])
@pytest.mark.parametrize("damage", ["zip version 9.9", "encrypted member"])
def test_a_zip_directory_claiming_what_python_cannot_read(
    tmp_path: Path, originals: dict[str, bytes], suffix: str, damage: str
) -> None:
    """zipfile raises NotImplementedError (or asks for a password) on these: a sentence."""
    data = bytearray(originals[suffix])
    entry = data.find(b"PK\x01\x02")  # the first central-directory entry
    assert entry > 0
    if damage == "zip version 9.9":
        data[entry + 6 : entry + 8] = (99).to_bytes(2, "little")  # version needed to extract
    else:
        data[entry + 8] |= 0x1  # general-purpose flag bit 0: encrypted
    path = tmp_path / f"odd{suffix}"
    path.write_bytes(bytes(data))
    _refused(_check(path, seconds=5), "damaged")
