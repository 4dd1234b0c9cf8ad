"""`python -m sources.samplesite`: serve the sample sites and print their `[[source]]` tables.

Paste the printed tables into tracker.toml, run `tracker crawl`, then switch the sites to
the next day with `curl -X POST <any site>/__admin/next-day` and crawl again.
"""

from __future__ import annotations

import argparse
import threading

from sources.samplesite import SampleSite


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the sample government sites on 127.0.0.1.")
    parser.add_argument("--delay", type=float, default=0.2, help="per-host delay written into the source tables")
    args = parser.parse_args()
    with SampleSite() as site:
        print(site.sources_toml(delay=args.delay))
        hanweb = site.server("hanweb").base_url
        print(f"# next day: curl -X POST {hanweb}/__admin/next-day   back: curl -X POST {hanweb}/__admin/reset")
        print("# serving; Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
