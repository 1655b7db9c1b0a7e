"""Blog exports: WordPress (.xml), Substack and Medium (.zip); each post a section.

- WordPress "Tools > Export" writes WXR: an RSS 2.0 file with WordPress's own namespace
  (wp:post_type, wp:status) and each post's HTML in content:encoded. It is streamed with
  defusedxml's iterparse (no DTDs' entities, nothing fetched), each item dropped from memory
  once read, so a blog of any size costs bounded memory.
- Substack's "Export your data" zip holds posts.csv (post_id, title, is_published, ...) and
  posts/<post_id>.html with each post's body.
- Medium's "Download your information" zip holds posts/<date>_<slug>.html, one page per post,
  drafts named draft_<slug>.html.

Published posts are read; pages and drafts only when the user asks
(DataSettings.include_pages_and_drafts), and the report says how many were left out.
Post bodies go through the same main-text extractor as web pages.
"""

from __future__ import annotations

import csv
import functools
import io
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from engine.contract.errors import EngineError, ErrorKind
from engine.data.html_text import page_text, paragraphs_of
from engine.safety.archives import check_zip_limits

WP_NAMESPACE = "http://wordpress.org/export/"
# Shortcodes WordPress expands when it shows a post (galleries, embeds, page builders'
# layout); in an export they are bracketed markup, not writing. Their inner text is kept.
_SHORTCODE = re.compile(
    r"\[/?(?:caption|gallery|embed|video|audio|playlist|contact-form[\w-]*|et_pb_\w+|vc_\w+|"
    r"fusion_\w+)\b[^\]]*\]",
    re.IGNORECASE,
)
CONTENT_NAMESPACE = "{http://purl.org/rss/1.0/modules/content/}"
_DRAFT_STATES = {"draft", "pending", "private", "future"}

Paragraph = tuple[int, str, str]
Post = tuple[str, str, Callable[[], str]]  # (title, "post" | "pages" | "drafts", its HTML)


def _tally_note(used: int, extra: Counter[str], include: bool, notes: list[str]) -> None:
    """Say what was read and what was left out (and how to include it)."""
    described = " and ".join(
        f"{count:,} {kind if count > 1 else kind.rstrip('s')}"
        for kind, count in sorted(extra.items())
        if count
    )
    if include and described:
        notes.append(f"Read {used:,} posts and pages, including {described}.")
    elif described:
        notes.append(
            f"Read {used:,} published posts. Left out {described}: turn on 'Also use pages "
            "and drafts' to learn from them too."
        )
    else:
        notes.append(f"Read {used:,} published posts.")


def _local(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _not_wordpress(path: Path) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' is not a WordPress export, the only kind of .xml file Quillora reads. "
        "In WordPress, choose Tools > Export > All content, and choose the file it gives you.",
        detail=f"{path}: no WordPress export namespace in its first 64 KB",
    )


def wordpress_paragraphs(path: Path, include_extra: bool, notes: list[str]) -> Iterator[Paragraph]:
    """(section, title, paragraph) for each post of a WordPress export (see the docstring)."""
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if WP_NAMESPACE.encode() not in head:
        raise _not_wordpress(path)
    try:
        posts = _wordpress_posts(path)
        yield from _post_paragraphs(posts, include_extra, notes, blank_lines_break=True)
    except EngineError:
        raise
    except Exception as exc:  # XML syntax errors, forbidden entities, odd structures
        raise EngineError(
            ErrorKind.BAD_DATA_FILE,
            f"'{path.name}' could not be read to the end: the export looks damaged or cut "
            "short. Export your blog again from WordPress (Tools > Export) and choose the new "
            "file.",
            detail=f"{path}: {exc!r}",
        ) from exc


def _wordpress_posts(path: Path) -> Iterator[Post]:
    """Each post and page of a WXR file, streamed: items leave memory once read."""
    from defusedxml.ElementTree import iterparse

    channel: Any = None
    for event, element in iterparse(str(path), events=("start", "end")):
        namespace, name = _local(element.tag)
        if event == "start":
            if name == "channel" and not namespace:
                channel = element
            continue
        if name != "item" or namespace:
            continue
        post = _wordpress_item(element)
        element.clear()
        if channel is not None:
            channel.remove(element)
        if post is not None:
            title, body, kind = post
            yield title, kind, functools.partial(_SHORTCODE.sub, " ", body)


def _wordpress_item(item: Any) -> tuple[str, str, str] | None:
    """(title, HTML body, "post" | "pages" | "drafts") of a post or page; None otherwise."""
    fields: dict[str, str] = {}
    for child in item:
        namespace, name = _local(child.tag)
        if namespace.startswith(WP_NAMESPACE) and name in ("post_type", "status"):
            fields[name] = (child.text or "").strip().lower()
        elif child.tag == f"{CONTENT_NAMESPACE}encoded":
            fields["body"] = child.text or ""
        elif not namespace and name == "title":
            fields["title"] = (child.text or "").strip()
    post_type, status = fields.get("post_type", ""), fields.get("status", "")
    if post_type not in ("post", "page") or status not in _DRAFT_STATES | {"publish"}:
        return None  # attachments, menus, revisions, blocks, trash
    kind = "post" if post_type == "post" and status == "publish" else "pages"
    if status != "publish":
        kind = "drafts"
    return fields.get("title", ""), fields.get("body", ""), kind


def export_paragraphs(
    path: Path, include_extra: bool, notes: list[str]
) -> tuple[str, Iterator[Paragraph]]:
    """("substack" | "medium", paragraphs) of a blog export zip."""
    if not zipfile.is_zipfile(path):
        raise _not_zip_export(path, "it is not a zip archive")
    check_zip_limits(path, "blog export", "Download the export again and choose the new zip.")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any(posixpath.basename(n) == "posts.csv" for n in names):
        return "substack", _substack(path, include_extra, notes)
    posts = [n for n in names if _medium_post(n)]
    if posts:
        return "medium", _medium(path, sorted(posts), include_extra, notes)
    raise _not_zip_export(path, "it holds neither posts.csv (Substack) nor posts/ (Medium)")


def _not_zip_export(path: Path, why: str) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"Quillora reads a .zip file only when it is a Substack or Medium export, and "
        f"'{path.name}' is not one. Unzip it and choose the folder of files inside instead.",
        detail=f"{path}: {why}",
    )


def _medium_post(name: str) -> bool:
    parts = name.split("/")
    return len(parts) >= 2 and parts[-2] == "posts" and name.lower().endswith(".html")


def _post_paragraphs(
    posts: Iterable[Post], include_extra: bool, notes: list[str], blank_lines_break: bool = False
) -> Iterator[Paragraph]:
    """Paragraphs of each (title, kind, body) post, counting the pages and drafts left out."""
    section = 0
    used = 0
    extra: Counter[str] = Counter()
    for title, kind, body in posts:
        if kind != "post":
            extra[kind] += 1
            if not include_extra:
                continue
        page = page_text(body(), blank_lines_break)
        page.title = title or page.title
        found = paragraphs_of(page, section + 1)
        if found:
            used += 1
            section = found[-1][0]
            yield from found
    _tally_note(used, extra, include_extra, notes)


def _member(archive: zipfile.ZipFile, name: str) -> Callable[[], str]:
    return lambda: archive.read(name).decode("utf-8", errors="replace")


def _substack(path: Path, include_extra: bool, notes: list[str]) -> Iterator[Paragraph]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            table = next(n for n in sorted(names) if posixpath.basename(n) == "posts.csv")
            folder = posixpath.dirname(table)
            text = archive.read(table).decode("utf-8-sig", errors="replace")
            posts: list[Post] = []
            for row in csv.DictReader(io.StringIO(text)):
                post_id = (row.get("post_id") or "").strip()
                member = posixpath.join(folder, "posts", f"{post_id}.html")
                if not post_id or member not in names:
                    continue
                published = (row.get("is_published") or "").strip().lower() == "true"
                title = (row.get("title") or "").strip()
                kind = "post" if published else "drafts"
                posts.append((title, kind, _member(archive, member)))
            yield from _post_paragraphs(posts, include_extra, notes)
    except EngineError:
        raise
    except Exception as exc:
        raise _damaged_zip(path, exc) from exc


def _medium(
    path: Path, members: list[str], include_extra: bool, notes: list[str]
) -> Iterator[Paragraph]:
    try:
        with zipfile.ZipFile(path) as archive:
            posts = [
                ("", "drafts" if posixpath.basename(name).startswith("draft_") else "post",
                 _member(archive, name))
                for name in members
            ]  # fmt: skip
            yield from _post_paragraphs(posts, include_extra, notes)
    except EngineError:
        raise
    except Exception as exc:
        raise _damaged_zip(path, exc) from exc


def _damaged_zip(path: Path, exc: BaseException) -> EngineError:
    return EngineError(
        ErrorKind.BAD_DATA_FILE,
        f"'{path.name}' could not be read: the export looks damaged. Download it again and "
        "choose the new zip.",
        detail=f"{path}: {exc!r}",
    )
