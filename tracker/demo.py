"""`make demo`: the whole product in under a minute, against the bundled sample government site.

It starts the sample site on free local ports, writes a `tracker.toml` pointing at it into
`demo-output/`, and runs the real `tracker` commands one after another, printing each
command line first so the reader can repeat it: crawl, the documents and their status,
"the next day" on the site, crawl again, the clause redline, the events, the alerts as the
console channel sends them and the weekly e-mail digest, sent for real to a local mail
server that saves it as an .eml file (aiosmtpd, from the dev extras `make demo` installs;
with only the runtime dependencies installed the demo says so in one line and skips the e-mail).
It ends with the `tracker web` command and the feed URL for the database it leaves.
Everything it writes stays in the output directory; nothing keeps running afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import socket
import sys
from collections.abc import Sequence
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from sources.catalog import CATALOG_DIR, catalog_files
from sources.samplesite import SampleSite
from storage.engine import open_database
from tracker import pipeline
from tracker.core.config import load_settings

if TYPE_CHECKING:
    from aiosmtpd.smtp import SMTP, Envelope, Session

# Seed 001 is valid until 2026-12-31: on this date it is inside the 90-day warning window.
AS_OF = "2026-11-22"
CHANGED_DOCUMENT = "杭政办函〔2025〕58号"
RULE = "─" * 78


class MailSink:
    """Stands in for the team's mail server on a free local port: each message becomes an .eml file."""

    def __init__(self, folder: Path) -> None:
        from aiosmtpd.controller import Controller  # a dev extra: see mail_sink()

        self.folder = folder
        self.saved: list[Path] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd hook)
        path = self.folder / f"digest-{len(self.saved) + 1}.eml"
        path.write_bytes(envelope.original_content or b"")
        self.saved.append(path)
        return "250 OK"


def mail_sink(folder: Path) -> MailSink | None:
    """The local mail server, or None (after saying so in one line) when aiosmtpd, a dev extra, is
    missing: the demo must still run with only the runtime dependencies installed."""
    try:
        return MailSink(folder)
    except ImportError:
        print("e-mail: aiosmtpd is not installed (pip install -e '.[dev]'), so the demo runs without the e-mail digest")
        return None


def demo_config(site: SampleSite, mail: MailSink | None) -> dict[str, Any]:
    """tracker.toml for the demo: the three sample sites, a console channel and, with a mail
    server, an e-mail digest."""
    subscriptions: list[dict[str, Any]] = [
        {
            "name": "console",
            "channel": "console",
            "events": ["document_changed", "status_changed", "document_removed", "expiry_reminder", "source_baseline"],
        },
    ]
    if mail is not None:
        subscriptions.append(
            {
                "name": "weekly-email",
                "channel": "email",
                "mode": "digest",
                "schedule": "0 9 * * MON",
                "to": "policy-team@example.org",
                "from": "tracker@example.org",
                "smtp_host": "127.0.0.1",
                "smtp_port": mail.port,
                "security": "none",
            }
        )
    return {
        "tracker": {"timezone": "Asia/Shanghai", "warning_days": 90},
        "source": site.source_tables(delay=0.05, prefix="sample"),
        "subscription": subscriptions,
    }


class Demo:
    def __init__(self, output: Path) -> None:
        self.output = output
        self.config = output / "tracker.toml"
        self.db_url = f"sqlite:///{output / 'tracker.db'}"

    def section(self, title: str) -> None:
        print(f"\n{RULE}\n{title}\n{RULE}", flush=True)

    def tracker(self, *args: str) -> None:
        """Run one real `tracker` command in this process, as a user would type it."""
        from tracker.cli import app

        print(f"\n$ tracker {' '.join(args)}", flush=True)
        code = app(["--db", self.db_url, "--config", str(self.config), *args], standalone_mode=False, prog_name="tracker")
        sys.stdout.flush()
        if code not in (None, 0):
            raise SystemExit(f"demo stopped: `tracker {' '.join(args)}` exited with {code}")

    def deliver(self) -> None:
        """What the daemon's dispatcher does every few seconds: send the alerts that are due."""
        engine = open_database(self.db_url)
        try:
            report = pipeline.dispatch_due(engine, load_settings(self.config))
        finally:
            engine.dispose()
        print(f"({report.sent} alert(s) sent, {report.retrying} retrying, {report.dead} dead)", flush=True)

    def show_mail(self, path: Path) -> None:
        """Print a received e-mail's headers and text part; save its HTML part for a browser."""
        message = message_from_bytes(path.read_bytes(), policy=default_policy)
        assert isinstance(message, EmailMessage)
        html_part, text_part = message.get_body(("html",)), message.get_body(("plain",))
        html_path = path.with_suffix(".html")
        if html_part is not None:
            html_path.write_text(html_part.get_content(), encoding="utf-8")
        print(f"\nThe mail server received it: {path}  (HTML part: {html_path})\n")
        for header in ("Subject", "From", "To"):
            print(f"{header}: {message[header]}")
        print()
        print(text_part.get_content() if text_part is not None else "")

    def run(self) -> None:
        self.section("1. The sample government site: three sites on free local ports")
        mail = mail_sink(self.output)
        with SampleSite() as site, mail or contextlib.nullcontext():
            for name, server in site.servers.items():
                if name != site.notices.name:  # the attachment site is for tests: it repeats seed 000's 文号
                    print(f"  {name:<8} {server.base_url}")
            if mail is not None:
                print(f"  {'mail':<8} smtp://127.0.0.1:{mail.port} (keeps what it receives as .eml files)")
            self.config.write_text(tomli_w.dumps(demo_config(site, mail)), encoding="utf-8")
            print(f"\nconfiguration: {self.config}")
            self.tracker("init")

            self.section("2. First crawl")
            self.tracker("crawl")

            self.section(f"3. The documents and their status on {AS_OF}")
            print("(seed 001 ends on 2026-12-31, so it is expiring; 杭政〔2017〕66号 is known only")
            print(" because seed 001 repeals it: a placeholder with status repealed;")
            print(" a sweep with --as-of another day is a what-if: it prints and records nothing;")
            print(" a first crawl is each source's baseline: one summary alert, not one per document)")
            self.tracker("sweep", "--as-of", AS_OF)
            self.tracker("docs", "--as-of", AS_OF)
            self.tracker("expiring", "--as-of", AS_OF)
            print("\nAlerts, as the console channel sends them:")
            self.deliver()

            self.section("4. The next day on the site")
            print("seed 000's subsidy cap drops from 500 to 300 万元; a new Hangzhou measure repeals")
            print("the 2023 办法; on gov.cn the newest page is gone (404) and the next one answers 503.")
            site.next_day()
            since = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self.tracker("crawl")

            self.section("5. What changed")
            self.tracker("diff", CHANGED_DOCUMENT)
            self.tracker("events", "--since", since)
            print("\nAlerts, as the console channel sends them:")
            self.deliver()

            if mail is not None:
                self.section("6. The weekly e-mail digest")
                self.tracker("digest", "weekly-email")
                for path in mail.saved:
                    self.show_mail(path)
        self.section("Done. The sample site and mail server are stopped; everything is in " + str(self.output))
        print(next_steps())
        print(web_steps(self.db_url, self.config))


def next_steps() -> str:
    """How to point the tool at real sites, naming the catalog's ready-made sources."""
    catalog = "  ".join(path.name for path in catalog_files())
    return f"""
Point it at real sites:

  tracker init                      # writes a commented tracker.toml and creates tracker.db
  # Ready-made [[source]] tables for real government sites are in {CATALOG_DIR}:
  #   {catalog}
  # Copy the ones you need into tracker.toml (each file says what is still unverified).
  tracker crawl                     # one crawl now, with a summary per source
  tracker docs / tracker expiring   # documents and their legal status
  tracker run                       # the daemon: scheduled crawls, daily status sweep, alerts
  tracker status                    # is it running, what runs next, what is owed

Subscriptions (DingTalk, Feishu, WeCom, Slack, webhook, e-mail) go in tracker.toml too;
`tracker notify test NAME` sends a sample alert. Running it for real (PostgreSQL, systemd,
logs): docs/running.md.
"""


def web_steps(db_url: str, config: Path) -> str:
    """The last thing the demo says: how to look at its database in a browser, and the feed to subscribe to."""
    from tracker.cli.web_cmd import web_urls

    urls = "\n".join(f"  # {line}" for line in web_urls("127.0.0.1", 8080).splitlines())
    return f"""Look at it in a browser (read-only, this machine only; Ctrl-C stops it):

  tracker --db {db_url} --config {config} web
{urls}
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("demo-output"), help="directory for the demo's files")
    args = parser.parse_args(argv)
    if not sys.stdout.isatty():
        # Tables are as wide as the terminal; piped output gets room for Chinese titles.
        os.environ["COLUMNS"] = "160"
    shutil.rmtree(args.output, ignore_errors=True)
    args.output.mkdir(parents=True)
    Demo(args.output.resolve()).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
