"""Console: prints each alert as plain text, for the demo and for trying subscriptions."""

from __future__ import annotations

from notifiers.channels.base import EMPTY_PERIOD_ZH, Channel, Outgoing


class ConsoleChannel(Channel):
    kind = "console"

    def send(self, outgoing: Outgoing) -> None:
        stream = self.context.stream
        stream.write(f"── {self.subscription.name} ── {outgoing.idempotency_key}\n")
        if not outgoing.alerts:
            stream.write(EMPTY_PERIOD_ZH + "\n")
        for alert in outgoing.alerts:
            stream.write(self.context.renderer.text(alert) + "\n\n")
        stream.flush()
