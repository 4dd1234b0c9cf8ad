"""Parser throughput: the ten gov.cn pages and the three seeds, parsed repeatedly on one core.

Run: `.venv/bin/python benchmarks/parse.py [--rounds N]`. Prints, per corpus, the median
time per page over the rounds (wall clock and CPU) and the pages per second it implies.
Target: ≥ 80 pages/s on the gov.cn pages.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tracker.parse import decode_bytes, parse_document
from tracker.parse.cleanup import cleanup_relations

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"


def _measure(pages: list[bytes], rounds: int, step: Callable[[bytes], object]) -> tuple[float, float]:
    """Median seconds per page over `rounds` passes: (wall clock, CPU)."""
    for page in pages:  # warm-up: imports, regex compilation
        step(page)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for page in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            step(page)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


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
        wall, cpu = _measure(pages, args.rounds, parse_document)
        print(
            f"{name:6} {len(pages):2} pages (avg {size:5.1f} KiB) × {args.rounds} rounds: "
            f"median {wall * 1000:6.2f} ms/page wall ({1 / wall:6.1f} pages/s), "
            f"{cpu * 1000:6.2f} ms/page CPU ({1 / cpu:6.1f} pages/s)"
        )
        wall, cpu = _measure(pages, args.rounds, lambda page: cleanup_relations(decode_bytes(page)))
        print(f"{'':6}   of which the clean-up table pass (tracker.parse.cleanup): {cpu * 1000:6.2f} ms/page CPU")


if __name__ == "__main__":
    main()
