"""The documents behind the sample site, read from the package data and turned into pages.

Seeds are the three real texts of `../shared/fixtures/seeds` (plain text and Markdown);
`sample_*.txt` are short sample policies written for this site (each says so in its
text), in a small front-matter format: `key: value` lines, a blank line, then the body.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

_DATA = resources.files("sources.samplesite.data")
_FRONT_MATTER_RE = re.compile(r"^---\n(.*?)\n---\n", re.S)
_MARKDOWN_NOISE_RE = re.compile(r"\*\*|</?div[^>]*>|^#+\s*|^>\s*|<!--.*?-->", re.M)
_SOURCE_LINKS_RE = re.compile(r"\n\*\*\*\s*\n+#+\s*原文链接.*", re.S)

#: Seed metadata the texts do not carry themselves (publication dates chosen for the site).
SEED_META = {
    "000": {"doc_number": "杭政办函〔2025〕58号", "issuer": "杭州市人民政府办公厅", "issued": "2025-12-12", "published": "2025-12-15"},
    "001": {"doc_number": None, "issuer": "杭州市人民政府", "issued": "2025-01-13", "published": "2025-01-13"},
    "002": {"doc_number": None, "issuer": "上海市闵行区人民政府", "issued": "2025-11-25", "published": "2025-11-25"},
}  # fmt: skip


@dataclass(frozen=True)
class SampleDocument:
    key: str
    title: str
    doc_number: str | None
    issuer: str
    issued: dt.date
    published: dt.date
    paragraphs: tuple[str, ...]

    def edited(self, old: str, new: str) -> SampleDocument:
        """The same document with the first paragraph containing `old` changed to say `new`."""
        for i, paragraph in enumerate(self.paragraphs):
            if old in paragraph:
                paragraphs = list(self.paragraphs)
                paragraphs[i] = paragraph.replace(old, new, 1)
                return replace(self, paragraphs=tuple(paragraphs))
        raise ValueError(f"{self.key}: no paragraph contains {old!r}")

    def body_html(self) -> str:
        return "\n".join(f"<p>{html.escape(p)}</p>" for p in self.paragraphs)


@dataclass(frozen=True)
class GovcnPage:
    """One of the ten State Council library pages: its fixture fragment and its table values."""

    file: str
    path: str
    title: str
    doc_number: str
    published: dt.date
    fragment: str


def _read(name: str) -> str:
    return (_DATA / name).read_text(encoding="utf-8")


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _paragraphs(text: str) -> tuple[str, ...]:
    lines = (_MARKDOWN_NOISE_RE.sub("", line).strip() for line in text.splitlines())
    return tuple(line for line in lines if line and set(line) != {"*"})


@cache
def seed(number: str) -> SampleDocument:
    """Seed `000`, `001` or `002` as a document: Markdown cleaned, the appended source links dropped."""
    name = f"seed_{number}.txt"
    text = _read(name)
    meta = SEED_META[number]
    front = _FRONT_MATTER_RE.match(text)
    if front:
        title = re.search(r"^title:\s*(.+)$", front.group(1), re.M).group(1).strip()  # type: ignore[union-attr]
        body = text[front.end() :]
    else:
        lines = [line for line in text.splitlines() if line.strip()]
        title = re.sub(r"\s+", "", lines[0])
        body = text.split(lines[0], 1)[1]
    body = _SOURCE_LINKS_RE.sub("", body)
    return SampleDocument(
        key=f"seed-{number}",
        title=title,
        doc_number=meta["doc_number"],
        issuer=str(meta["issuer"]),
        issued=_date(str(meta["issued"])),
        published=_date(str(meta["published"])),
        paragraphs=_paragraphs(body),
    )


@cache
def sample(name: str) -> SampleDocument:
    """A sample text (`sample_<name>.txt`): front matter lines, a blank line, the body."""
    header, _, body = _read(f"sample_{name}.txt").partition("\n\n")
    fields = dict(line.split(": ", 1) for line in header.splitlines())
    return SampleDocument(
        key=name,
        title=fields["title"],
        doc_number=fields.get("doc_number"),
        issuer=fields["issuer"],
        issued=_date(fields["issued"]),
        published=_date(fields["published"]),
        paragraphs=_paragraphs(body),
    )


@cache
def govcn_pages() -> tuple[GovcnPage, ...]:
    """The ten library pages, newest first, at the paths they have on www.gov.cn."""
    pages = []
    for entry in json.loads(_read("govcn_truth.json")):
        fields = entry["fields"]
        published = dt.datetime.strptime(fields["发布日期"], "%Y年%m月%d日").date()
        path = re.sub(r"^https?://[^/]+", "", entry["url"])
        pages.append(
            GovcnPage(
                file=entry["file"],
                path=path,
                title=fields["标题"],
                doc_number=fields["发文字号"],
                published=published,
                fragment=_read(f"govcn_{entry['file']}"),
            )
        )
    return tuple(sorted(pages, key=lambda p: p.published, reverse=True))
