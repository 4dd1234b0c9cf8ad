"""First crawl side by side with urlwatch, on the same local URLs, in one run.

    .venv/bin/python benchmarks/versus.py [--documents N] [--rounds R] [--urlwatch-venv DIR]

urlwatch is installed from the package registry into a temporary venv of its own (or the
one `--urlwatch-venv` names, kept for the next run). The site is the crawl benchmark's
generated one (`benchmarks/crawl.py`), served by a child process on 127.0.0.1 so its work
counts for neither side. Each round runs, alternately, urlwatch on N url jobs (cache in a
fresh directory: its first run) and `tracker crawl` on a listing of the same N articles (a
fresh SQLite database: the first crawl), both as subprocesses of the CLI. CPU is the
children's rusage (user + system) of each, parser processes included; urlwatch only
fetches and stores each page's HTML, the tracker parses it into a document and stores
its version, clauses, search entries, relations and events.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.crawl import PAGE_SIZE, serve  # noqa: E402

INSTALL_TIMEOUT = 600
RUN_TIMEOUT = 1800
TRACKER = Path(sys.executable).with_name("tracker")


@dataclass(frozen=True)
class Measured:
    tool: str
    seconds: float
    cpu: float
    documents: int

    def line(self) -> str:
        return (
            f"{self.tool:<10} {self.documents / self.seconds:7.0f} documents/s  {self.seconds:7.1f} s  "
            f"CPU {self.cpu / self.documents * 1000:5.2f} ms/document"
        )


def urls_yaml(base_url: str, documents: int) -> str:
    """urlwatch's job list: one YAML document per url job, one job per article."""
    return "\n---\n".join(f"name: art{n}\nurl: {base_url}/art/{n}.html" for n in range(documents)) + "\n"


def tracker_toml(base_url: str, documents: int) -> str:
    """A tracker.toml with one listing source over the same articles, no delay between requests."""
    return (
        "[[source]]\n"
        'name = "generated"\n'
        'kind = "listing"\n'
        f'start_urls = ["{base_url}/list/index_1.html"]\n'
        "delay = 0\n"
        f"max_pages = {documents // PAGE_SIZE + 1}\n"
        'item = "ul.list li"\n'
        'next_page = "a.next"\n'
    )


URLWATCH_CONFIG = "report:\n  stdout:\n    enabled: true\n    color: false\n"


def install_urlwatch(venv: Path) -> Path:
    """The urlwatch executable in `venv`, created and installed there if missing."""
    executable = venv / "bin" / "urlwatch"
    if executable.exists():
        return executable
    steps = ([sys.executable, "-m", "venv", str(venv)], [str(venv / "bin" / "pip"), "install", "-q", "urlwatch"])
    for step in steps:
        try:
            subprocess.run(step, check=True, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except subprocess.CalledProcessError as error:
            raise SystemExit(f"error: installing urlwatch failed ({' '.join(step)}): {error.stderr.strip()[-500:]}")
        except subprocess.TimeoutExpired:
            raise SystemExit(f"error: installing urlwatch took over {INSTALL_TIMEOUT} s ({' '.join(step)})")
    return executable


def timed(tool: str, command: list[str], documents: int, log: Path) -> Measured:
    """Run `command` to its end; its wall time and the CPU time of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with log.open("w") as output:
        try:
            done = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SystemExit(f"error: {tool} did not finish in {RUN_TIMEOUT} s (output in {log})")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"error: {tool} exited with {done.returncode}: {log.read_text()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(tool, seconds, cpu, documents)


def run_urlwatch(urlwatch: Path, base_url: str, documents: int, folder: Path) -> Measured:
    (folder / "urls.yaml").write_text(urls_yaml(base_url, documents))
    (folder / "urlwatch.yaml").write_text(URLWATCH_CONFIG)
    command = [
        str(urlwatch),
        "--urls", str(folder / "urls.yaml"),
        "--config", str(folder / "urlwatch.yaml"),
        "--hooks", str(folder / "hooks.py"),
        "--cache", str(folder / "cache.db"),
    ]  # fmt: skip
    return timed("urlwatch", command, documents, folder / "urlwatch.log")


def run_tracker(base_url: str, documents: int, folder: Path) -> Measured:
    config = folder / "tracker.toml"
    config.write_text(tracker_toml(base_url, documents))
    database = ["--db", f"sqlite:///{folder}/tracker.db", "--config", str(config)]
    subprocess.run([str(TRACKER), *database, "init"], check=True, capture_output=True, timeout=RUN_TIMEOUT)
    measured = timed("tracker", [str(TRACKER), *database, "crawl"], documents, folder / "tracker.log")
    if f"new {documents}" not in (folder / "tracker.log").read_text().replace(":", ""):
        print(f"note: tracker's summary: {(folder / 'tracker.log').read_text().strip()[-300:]}")
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="alternating runs of each tool")
    parser.add_argument("--urlwatch-venv", type=Path, help="venv to install urlwatch into and keep")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        urlwatch = install_urlwatch(args.urlwatch_venv or Path(scratch, "urlwatch-venv"))
        context = multiprocessing.get_context("spawn")
        port_queue, stop = context.Queue(), context.Event()
        site = context.Process(target=serve, args=(args.documents, port_queue, stop), daemon=True)
        site.start()
        try:
            base_url = port_queue.get(timeout=60)
            results: list[Measured] = []
            for round_number in range(args.rounds):
                for run in ("urlwatch", "tracker") if round_number % 2 == 0 else ("tracker", "urlwatch"):
                    folder = Path(scratch, f"{run}-{round_number}")
                    folder.mkdir()
                    if run == "urlwatch":
                        results.append(run_urlwatch(urlwatch, base_url, args.documents, folder))
                    else:
                        results.append(run_tracker(base_url, args.documents, folder))
                    print(results[-1].line(), flush=True)
        finally:
            stop.set()
            site.join(timeout=10)
    print(f"first crawl of {args.documents} local documents, {args.rounds} round(s), tools alternated")
    for tool in ("urlwatch", "tracker"):
        runs = [result for result in results if result.tool == tool]
        seconds, cpu = sum(r.seconds for r in runs), sum(r.cpu for r in runs)
        print(Measured(tool, seconds, cpu, args.documents * len(runs)).line())


if __name__ == "__main__":
    main()
