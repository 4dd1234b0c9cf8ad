"""Slack incoming webhook: Block Kit sections in mrkdwn with a plain fallback `text`.

Slack answers `ok`, or 4xx with a plain-text reason (`invalid_payload`, `no_service`),
and 429 with Retry-After. Section text is limited to 3,000 characters and a message to
50 blocks, so long alerts are split into several sections and big digests into
several messages.
"""

from __future__ import annotations

import json
from typing import Any

from notifiers.channels.base import EMPTY_PERIOD_ZH, Channel, Outgoing, post, summary_title
from notifiers.escape import escape_slack
from tracker.core.errors import DeliveryError

SECTION_LIMIT = 3_000
BLOCKS_PER_MESSAGE = 50
HEADER_LIMIT = 150


def split_sections(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn at line ends into pieces of at most `limit` characters."""
    pieces: list[str] = []
    current = ""
    for line in text.splitlines():
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = line
    if current:
        pieces.append(current)
    return pieces


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


class SlackChannel(Channel):
    kind = "slack"

    def messages(self, outgoing: Outgoing) -> list[dict[str, Any]]:
        """The JSON payloads to post, each within Slack's block limits."""
        title = summary_title(outgoing)
        header = {"type": "header", "text": {"type": "plain_text", "text": title[:HEADER_LIMIT]}}
        blocks: list[dict[str, Any]] = []
        for alert in outgoing.alerts:
            if blocks:
                blocks.append({"type": "divider"})
            blocks += [_section(piece) for piece in split_sections(self.context.renderer.slack(alert))]
        if not outgoing.alerts:
            blocks.append(_section(escape_slack(EMPTY_PERIOD_ZH)))
        room = BLOCKS_PER_MESSAGE - 1
        batches = [blocks[i : i + room] for i in range(0, len(blocks), room)]
        fallback = escape_slack(title)
        return [{"text": fallback, "blocks": [header, *batch]} for batch in batches]

    def send(self, outgoing: Outgoing) -> None:
        url = self.require_url()
        for message in self.messages(outgoing):
            response = post(
                self.context.client,
                url,
                now=self.context.clock(),
                content=json.dumps(message, ensure_ascii=False).encode("utf-8"),
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            if response.text.strip() != "ok":
                raise DeliveryError(f"Slack answered {response.text.strip()[:200]!r}", code="unexpected", retryable=True)
