"""Parser throughput: the ten gov.cn pages, the three seeds and the crawl benchmark's generated
pages, parsed repeatedly on one core.

Run: `.venv/bin/python benchmarks/parse.py [--rounds N] [--generated N]`. Prints, per corpus,
the median time of one page (wall clock and CPU) and the throughput of a whole round (pages
per second of the median round), then the share of CPU time taken by the clean-up-notice
table pass that `parse_document` also runs. The generated pages are those `benchmarks/crawl.py`
serves (`GeneratedSite`), with the content type it sends, so this is the parse share of that
benchmark; they run a quarter of the rounds. Target: ≥ 80 pages/s on the gov.cn pages.
Last, PDF attachments: the three seed texts printed as PDFs (`sources.samplesite.files`,
with running headers and page numbers), read (`tracker.core.parse.attachments.extract`) and then
parsed; reported in PDF pages per second.
Other processes on the machine inflate wall-clock figures; CPU figures are steadier.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl import GeneratedSite  # noqa: E402
from sources.samplesite.files import pdf_bytes  # noqa: E402
from tracker.core.parse import decode_bytes, parse_document  # noqa: E402
from tracker.core.parse.attachments import extract  # noqa: E402
from tracker.core.parse.cleanup import cleanup_relations  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"

#: A page as fetched: its bytes and the Content-Type header it came with (None for files).
Page = tuple[bytes, str | None]


@dataclass
class Timing:
    page_wall: float  # median seconds for one page
    page_cpu: float
    round_wall: float  # median seconds for all pages once
    round_cpu: float


def _measure(pages: list[Page], rounds: int, step: Callable[[Page], object]) -> Timing:
    for page in pages:  # warm-up: imports, regex compilation
        step(page)
    page_wall: list[float] = []
    page_cpu: list[float] = []
    round_wall: list[float] = []
    round_cpu: list[float] = []
    for _ in range(rounds):
        round_started, round_started_cpu = time.perf_counter(), time.process_time()
        for page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            step(page)
            page_wall.append(time.perf_counter() - started)
            page_cpu.append(time.process_time() - started_cpu)
        round_wall.append(time.perf_counter() - round_started)
        round_cpu.append(time.process_time() - round_started_cpu)
    median = statistics.median
    return Timing(median(page_wall), median(page_cpu), median(round_wall), median(round_cpu))


def _generated(count: int) -> list[Page]:
    """The crawl benchmark's articles 0..count-1, with the content type its site sends."""
    site = GeneratedSite(count)
    templates = len(site.templates)
    return [(site.article(n), "text/html" if n % templates < 3 else "text/html; charset=utf-8") for n in range(count)]


def _pdf(rounds: int) -> None:
    """PDF pages per second: the seeds printed as PDFs, read, then read and parsed."""
    files: list[Page] = []
    for path in sorted((FIXTURES / "seeds").glob("00[012]_*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        files.append((pdf_bytes(lines, header="杭州市人民政府办公厅文件"), "application/pdf"))
    pages = sum(extract(data, content_type=kind).pages for data, kind in files)
    read = _measure(files, rounds, lambda file: extract(file[0], content_type=file[1]))
    both = _measure(
        files, rounds, lambda file: parse_document("\n".join(extract(file[0], content_type=file[1]).paragraphs))
    )
    print(f"pdf: {len(files)} files of the seeds, {pages} pages, {rounds} rounds")
    for label, timing in (("extract", read), ("extract + parse", both)):
        print(
            f"  {label:16s} {pages / timing.round_wall:6.1f} PDF pages/s wall, {pages / timing.round_cpu:6.1f} PDF pages/s CPU"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--generated", type=int, default=300, help="generated crawl pages (0: skip)")
    parser.add_argument("--pdf-rounds", type=int, default=5, help="rounds of the PDF attachments (0: skip)")
    args = parser.parse_args()
    corpora: dict[str, tuple[list[Page], int]] = {
        "govcn": ([(p.read_bytes(), None) for p in sorted((FIXTURES / "govcn").glob("*.html"))], args.rounds),
        "seeds": ([(p.read_bytes(), None) for p in sorted((FIXTURES / "seeds").glob("*.txt"))], args.rounds),
    }
    if args.generated:
        corpora["generated"] = (_generated(args.generated), max(1, args.rounds // 4))
    for name, (pages, rounds) in corpora.items():
        size = sum(len(data) for data, _ in pages) / len(pages) / 1024
        full = _measure(pages, rounds, lambda page: parse_document(page[0], content_type=page[1]))
        cleanup = _measure(pages, rounds, lambda page: cleanup_relations(decode_bytes(*page)))
        print(f"{name}: {len(pages)} pages, avg {size:.1f} KiB, {rounds} rounds")
        print(
            f"  parse_document   median {full.page_wall * 1000:6.2f} ms/page wall, {full.page_cpu * 1000:6.2f} ms/page CPU; "
            f"{len(pages) / full.round_wall:6.1f} pages/s wall, {len(pages) / full.round_cpu:6.1f} pages/s CPU"
        )
        print(
            f"  of which clean-up table pass: {cleanup.round_cpu / len(pages) * 1000:6.2f} ms/page CPU "
            f"({cleanup.round_cpu / full.round_cpu:.0%} of the CPU time)"
        )
    if args.pdf_rounds:
        _pdf(args.pdf_rounds)


if __name__ == "__main__":
    main()
