"""Alert commands: `notify test`, `digest`, `deliveries` (list, retry, discard).

Thin wrappers: the work is in `tracker.pipeline` (dispatch, digests) and `notifiers`
(the sample message, the outbox queries). Errors are one line with exit code 2.
"""

from __future__ import annotations

import typer
from sqlmodel import Session

from notifiers.channels import open_context
from notifiers.sample import send_test
from storage.deliveries import STATES, discard, get_delivery, list_deliveries, requeue
from tracker.cli.app import app, console, database_engine, fail, load_cli_settings, print_json
from tracker.cli.store_cmd import database_session, local_time
from tracker.core.errors import ConfigError, DeliveryError, DeliveryNotFound, NotRetryable
from tracker.pipeline import dispatch_due, send_digest

notify_app = typer.Typer(help="Try a subscription's channel.", no_args_is_help=True)
app.add_typer(notify_app, name="notify")
deliveries_app = typer.Typer(help="The outbox: deliveries and their state; retry dead ones, discard what should not go out.")
app.add_typer(deliveries_app, name="deliveries")


@notify_app.command("test")
def notify_test(ctx: typer.Context, subscription: str = typer.Argument(..., help="Subscription name from tracker.toml.")) -> None:
    """Send a sample alert through SUBSCRIPTION's channel now and show the platform's verdict."""
    settings = load_cli_settings(ctx)
    try:
        config = settings.subscription(subscription)
    except ConfigError as exc:
        fail(str(exc))
    with open_context(settings.tracker.tz, base_url=settings.tracker.base_url) as context:
        try:
            send_test(config, context)
        except DeliveryError as exc:
            retry = "temporary, would be retried" if exc.retryable else "permanent"
            fail(f"{subscription} ({config.channel}): {exc.message} [code {exc.code}, {retry}]")
        except ValueError as exc:
            fail(f"{subscription} ({config.channel}): {exc}")
    console.print(f"sent a test alert to {subscription} ({config.channel})", markup=False)


@app.command()
def digest(
    ctx: typer.Context,
    subscription: str | None = typer.Argument(None, help="One digest subscription; default all of them."),
    preview: bool = typer.Option(False, "--preview", help="Print the digest instead of sending it."),
) -> None:
    """Build and send the digest of everything since the last one (or print it with --preview)."""
    settings = load_cli_settings(ctx, require_env=not preview)
    if subscription is not None:
        try:
            names = [settings.subscription(subscription).name]
        except ConfigError as exc:
            fail(str(exc))
    else:
        names = [s.name for s in settings.subscriptions if s.mode == "digest"]
        if not names:
            fail(f"{settings.path}: no subscription has mode = \"digest\"")
    failed = []
    with database_engine(ctx) as engine:
        for name in names:
            try:
                result = send_digest(engine, settings, name, preview=preview)
            except ValueError as exc:
                fail(f"{name}: {exc}")
            if preview:
                console.print(result.preview or "", markup=False)
            elif result.error:
                failed.append(f"{name}: {result.error}")
            elif result.sent:
                console.print(f"{name}: sent a digest of {result.count} alert(s)", markup=False)
            else:
                console.print(f"{name}: nothing new since the last digest; nothing sent", markup=False)
    if failed:
        fail("; ".join(failed))


@deliveries_app.callback(invoke_without_command=True)
def deliveries(
    ctx: typer.Context,
    state: str | None = typer.Option(None, "--state", help=f"Only this state: {', '.join(STATES)}."),
    subscription: str | None = typer.Option(None, "--subscription", help="Only this subscription."),
    limit: int = typer.Option(100, "--limit", min=1, help="At most this many, newest first."),
    as_json: bool = typer.Option(False, "--json", help="Machine output."),
) -> None:
    """List deliveries, newest first, with attempts and the provider's last error."""
    if ctx.invoked_subcommand is not None:
        return
    if state is not None and state not in STATES:
        fail(f"unknown state {state!r} (expected {', '.join(STATES)})")
    with database_session(ctx) as session:
        rows = list_deliveries(session, state=state, subscription=subscription, limit=limit)
    if as_json:
        print_json({"deliveries": [row.to_json() for row in rows]})
        return
    if not rows:
        console.print("no deliveries" + (f" in state {state}" if state else ""), markup=False)
        return
    for row in rows:
        when = f"sent {local_time(row.sent_at)}" if row.sent_at else ""
        if row.state in ("pending", "sending", "failed"):
            when = f"next {local_time(row.next_attempt_at)}"
        state = f"{row.state} (unconfirmed)" if row.unconfirmed else row.state
        line = (
            f"#{row.id}  {state:<7}  {row.subscription} ({row.channel}, {row.mode})  tries {row.attempts}{'  ' + when if when else ''}"
            f"  event {row.event_id} {row.event_kind}: {row.document or '-'}"
        )
        if row.last_error:
            line += f"\n      {row.last_error_code}: {row.last_error}"
        console.print(line, markup=False)


@deliveries_app.command("retry")
def retry(ctx: typer.Context, delivery_id: int = typer.Argument(..., help="Delivery id (see `tracker deliveries`).")) -> None:
    """Requeue a dead or failed delivery and send what is due now."""
    settings = load_cli_settings(ctx)
    with database_engine(ctx) as engine:
        with Session(engine) as session:
            try:
                requeue(session, delivery_id)
            except (DeliveryNotFound, NotRetryable) as exc:
                fail(str(exc))
        dispatch_due(engine, settings)
        with Session(engine) as session:
            row = get_delivery(session, delivery_id)
    if row.state == "sent":
        console.print(f"delivery {delivery_id} sent", markup=False)
    elif row.state == "dead":
        fail(f"delivery {delivery_id} failed again: {row.last_error_code}: {row.last_error}")
    else:
        detail = f" ({row.last_error_code}: {row.last_error})" if row.last_error else ""
        console.print(f"delivery {delivery_id} is {row.state}, next attempt {local_time(row.next_attempt_at)}{detail}", markup=False)


@deliveries_app.command("discard")
def discard_deliveries(
    ctx: typer.Context,
    delivery_ids: list[int] = typer.Argument(None, help="Delivery ids (see `tracker deliveries`)."),
    event: int | None = typer.Option(None, "--event", help="Only the deliveries of this event."),
    subscription: str | None = typer.Option(None, "--subscription", help="Only the deliveries to this subscription."),
    all_pending: bool = typer.Option(False, "--all-pending", help="Every delivery still waiting to be sent (pending or failed)."),
) -> None:
    """Never send these deliveries: they become `discarded`, kept for the record."""
    with database_session(ctx) as session:
        try:
            result = discard(
                session, ids=delivery_ids or (), event_id=event, subscription=subscription, all_pending=all_pending
            )
        except (DeliveryNotFound, ValueError) as exc:
            fail(str(exc))
    listed = ", ".join(f"#{row_id}" for row_id in result.ids)
    console.print(f"discarded {len(result.ids)} deliver{'y' if len(result.ids) == 1 else 'ies'}{': ' + listed if listed else ''}", markup=False)
    for row_id, state in sorted(result.left.items()):
        console.print(f"#{row_id} is {state}; left as it is", markup=False)
