"""Parser throughput: the ten gov.cn pages and the three seeds, parsed repeatedly on one core.

Run: `.venv/bin/python benchmarks/parse.py [--rounds N]`. Prints, per corpus, the median
time of one page (wall clock and CPU) and the throughput of a whole round (pages per
second of the median round), then the share of CPU time taken by the clean-up-notice
table pass that `parse_document` also runs. Target: ≥ 80 pages/s on the gov.cn pages.
Other processes on the machine inflate wall-clock figures; CPU figures are steadier.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tracker.parse import decode_bytes, parse_document
from tracker.parse.cleanup import cleanup_relations

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


@dataclass
class Timing:
    page_wall: float  # median seconds for one page
    page_cpu: float
    round_wall: float  # median seconds for all pages once
    round_cpu: float


def _measure(pages: list[bytes], rounds: int, step: Callable[[bytes], object]) -> Timing:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    corpora = {
        "govcn": sorted((FIXTURES / "govcn").glob("*.html")),
        "seeds": sorted((FIXTURES / "seeds").glob("*.txt")),
    }
    for name, paths in corpora.items():
        pages = [p.read_bytes() for p in paths]
        size = sum(len(p) for p in pages) / len(pages) / 1024
        full = _measure(pages, args.rounds, parse_document)
        cleanup = _measure(pages, args.rounds, lambda page: cleanup_relations(decode_bytes(page)))
        print(f"{name}: {len(pages)} pages, avg {size:.1f} KiB, {args.rounds} rounds")
        print(
            f"  parse_document   median {full.page_wall * 1000:6.2f} ms/page wall, {full.page_cpu * 1000:6.2f} ms/page CPU; "
            f"{len(pages) / full.round_wall:6.1f} pages/s wall, {len(pages) / full.round_cpu:6.1f} pages/s CPU"
        )
        print(
            f"  of which clean-up table pass: {cleanup.round_cpu / len(pages) * 1000:6.2f} ms/page CPU "
            f"({cleanup.round_cpu / full.round_cpu:.0%} of the CPU time)"
        )


if __name__ == "__main__":
    main()
