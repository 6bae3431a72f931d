"""``cheatcode events``: print the event log (or a run's output) as JSON lines.

The audit filters (``--user/--type/--kind/--since/--until``) are applied here to the decoded
log, so they answer what ``GET /api/admin/events`` answers without the read model.
``--timeline`` and ``--fold`` ask the running API's admin routes, which own that logic.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NAME = "events"
HELP = (
    "Print stored events (or one run's output frames) in order, one JSON object per line; "
    "exits 1 if the log could not be read to its end."
)
# The user an event belongs to, as the API's event_log read model attributes it: an account's
# id is its user's; any other event names its user or inherits its aggregate's first one.
USER_IS_THE_AGGREGATE = frozenset({"account"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--aggregate", metavar="KIND:ID", help="one aggregate, e.g. project:<uuid>")
    target.add_argument("--subject", help="a subject filter on the EVENTS stream (default: every event)")
    target.add_argument("--run", metavar="RUN_ID", help="the output frames of one agent run")
    target.add_argument("--timeline", metavar="RUN_ID", help="one run's timeline (asks the API's admin route)")
    target.add_argument("--fold", metavar="KIND:ID", help="one aggregate's folded state (asks the API)")
    parser.add_argument("--at-seq", type=int, default=None, help="with --fold: fold up to this stream sequence")
    parser.add_argument("--user", help="only events of this user (attributed as the audit API does)")
    parser.add_argument("--type", dest="event_type", help="only events of this contract type")
    parser.add_argument("--kind", help="only events of this aggregate kind")
    parser.add_argument("--since", type=datetime.fromisoformat, help="only events that occurred at or after (ISO)")
    parser.add_argument("--until", type=datetime.fromisoformat, help="only events that occurred before (ISO)")
    parser.add_argument("--from-seq", type=int, default=1, help="first stream sequence to print")
    parser.add_argument(
        "--limit", type=int, default=None, help="stop after this many messages (printed ones when filtering)"
    )
    parser.add_argument("--home", default=None, help="stack data dir (default $CHEATCODE_HOME or ./.cheatcode)")


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.connect_stack import StackNotRunningError
    from cheatcode_runtime.nats.log_reader import IncompleteLogError

    if (
        args.from_seq < 1
        or (args.limit is not None and args.limit < 1)
        or (args.at_seq is not None and args.at_seq < 1)
    ):
        print("cheatcode events: --from-seq, --limit and --at-seq must be positive", file=sys.stderr)
        return 2
    if args.at_seq is not None and not args.fold:
        print("cheatcode events: --at-seq goes with --fold", file=sys.stderr)
        return 2
    try:
        if args.timeline or args.fold:
            return _ask_api(args)
        return asyncio.run(_print(args))
    except (StackNotRunningError, IncompleteLogError) as error:
        print(f"cheatcode events: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"cheatcode events: {error}", file=sys.stderr)
        return 2


@dataclass
class AuditFilter:
    user: str | None = None
    event_type: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    owners: dict[str, str] = field(default_factory=dict)  # subject -> its aggregate's user

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.user, self.event_type, self.kind, self.since, self.until))

    def accepts(self, record: dict[str, Any]) -> bool:
        data = record.get("data")
        if "type" not in record or not isinstance(data, dict):
            return False  # not a decoded event
        subject = str(record["subject"])
        _, _, kind, aggregate_id = subject.split(".", 3)  # cc.evt.<kind>.<id>
        owner = self._owner(subject, kind, aggregate_id, data)
        occurred = _time(data.get("occurred_at")) or _time(record.get("time"))
        return (
            (self.user is None or owner == self.user)
            and (self.event_type is None or record["type"] == self.event_type)
            and (self.kind is None or kind == self.kind)
            and (self.since is None or (occurred is not None and occurred >= _aware(self.since)))
            and (self.until is None or (occurred is not None and occurred < _aware(self.until)))
        )

    def _owner(self, subject: str, kind: str, aggregate_id: str, data: dict[str, Any]) -> str | None:
        if kind in USER_IS_THE_AGGREGATE:
            return aggregate_id
        named = data.get("user_id")
        if isinstance(named, str) and named:
            return self.owners.setdefault(subject, named)
        return self.owners.get(subject)


def _time(value: Any) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(value)) if isinstance(value, str) else None
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _print(args: argparse.Namespace) -> int:
    from cheatcode_contracts import build_registry
    from cheatcode_contracts.subjects import (
        aggregate_kind_filter,
        aggregate_subject,
        all_events_filter,
        run_output_subject,
    )
    from cheatcode_infra.connect_stack import ServerErrors, connect_as_reader
    from cheatcode_runtime.nats.log_reader import describe, events_query, read_log, run_output_query

    audit = AuditFilter(args.user, args.event_type, args.kind, args.since, args.until)
    read_limit = None if audit.active else args.limit  # when filtering, --limit counts printed events
    if args.run:
        query = run_output_query(run_output_subject(args.run), args.from_seq, read_limit)
    elif args.aggregate:
        kind, _, aggregate_id = args.aggregate.partition(":")
        query = events_query(aggregate_subject(kind, aggregate_id), args.from_seq, read_limit)
    else:
        default = aggregate_kind_filter(args.kind) if args.kind else all_events_filter()
        query = events_query(args.subject or default, args.from_seq, read_limit)
    registry = build_registry()
    errors = ServerErrors()
    client = await connect_as_reader(args.home, errors)
    printed = 0
    try:
        async for msg in read_log(client.jetstream(), query):
            record = describe(msg, registry)
            if audit.active and not audit.accepts(record):
                continue
            print(json.dumps(record, ensure_ascii=False))
            printed += 1
            if audit.active and args.limit is not None and printed >= args.limit:
                break
    finally:
        await client.drain()
    if errors.reported:  # e.g. a refused right: what was printed may not be everything
        print(f"cheatcode events: the server reported: {'; '.join(errors.reported)}", file=sys.stderr)
        return 1
    return 0


def _ask_api(args: argparse.Namespace) -> int:
    """``--timeline`` prints one line per item; ``--fold`` prints the folded aggregate."""
    import httpx

    from cheatcode_infra.connect_stack import StackNotRunningError
    from cheatcode_infra.home import StackHome, resolve_home

    home = StackHome(resolve_home(args.home))
    if not home.state_file.exists():
        raise StackNotRunningError(f"no running stack at {home.root} (start it with `make up`)")
    api_url = json.loads(home.state_file.read_text())["api_url"]
    headers = {"X-Admin-Api-Key": (home.secrets / "admin-api-key").read_text().strip()}
    if args.timeline:
        path, params = f"/api/admin/runs/{args.timeline}/timeline", {}
    else:
        kind, sep, aggregate_id = args.fold.partition(":")
        if not sep or not kind or not aggregate_id:
            raise ValueError("--fold takes KIND:ID")
        path, params = f"/api/admin/aggregates/{kind}/{aggregate_id}", {"at_seq": args.at_seq}
    try:
        response = httpx.get(
            api_url + path, params={k: v for k, v in params.items() if v is not None}, headers=headers, timeout=60
        )
    except httpx.HTTPError as error:
        print(f"cheatcode events: the API at {api_url} did not answer: {error}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"cheatcode events: {response.status_code} {response.text}", file=sys.stderr)
        return 1
    body = response.json()
    for item in body["items"] if args.timeline else [body]:
        print(json.dumps(item, ensure_ascii=False))
    return 0
