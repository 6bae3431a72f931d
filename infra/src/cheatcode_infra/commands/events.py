"""``cheatcode events``: print the event log (or a run's output) as JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

NAME = "events"
HELP = (
    "Print stored events (or one run's output frames) in order, one JSON object per line; "
    "exits 1 if the log could not be read to its end."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--aggregate", metavar="KIND:ID", help="one aggregate, e.g. project:<uuid>")
    target.add_argument("--subject", help="a subject filter on the EVENTS stream (default: every event)")
    target.add_argument("--run", metavar="RUN_ID", help="the output frames of one agent run")
    parser.add_argument("--from-seq", type=int, default=1, help="first stream sequence to print")
    parser.add_argument("--limit", type=int, default=None, help="stop after this many messages")
    parser.add_argument("--home", default=None, help="stack data dir (default $CHEATCODE_HOME or ./.cheatcode)")


def run(args: argparse.Namespace) -> int:
    from cheatcode_infra.connect_stack import StackNotRunningError
    from cheatcode_runtime.nats.log_reader import IncompleteLogError

    if args.from_seq < 1 or (args.limit is not None and args.limit < 1):
        print("cheatcode events: --from-seq and --limit must be positive", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_print(args))
    except (StackNotRunningError, IncompleteLogError) as error:
        print(f"cheatcode events: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"cheatcode events: {error}", file=sys.stderr)
        return 2


async def _print(args: argparse.Namespace) -> int:
    from cheatcode_contracts import build_registry
    from cheatcode_contracts.subjects import aggregate_subject, all_events_filter, run_output_subject
    from cheatcode_infra.connect_stack import ServerErrors, connect_as_reader
    from cheatcode_runtime.nats.log_reader import describe, events_query, read_log, run_output_query

    if args.run:
        query = run_output_query(run_output_subject(args.run), args.from_seq, args.limit)
    elif args.aggregate:
        kind, _, aggregate_id = args.aggregate.partition(":")
        query = events_query(aggregate_subject(kind, aggregate_id), args.from_seq, args.limit)
    else:
        query = events_query(args.subject or all_events_filter(), args.from_seq, args.limit)
    registry = build_registry()
    errors = ServerErrors()
    client = await connect_as_reader(args.home, errors)
    try:
        async for msg in read_log(client.jetstream(), query):
            print(json.dumps(describe(msg, registry), ensure_ascii=False))
    finally:
        await client.drain()
    if errors.reported:  # e.g. a refused right: what was printed may not be everything
        print(f"cheatcode events: the server reported: {'; '.join(errors.reported)}", file=sys.stderr)
        return 1
    return 0
