"""The Django HTML docs as Debian's python-django-doc ships them (Sphinx, 'djangodocs' theme).

Which files form the search corpus, and what a page's main content is: its text, its
section headings and its links. Shared by the dataset builder and the bm25s baseline.
"""

from __future__ import annotations

import posixpath
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_ROOT = Path("/usr/share/doc/python-django-doc/html")

# Site navigation, not documentation: the general and module indexes, the search page and
# the global table of contents (a list of every page title).
NAVIGATION_PAGES = {"genindex.html", "search.html", "py-modindex.html", "contents.html"}


def require_root(root: Path) -> None:
    """Exit with a clear message when the Django docs are not installed."""
    if not (root / "faq").is_dir():
        sys.exit(f"{root}/faq not found: install the Django docs with `apt-get install -y python-django-doc`")


def is_corpus_page(path: str) -> bool:
    """Whether `path` (relative to the html root) is a documentation page that gets indexed.

    Excluded: the FAQ (it holds the queries), the navigation pages, and Sphinx's generated
    folders (`_modules` = highlighted Python source, `_static`, `_sources`, `_images`).
    """
    first = path.split("/", 1)[0]
    return (
        path.endswith(".html")
        and first != "faq"
        and not first.startswith("_")
        and not (first.startswith("genindex") or path in NAVIGATION_PAGES)
    )


def corpus_pages(root: Path) -> list[str]:
    """Every corpus page under `root`, as sorted paths relative to it."""
    paths = (path.relative_to(root).as_posix() for path in root.rglob("*.html"))
    return sorted(path for path in paths if is_corpus_page(path))


def resolve_link(page: str, href: str) -> str | None:
    """The root-relative page path an `href` on `page` points to, without its fragment;
    None for external links (any scheme or host) and links to the page itself."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page), parts.path))
    return None if target.startswith("../") or target == page else target


@dataclass
class Heading:
    """A section heading of the main content and what follows it up to the next heading."""

    level: int
    text: str = ""
    anchor: str = ""  # the id its '¶' permalink points to
    hrefs: list[str] = field(default_factory=list)


class MainContent(HTMLParser):
    """Collects the main content of a page: everything inside `<div id="yui-main">`.

    That leaves out the header, the navigation links, the sidebar (local table of contents,
    previous/next topic, search box) and the footer. Text inside `<script>`/`<style>` and the
    '¶' permalinks after headings are dropped.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.headings: list[Heading] = []
        self._div_depth = 0  # > 0 while inside the main content
        self._skip_depth = 0  # > 0 while inside script, style or a permalink
        self._heading: list[str] | None = None  # text of the heading being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "div" and (self._div_depth or attributes.get("id") == "yui-main"):
            self._div_depth += 1
        if not self._div_depth:
            return
        if tag == "a" and "headerlink" in (attributes.get("class") or "").split():
            self._skip_depth += 1
            if self.headings:
                self.headings[-1].anchor = (attributes.get("href") or "").lstrip("#")
        elif tag in ("script", "style"):
            self._skip_depth += 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = []
            self.headings.append(Heading(level=int(tag[1])))
        elif tag == "a" and attributes.get("href") and self.headings and not self._skip_depth:
            self.headings[-1].hrefs.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if not self._div_depth:
            return
        if tag == "div":
            self._div_depth -= 1
        elif tag in ("script", "style", "a") and self._skip_depth:
            self._skip_depth -= 1
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is not None:
            self.headings[-1].text = " ".join("".join(self._heading).split())
            self._heading = None
        if tag in ("p", "div", "li", "pre", "tr", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.text.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._div_depth or self._skip_depth:
            return
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def parse_main(root: Path, path: str) -> MainContent:
    """Parse the main content of the page at `path` (relative to `root`)."""
    parser = MainContent()
    parser.feed((root / path).read_text(encoding="utf-8"))
    parser.close()
    return parser


def page_text(root: Path, path: str) -> str:
    """The plain text of a page's main content."""
    return "".join(parse_main(root, path).text)
