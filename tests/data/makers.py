"""Real files made by each format's own writer library, for the reader tests and the benches.

openpyxl writes .xlsx, odfpy writes .ods and .odt, fpdf2 writes PDFs (with a running header,
page-number footer, bookmarks and a hyphenated line), EbookLib writes EPUBs. WordPress
exports (WXR) are written with xml.etree as WordPress itself lays them out (RSS 2.0 plus the
wp: and content: namespaces), Substack and Medium exports as their zips are documented.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

SENTENCES = [
    "Our spring launch brings three new colours and a battery that lasts the weekend.",
    "We write the way a good friend talks about something they love: plainly, with specifics.",
    "Try it in store this Saturday, or order online and it arrives by Monday morning.",
    "Every bag is stitched by hand in our Leeds workshop, and every stitch is checked twice.",
    "Nobody needs another gadget; everybody needs one that simply works when it matters.",
    "The coffee is roasted on Tuesdays, packed on Wednesdays and in your kitchen by Friday.",
    "Small teams ship calm software: fewer meetings, shorter documents, clearer decisions.",
    "Rain or shine, the Saturday market opens at eight with bread still warm from the oven.",
]


def sentence(n: int) -> str:
    return f"{SENTENCES[n % len(SENTENCES)]} (Note {n}.)"


def paragraph(n: int, sentences: int = 4) -> str:
    return " ".join(sentence(n * 7 + k) for k in range(sentences))


# -- spreadsheets ---------------------------------------------------------------------------
def make_xlsx(path: Path, posts: int = 12) -> Path:
    """A workbook whose captions are on its second sheet, after a summary sheet of numbers."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Month", "Posts", "Clicks"])
    for month in range(1, 7):
        summary.append([dt.date(2024, month, 1), 20 + month, 1000 * month])
    posts_sheet = book.create_sheet("Posts")
    posts_sheet.append(["Date", "Channel", "Caption", "Likes", "Total"])
    for n in range(posts):
        if n == 3:
            posts_sheet.append([])  # an empty row in the middle, as people leave them
        row = len(posts_sheet["A"]) + 1
        posts_sheet.append(
            [dt.datetime(2024, 3, 1 + n, 9, 30), "Instagram", sentence(n), n * 10, f"=D{row}*2"]
        )
    book.create_sheet("Notes").append(["Remember to tag the shop."])
    book.save(path)
    return path


def make_ods(path: Path, posts: int = 8) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, rows in (
        ("Summary", [["Month", "Posts"], *[[str(m), str(m * 3)] for m in range(1, 5)]]),
        ("Posts", [["Channel", "Caption"], *[["Facebook", sentence(n)] for n in range(posts)]]),
    ):
        table = Table(name=name)
        for cells in rows:
            row = TableRow()
            for value in cells:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                row.addElement(cell)
            table.addElement(row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


# -- documents ------------------------------------------------------------------------------
def make_pdf(path: Path, chapters: int = 3, paragraphs_per_chapter: int = 6) -> Path:
    """A brand book: running header, "Page N of M" footer, bookmarks, a hyphenated word."""
    from fpdf import FPDF

    class Book(FPDF):
        def header(self) -> None:
            self.set_font("Helvetica", size=9)
            self.cell(0, 8, "Acme Brand Book 2024 - Internal", align="C")
            self.ln(12)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("Helvetica", size=9)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Book()
    pdf.set_auto_page_break(True, 20)
    number = 0
    for chapter in range(1, chapters + 1):
        pdf.add_page()
        title = f"Chapter {chapter}: How we sound"
        pdf.start_section(title)
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, title)
        pdf.ln(14)
        pdf.set_font("Helvetica", size=11)
        for k in range(paragraphs_per_chapter):
            number += 1
            text = paragraph(number)
            if k == 1:  # a word hyphenated across a line break, as typesetters do
                text = "Our customers tell us the packaging feels extraordi-\nnary. " + text
            pdf.multi_cell(0, 6, text)
            pdf.ln(4)
    pdf.output(str(path))
    return path


def make_epub(path: Path, chapters: int = 2) -> Path:
    """An EPUB 3 with a cover page, a title page, a navigation document and chapters."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("quillora-test-book")
    book.set_title("Field Notes")
    book.set_language("en")
    book.add_author("A. Writer")
    cover = epub.EpubHtml(title="Cover", file_name="cover.xhtml", lang="en")
    cover.content = "<html><body><h1>Field Notes</h1><p>A. Writer</p></body></html>"
    title_page = epub.EpubHtml(title="Title page", file_name="titlepage.xhtml", lang="en")
    title_page.content = (
        '<html><body epub:type="titlepage"><p>Field Notes. Copyright 2024 A. Writer. '
        "All rights reserved.</p></body></html>"
    )
    items = [cover, title_page]
    for number in range(1, chapters + 1):
        chapter = epub.EpubHtml(
            title=f"Chapter {number}", file_name=f"chapter_{number}.xhtml", lang="en"
        )
        body = "".join(f"<p>{paragraph(number * 10 + k)}</p>" for k in range(3))
        chapter.content = f"<html><body><h1>Chapter {number}: Mornings</h1>{body}</body></html>"
        items.append(chapter)
    for item in items:
        book.add_item(item)
    book.toc = items[2:]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)
    return path


def make_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, Note, NoteBody, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Spring launch"))
    for n in range(3):
        para = P(text=paragraph(n))
        if n == 0:
            note = Note(noteclass="footnote")
            body = NoteBody()
            body.addElement(P(text="A footnote that is not running text."))
            note.addElement(body)
            para.addElement(note)
        document.text.addElement(para)
    document.save(str(path))
    return path


def make_rtf(path: Path) -> Path:
    """RTF 1.9 as WordPad writes it: a font table, then paragraphs ended by \\par."""
    body = "".join("{\\pard " + paragraph(n).replace("é", "\\'e9") + "\\par}\n" for n in range(3))
    path.write_text(
        "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Helvetica;}}"
        "{\\info{\\title Launch notes}}\n\\f0\\fs24 " + body + "Caf\\'e9 au lait.\\par\n}",
        encoding="ascii",
    )
    return path


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Acme Blog</title>
<script>document.write("tracking")</script><style>p {{ color: red }}</style></head>
<body class="post-template has-sidebar">
<header class="site-header"><nav><a href="/">Home</a> <a href="/blog">Blog</a>
<a href="/shop">Shop</a></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
<button>Accept all</button></div>
<div class="site-content has-sidebar"><main><article><h1>{title}</h1>{body}
<div class="share-buttons">Share on Facebook Share on X</div>
<ul class="related-posts"><li><a href="/a">Ten tips for spring</a></li>
<li><a href="/b">Our summer range</a></li></ul></article>
<aside class="sidebar"><h3>Newsletter</h3><p>Sign up for our weekly letter.</p></aside>
</main></div><footer class="site-footer"><p>© 2024 Acme Ltd. All rights reserved.</p></footer>
</body></html>"""


def make_html(path: Path, title: str = "Why we roast on Tuesdays", paragraphs: int = 3) -> Path:
    body = "".join(f"<p>{paragraph(n)}</p>" for n in range(paragraphs))
    path.write_text(PAGE.format(title=title, body=body), encoding="utf-8")
    return path


# -- blog exports ---------------------------------------------------------------------------
WXR = {
    "excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": "http://wordpress.org/export/1.2/",
}


def make_wordpress(
    path: Path, posts: int = 5, pages: int = 1, drafts: int = 1, paragraphs_per_post: int = 2
) -> Path:
    """A WXR 1.2 file: published posts (classic and block editor), pages, drafts, menus."""
    for prefix, uri in WXR.items():
        ET.register_namespace(prefix, uri)
    rss = ET.Element("rss", version="2.0")
    channel = ET.SubElement(rss, "channel")
    ET.SubElement(channel, "title").text = "Acme Blog"
    ET.SubElement(channel, f"{{{WXR['wp']}}}wxr_version").text = "1.2"

    def item(title: str, body: str, post_type: str, status: str) -> None:
        node = ET.SubElement(channel, "item")
        ET.SubElement(node, "title").text = title
        ET.SubElement(node, f"{{{WXR['dc']}}}creator").text = "admin"
        ET.SubElement(node, f"{{{WXR['content']}}}encoded").text = body
        ET.SubElement(node, f"{{{WXR['excerpt']}}}encoded").text = ""
        ET.SubElement(node, f"{{{WXR['wp']}}}post_type").text = post_type
        ET.SubElement(node, f"{{{WXR['wp']}}}status").text = status

    for n in range(posts):
        texts = [paragraph(n + 1000 * k) for k in range(paragraphs_per_post)]
        if n == 0:  # shortcodes, as the classic editor leaves them
            texts.append(
                '[gallery ids="4,5,6"] [caption id="attachment_7"]<img src="a.jpg"/>[/caption]'
            )
        if n % 2:  # classic editor: paragraphs separated by blank lines, no <p> tags
            body = "\n\n".join(texts)
        else:  # block editor
            body = "\n\n".join(
                f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->" for text in texts
            )
        item(f"Post number {n}", body, "post", "publish")
    for n in range(pages):
        item(f"About page {n}", f"<p>PAGE TEXT {n}. {paragraph(5000 + n)}</p>", "page", "publish")
    for n in range(drafts):
        item(f"Draft {n}", f"<p>DRAFT TEXT {n}. {paragraph(6000 + n)}</p>", "post", "draft")
    item("Main menu", "", "nav_menu_item", "publish")
    item("photo.jpg", "", "attachment", "inherit")
    ET.ElementTree(rss).write(path, encoding="utf-8", xml_declaration=True)
    return path


def make_substack(path: Path, posts: int = 3, drafts: int = 1) -> Path:
    """Substack's export: posts.csv plus posts/<post_id>.html (and subscriber lists)."""
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["post_id", "post_date", "is_published", "email_sent_at", "type",
                     "audience", "title", "subtitle"])  # fmt: skip
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(posts + drafts):
            post_id = f"{1000 + n}.letter-{n}"
            published = n < posts
            writer.writerow([post_id, "2024-03-01T09:00:00.000Z", str(published).lower(), "",
                             "newsletter", "everyone", f"Letter {n}", ""])  # fmt: skip
            marker = "" if published else f"DRAFT TEXT {n}. "
            body = f"<p>{marker}{paragraph(n)}</p><p>{paragraph(n + 300)}</p>"
            body += '<div class="subscription-widget"><p>Subscribe to keep reading</p></div>'
            archive.writestr(f"posts/{post_id}.html", body)
        archive.writestr("posts.csv", table.getvalue())
        archive.writestr("email_list.acme.csv", "email,active\nreader@example.com,true\n")
    return path


MEDIUM_POST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><article class="h-entry"><header><h1 class="p-name">{title}</h1></header>
<section data-field="subtitle" class="p-summary">A short subtitle.</section>
<section data-field="body" class="e-content">{body}</section>
<footer><p>By <a class="p-author h-card" href="https://medium.com/@a">A. Writer</a> on
<a href="https://medium.com/p/1"><time class="dt-published">March 1, 2024</time></a>.</p>
<p><a href="https://medium.com/p/1" class="p-canonical">Canonical link</a></p>
<p>Exported from <a href="https://medium.com">Medium</a> on March 2, 2024.</p></footer>
</article></body></html>"""


def make_medium(path: Path, posts: int = 3, drafts: int = 1) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.html", "<html><body><p>Your Medium archive.</p></body></html>")
        archive.writestr("profile/profile.html", "<html><body><p>A. Writer</p></body></html>")
        for n in range(posts + drafts):
            draft = n >= posts
            name = f"draft_Idea-{n}-abc{n}.html" if draft else f"2024-03-0{n + 1}_Story-{n}.html"
            marker = f"DRAFT TEXT {n}. " if draft else ""
            body = f"<p>{marker}{paragraph(n)}</p><p>{paragraph(n + 400)}</p>"
            archive.writestr(f"posts/{name}", MEDIUM_POST.format(title=f"Story {n}", body=body))
    return path
