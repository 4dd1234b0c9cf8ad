"""benchmarks/versus.py's job lists: urlwatch and the tracker are given the same articles."""

from __future__ import annotations

import tomllib

from benchmarks.versus import tracker_toml, urls_yaml
from tracker.core.config import settings_from_dict


def test_urlwatch_jobs_and_tracker_source_cover_the_same_articles() -> None:
    assert urls_yaml("http://127.0.0.1:8000", 2) == (
        "name: art0\nurl: http://127.0.0.1:8000/art/0.html\n---\nname: art1\nurl: http://127.0.0.1:8000/art/1.html\n"
    )
    [source] = settings_from_dict(tomllib.loads(tracker_toml("http://127.0.0.1:8000", 250))).sources
    assert list(source.start_urls) == ["http://127.0.0.1:8000/list/index_1.html"]
    assert source.delay == 0 and source.max_pages == 3
