"""The main text of an HTML page or fragment: no navigation, scripts, banners or footers.

Used for saved web pages, e-book chapters and blog posts. The page is parsed with the
standard library's html.parser (it runs nothing, fetches nothing and expands no custom
entities) into a small tree; parts that are never writing are pruned (scripts, forms, menus,
headers and footers, cookie and newsletter banners, recognised by tag, ARIA role, class or
id); the article (or <main>) is kept when the page marks one; and blocks that are mostly
links (a list of related posts, a tag cloud) are dropped.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

MAX_HTML_CHARS = 16 * 1024 * 1024  # one page or post; far more than any article
MAX_DEPTH = 400  # deeper nesting is flattened (a hostile page cannot exhaust the stack)
MAX_PARSE_SECONDS = 15.0  # a page of millions of tags stops here (html.parser is pure Python)
FEED_CHARS = 256 * 1024
_KEPT_ATTRS = {"class", "id", "role", "hidden", "aria-hidden", "style", "epub:type"}

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
}  # fmt: skip
_NEVER_TEXT = {
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "form", "button", "select", "textarea", "input", "label", "nav", "aside",
    "footer", "header", "dialog", "figcaption", "img", "audio", "video", "map", "head",
    "title",
}  # fmt: skip
_BLOCKS = {
    "p", "div", "section", "article", "main", "body", "blockquote", "pre", "li", "ul", "ol",
    "dl", "dd", "dt", "table", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "address", "center", "details", "summary", "hr", "br",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog",
    "alertdialog", "menu", "menubar", "toolbar",
}  # fmt: skip
# A class or id naming one of these is page furniture, not writing: the word alone, after one
# prefix ("site-header", "entry-meta") or before a suffix ("cookie-banner", "share-buttons").
# A state on a wrapper ("has-sidebar", "with-header") says what is beside it, not what it is.
_FURNITURE = re.compile(
    r"^(?!(?:has|with|without|no|is|show|hide)[-_])(?:[a-z0-9]+[-_])?"
    r"(?:nav|navbar|navigation|menu|breadcrumbs?|footer|header|masthead|sidebar|cookies?|"
    r"consent|gdpr|banner|newsletter|subscribe|subscription|signup|share|sharing|social|"
    r"related|comments?|widgets?|advert|advertisement|ads?|promo|popup|modal|skip-link|"
    r"screen-reader-text|sr-only|visually-hidden|byline|meta|tags|pagination)"
    r"(?:[-_][a-z0-9_-]*)?$",
    re.IGNORECASE,
)
_KEEP_ALWAYS = {"html", "body", "main", "article"}
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u200b]+")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


@dataclass(slots=True)
class _Node:
    tag: str
    attrs: dict[str, str]
    children: list[_Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """A forgiving HTML tree: unknown end tags are ignored, unclosed ones close with a parent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs if k in _KEPT_ATTRS})
        if tag in ("p", "li") and self.stack[-1].tag == tag:
            self.stack.pop()  # <p>one<p>two: the second paragraph closes the first
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(
            _Node(tag, {k: v or "" for k, v in attrs if k in _KEPT_ATTRS})
        )

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


@dataclass(frozen=True)
class Block:
    text: str
    heading: bool = False
    link_chars: int = 0  # how much of the text sits inside links


@dataclass
class Page:
    """A page's title, its blocks of main text in order, and its epub:type marks."""

    title: str = ""
    blocks: list[Block] = field(default_factory=list)
    marks: set[str] = field(default_factory=set)


def parse_tree(html: str) -> _Node:
    """The tree of `html`, parsed in pieces so that a pathological page stops in bounded time
    (what was parsed by then is kept)."""
    builder = _TreeBuilder()
    started = time.monotonic()
    for start in range(0, min(len(html), MAX_HTML_CHARS), FEED_CHARS):
        builder.feed(html[start : start + FEED_CHARS])
        if time.monotonic() - started > MAX_PARSE_SECONDS:
            break
    builder.close()
    return builder.root


def page_text(html: str, blank_lines_break: bool = False) -> Page:
    """The main text of `html` (a whole page or a fragment such as a blog post's body).

    `blank_lines_break` treats a blank line inside text as a paragraph break: WordPress
    stores classic-editor posts that way, with the <p> tags added only when shown.
    """
    root = parse_tree(html)
    page = Page(title=_title(root))
    _collect_marks(root, page.marks)
    areas = _main_areas(root)
    collector = _Collector(blank_lines_break)
    for area in areas:
        collector.walk(area)
    collector.flush()
    # A block that is mostly links is a menu, a tag cloud or a list of related posts.
    page.blocks = [b for b in collector.blocks if b.link_chars < 0.6 * len(b.text)]
    headline = next((b.text for b in page.blocks if b.heading), "")
    page.title = _first_tag_text(areas, "h1") or page.title or headline
    return page


def _title(root: _Node) -> str:
    for node in _iter(root):
        if node.tag == "title":
            return _SPACES.sub(" ", _plain(node)).strip()
    return ""


def _first_tag_text(areas: list[_Node], tag: str) -> str:
    for area in areas:
        for node in _iter(area):
            if node.tag == tag:
                return _SPACES.sub(" ", _plain(node)).strip()
    return ""


def _iter(root: _Node) -> list[_Node]:
    """Every element under `root` in document order (iterative: deep pages cannot overflow)."""
    found: list[_Node] = []
    pending: list[_Node] = [root]
    while pending:
        node = pending.pop()
        found.append(node)
        pending.extend(c for c in reversed(node.children) if isinstance(c, _Node))
    return found


def _plain(node: _Node) -> str:
    parts: list[str] = []
    pending: list[_Node | str] = [node]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
        else:
            pending.extend(reversed(item.children))
    return "".join(parts)


def _collect_marks(root: _Node, marks: set[str]) -> None:
    """epub:type values on <body> and its outermost sections (a cover, a table of contents)."""
    for node in _iter(root):
        if node.tag in ("body", "section", "nav", "div") and "epub:type" in node.attrs:
            marks.update(node.attrs["epub:type"].lower().split())
            if node.tag != "body":
                return


def _furniture(node: _Node) -> bool:
    if node.tag in _NEVER_TEXT:
        return True
    attrs = node.attrs
    if "hidden" in attrs or attrs.get("aria-hidden", "").lower() == "true":
        return True
    if attrs.get("role", "").lower() in _ROLES:
        return True
    style = attrs.get("style", "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if node.tag in _KEEP_ALWAYS:
        return False
    names = attrs.get("class", "").split() + attrs.get("id", "").split()
    return any(_FURNITURE.match(name) for name in names)


def _main_areas(root: _Node) -> list[_Node]:
    """The page's articles (outermost ones, in order), else its <main>, else the whole page."""
    articles: list[_Node] = []
    mains: list[_Node] = []
    pending: list[_Node] = [root]
    while pending:
        node = pending.pop()
        if _furniture(node):
            continue
        if node.tag == "article":
            articles.append(node)
            continue
        if node.tag == "main" or node.attrs.get("role", "").lower() == "main":
            mains.append(node)
        pending.extend(c for c in reversed(node.children) if isinstance(c, _Node))
    if articles:
        return articles
    return mains[:1] or [root]


class _Collector:
    """Walks an area gathering inline text into blocks, flushing at every block boundary."""

    def __init__(self, blank_lines_break: bool) -> None:
        self.blank_lines_break = blank_lines_break
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.heading = False

    def walk(self, area: _Node) -> None:
        # Explicit stack of (item, in_link, in_pre); an "exit" marker flushes after a block.
        pending: list[tuple[_Node | str | None, bool, bool, str]] = [(area, False, False, "")]
        while pending:
            item, in_link, in_pre, exit_tag = pending.pop()
            if item is None:
                self.flush()
                if exit_tag in _HEADINGS:
                    self.heading = False
                continue
            if isinstance(item, str):
                self.text(item, in_link, in_pre)
                continue
            if _furniture(item) and item is not area:
                continue
            tag = item.tag
            if tag == "br":
                self.parts.append("\n")
                continue
            if tag in _BLOCKS:
                self.flush()
                if tag in _HEADINGS:
                    self.heading = True
                pending.append((None, in_link, in_pre, tag))
            link = in_link or tag == "a"
            pre = in_pre or tag == "pre"
            pending.extend((c, link, pre, "") for c in reversed(item.children))

    def text(self, data: str, in_link: bool, in_pre: bool) -> None:
        if self.blank_lines_break and not in_pre and _BLANK_LINE.search(data):
            pieces = _BLANK_LINE.split(data)
            for number, piece in enumerate(pieces):
                if number:
                    self.flush()
                self.text(piece, in_link, in_pre)
            return
        if not in_pre:
            data = _SPACES.sub(" ", data.replace("\n", " "))
        self.parts.append(data)
        if in_link:
            self.link_chars += len(data.strip())

    def flush(self) -> None:
        text = "".join(self.parts)
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(Block(text, self.heading, self.link_chars))
        self.parts = []
        self.link_chars = 0


def paragraphs_of(page: Page, section: int) -> list[tuple[int, str, str]]:
    """(section, title, paragraph) for the prose reader; a heading inside starts a section."""
    found: list[tuple[int, str, str]] = []
    title = page.title
    for block in page.blocks:
        if block.heading:
            if found:
                section += 1
            title = block.text
            continue
        found.append((section, title, block.text))
    return found
