"""Console: prints the alert (or the grouped digest) as plain text, for the demo and for trying subscriptions."""

from __future__ import annotations

from notifiers.channels.base import Channel, Outgoing
from notifiers.render import build_digest


class ConsoleChannel(Channel):
    kind = "console"
    needs_url = False

    def send(self, outgoing: Outgoing) -> None:
        stream, renderer = self.context.stream, self.context.renderer
        stream.write(f"── {self.subscription.name} ── {outgoing.idempotency_key}\n")
        if outgoing.digest:
            end = outgoing.period_end or self.context.clock()
            digest = build_digest(self.subscription.name, outgoing.alerts, outgoing.period_start, end, renderer.tz)
            stream.write(renderer.digest_text(digest) + "\n")
        else:
            for alert in outgoing.alerts:
                stream.write(renderer.text(alert) + "\n\n")
        stream.flush()
