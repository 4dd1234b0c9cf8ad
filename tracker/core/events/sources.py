"""Events about a source as a whole: its health and its first crawl."""

from __future__ import annotations

from typing import Any

from tracker.core.events import EventKind, EventSpec, declare, group

__all__ = ["baseline_event", "baseline_payload", "health_event"]

SOURCE_FAILING = declare(EventKind("source_failing", "来源异常", "source failing", about="source", digest_group=group("sources")))
SOURCE_RECOVERED = declare(EventKind("source_recovered", "来源恢复", "source recovered", about="source", digest_group=group("sources")))
SOURCE_BASELINE = declare(EventKind("source_baseline", "首次收录", "baseline", about="source", digest_group=group("sources")))


def health_event(kind: str, source_id: int, check_id: int | None, *, source: str, outcome: str, error: str | None) -> EventSpec:
    """`source_failing` at a source's first failed run in a row, `source_recovered` at the run that ends them."""
    return EventSpec(
        kind=kind,
        dedupe_key=f"{kind}:{source_id}:{check_id}",
        source_id=source_id,
        payload={"source": source, "outcome": outcome, "error": error},
    )


def baseline_event(source_id: int, source: str, counts: dict[str, int], warning_days: int) -> EventSpec:
    """The one alert of a source's first crawl, once per source, ever."""
    return EventSpec(
        kind=SOURCE_BASELINE.name,
        dedupe_key=f"source_baseline:{source_id}",
        source_id=source_id,
        payload=baseline_payload(source, counts, warning_days),
    )


def baseline_payload(source: str, counts: dict[str, int], warning_days: int) -> dict[str, Any]:
    """The baseline summary of `source` from its documents counted by status: how many it
    has, and those that need attention now (expiring, repealed, expired)."""
    total = sum(counts.values())
    expiring, repealed, expired = (counts.get(status, 0) for status in ("expiring", "repealed", "expired"))
    parts = [f"baseline: {total} documents of {source}", f"{expiring} of them expiring within {warning_days} days"]
    parts += [f"{repealed} repealed", f"{expired} expired"]
    return {
        "source": source,
        "title": f"首次收录 {source}：{total} 份文件",
        "summary": ", ".join(parts),
        "documents": total,
        "expiring": expiring,
        "repealed": repealed,
        "expired": expired,
        "warning_days": warning_days,
    }
