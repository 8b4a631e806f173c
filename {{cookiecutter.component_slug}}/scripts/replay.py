"""`make replay [AGGREGATE_ID=] [EVENT= [VERSION=]] [SINCE=] [UNTIL=] [BUS= [PRIVATE=1]] [DRY_RUN=1] ...`.

Publishes stored events again: for a consumer that missed them (broken for longer than its queue kept
them, or new and in need of the past), or to rebuild a projection. Events come from the table's
history, which keeps every event for good, so a replay reaches back past the outbox's week.

Each event is sent as the component publishes it today (in every version it publishes side by side,
or only in VERSION), with the event id it was first published with and ``metadata.replayed_at`` set:
an idempotent consumer that applied it skips it, one that never saw it applies it. Nothing is sent
before every selected event has been read and built, so a replay never stops half-way for an event it
cannot build; an event EventBridge refuses stops it, and running it again is safe.

Sent to another bus (``BUS=``), only public events go unless ``PRIVATE=1`` says otherwise: a private
event (the withdrawal's free-text reason, say) is private so that it cannot leak, and any rule on
another bus can read what is sent there. The report lists what was left out.

Select by aggregate id (a query of that aggregate's history), or by event name (and version) and time
range, which scan the table's events (a scan reads the whole table: on a large one, narrow it down with
an aggregate id). A dry run lists what would be sent and sends nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from {{ cookiecutter.package_name }}.events import registry
from {{ cookiecutter.package_name }}.events.publisher import EventPublisher, batches
from {{ cookiecutter.package_name }}.events.registry import Visibility
from {{ cookiecutter.package_name }}.store.event_store import (
    EVENT_PREFIX,
    PARTITION_KEY,
    SORT_KEY,
    EventStore,
    OutboundEvent,
    event_from_item,
)

from scripts import targets

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

AGGREGATE = "{{ cookiecutter.aggregate }}"


@dataclass(frozen=True)
class Selection:
    """Which stored events to publish again; at least one criterion, unless every event is meant."""

    aggregate_id: str | None = None
    event: str | None = None
    version: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def matches(self, outbound: OutboundEvent) -> bool:
        record = outbound.record
        occurred = datetime.fromisoformat(record.occurred_at)
        return (
            (self.aggregate_id is None or outbound.aggregate_id == self.aggregate_id)
            and (self.event is None or record.name == self.event)
            and (self.since is None or occurred >= self.since)
            and (self.until is None or occurred < self.until)
        )


@dataclass
class Replay:
    """What a replay found and sent: each event's summary, and how many PutEvents entries went out."""

    selected: list[str] = field(default_factory=list)
    entries: int = 0
    published: int = 0
    # Private events a replay to another bus left out (without PRIVATE=1): their summaries.
    withheld: list[str] = field(default_factory=list)
    failed_at: str | None = None
    # The error that stopped it at ``failed_at`` (EventBridge or the connection), when not a refused entry.
    error: str | None = None


def stored_events(client: DynamoDBClient, table: str, selection: Selection) -> list[OutboundEvent]:
    """The selected events of the table's history, oldest first."""
    if selection.aggregate_id is not None:
        history = EventStore(client, table).history(selection.aggregate_id)
        found = [OutboundEvent(AGGREGATE, selection.aggregate_id, record) for record in history]
    else:
        found = list(_scanned(client, table, selection))
    chosen = [outbound for outbound in found if selection.matches(outbound)]
    return sorted(
        chosen,
        key=lambda o: (datetime.fromisoformat(o.record.occurred_at), o.aggregate_id, o.record.sequence),
    )


def _scanned(client: DynamoDBClient, table: str, selection: Selection) -> Iterator[OutboundEvent]:
    condition = "begins_with(#pk, :aggregate) AND begins_with(#sk, :event)"
    names = {"#pk": PARTITION_KEY, "#sk": SORT_KEY}
    values = {":aggregate": {"S": f"{AGGREGATE}/"}, ":event": {"S": EVENT_PREFIX}}
    if selection.event is not None:
        condition += " AND #name = :name"
        names["#name"] = "name"
        values[":name"] = {"S": selection.event}
    pages = client.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression=condition,
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
        ConsistentRead=True,
    )
    for page in pages:
        for item in page.get("Items", []):
            aggregate, _, aggregate_id = str(item[PARTITION_KEY]["S"]).partition("/")
            yield OutboundEvent(aggregate, aggregate_id, event_from_item(item))


def as_published_today(outbound: OutboundEvent, version: int | None) -> list[OutboundEvent]:
    """The stored event in each version the component publishes today (or only ``version``).

    The history keeps the version the domain recorded; read into today's event and told again in each
    published version, it travels as a command recorded today would, with its own id in every version.
    """
    record = outbound.record
    event = registry.from_data(record.name, record.version, record.data)
    return [
        replace(
            outbound,
            record=replace(
                record, version=event_type.version, visibility=event_type.visibility.value, data=data
            ),
        )
        for event_type, data in registry.published(event)
        if version is None or event_type.version == version
    ]


def summary(outbound: OutboundEvent) -> str:
    """Which event, never its data."""
    record = outbound.record
    event = f"{record.name} v{record.version} {outbound.aggregate_id}#{record.sequence}"
    return f"{record.event_id} ({event} {record.occurred_at})"


def replay(
    target: targets.Target,
    selection: Selection,
    *,
    bus: str | None,
    dry_run: bool,
    limit: int,
    now: datetime,
    private: bool = False,
) -> Replay:
    """Publish the selected events again (at most ``limit``), or, in a dry run, list them.

    To another ``bus``, private events are left out unless ``private`` says to send them there too.
    """
    stored = stored_events(target.client("dynamodb"), target.output("TableName"), selection)
    if len(stored) > limit:
        raise SystemExit(
            f"replay: {len(stored)} events match, more than the {limit} allowed at once: narrow the "
            f"selection (AGGREGATE_ID=, EVENT=, SINCE=, UNTIL=) or raise MAX={len(stored)}"
        )
    publisher = EventPublisher(
        target.client("events"),
        source=registry.SOURCE,
        buses={
            Visibility.PUBLIC: target.output("SharedBusName"),
            Visibility.PRIVATE: target.output("ComponentBusName"),
        },
    )
    replayed_at = now.astimezone(UTC).isoformat(timespec="milliseconds")
    sending: list[OutboundEvent] = []
    withheld: list[OutboundEvent] = []
    for stored_event in stored:
        for outbound in as_published_today(stored_event, selection.version):
            is_private = Visibility(outbound.record.visibility) is Visibility.PRIVATE
            (withheld if bus and is_private and not private else sending).append(outbound)
    entries: list[PutEventsRequestEntryTypeDef] = []
    for outbound in sending:
        entry = publisher.entry(outbound, replayed_at=replayed_at)
        if bus:
            entry["EventBusName"] = bus
        entries.append(entry)
    done = Replay(
        selected=[summary(outbound) for outbound in sending],
        entries=len(entries),
        withheld=[summary(outbound) for outbound in withheld],
    )
    if dry_run or not entries:
        return done
    # Call by call, so that what was sent before an error is known and said.
    for group in batches(entries):
        try:
            failed = publisher.publish([entries[position] for position in group])
        except (BotoCoreError, ClientError) as error:
            done.failed_at, done.error = summary(sending[group[0]]), str(error)
            return done
        if failed is not None:
            done.published += failed
            done.failed_at = summary(sending[group[0] + failed])
            return done
        done.published += len(group)
    return done


def report(done: Replay, *, bus: str | None, dry_run: bool) -> str:
    where = f"to {bus}" if bus else "to the buses they were first published to"
    verb = "would publish" if dry_run else "published"
    count = done.entries if dry_run else done.published
    lines = [f"{verb} {count} of {done.entries} event(s) again {where}, marked metadata.replayed_at"]
    lines += [f"  {entry}" for entry in done.selected]
    if done.withheld:
        lines.append(
            f"left out {len(done.withheld)} private event(s): private events go to the component's own bus "
            f"only, so that they cannot leak; PRIVATE=1 sends them to {bus} too, for every rule on it to read"
        )
        lines += [f"  {entry}" for entry in done.withheld]
    if not done.selected and not done.withheld:
        lines.append("no stored event matches: check the aggregate id, the event's name and the times")
    if dry_run:
        lines.append("dry run: nothing was published. Without DRY_RUN=1 they are published again.")
    elif done.error is not None:
        lines.append(
            f"stopped at {done.failed_at} by an error: {done.error}. The ones before it were sent. Once the "
            "cause is fixed (the bus named, the deployment up), run the same replay again: consumers skip "
            "the events they applied."
        )
    elif done.failed_at is not None:
        lines.append(
            f"EventBridge refused {done.failed_at}; the ones before it were sent. Run the same replay again "
            "once the cause is fixed: consumers skip the events they applied."
        )
    return "\n".join(lines)


def parse_time(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SystemExit(
            f"replay: {name}={value!r} is not a time; give ISO 8601, e.g. 2026-03-01 or 2026-03-01T09:30:00Z"
        ) from None
    # A time without a zone is UTC, as the stored events' times are.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def selection_of(arguments: argparse.Namespace) -> Selection:
    names = sorted({event_type.name for event_type in registry.EVENT_TYPES})
    if arguments.event and arguments.event not in names:
        raise SystemExit(
            f"replay: EVENT={arguments.event!r} is not an event of this component; known: {', '.join(names)}"
        )
    if arguments.version is not None:
        if not arguments.event:
            raise SystemExit("replay: VERSION= needs EVENT= (the event whose version to publish)")
        published = sorted(t.version for t in registry.PUBLISHED if t.name == arguments.event)
        if arguments.version not in published:
            raise SystemExit(
                f"replay: {arguments.event} is not published in v{arguments.version}; "
                f"it is published in {', '.join(f'v{v}' for v in published)}"
            )
    selection = Selection(
        aggregate_id=arguments.aggregate_id or None,
        event=arguments.event or None,
        version=arguments.version,
        since=parse_time("SINCE", arguments.since) if arguments.since else None,
        until=parse_time("UNTIL", arguments.until) if arguments.until else None,
    )
    if selection == Selection() and not arguments.all:
        raise SystemExit(
            "replay: say which events to publish again: AGGREGATE_ID=, EVENT= (and VERSION=), SINCE= and "
            "UNTIL=, or ALL=1 for every stored event"
        )
    if selection.since and selection.until and selection.since >= selection.until:
        raise SystemExit("replay: SINCE= must be before UNTIL=")
    return selection


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--aggregate-id", default="", help="one aggregate's events")
    parser.add_argument("--event", default="", help="events of this name")
    parser.add_argument("--version", type=int, default=None, help="only this version of --event")
    parser.add_argument("--since", default="", help="events that occurred at or after this time (ISO 8601)")
    parser.add_argument("--until", default="", help="events that occurred before this time (ISO 8601)")
    parser.add_argument(
        "--all", action="store_true", help="every stored event, when no other choice is given"
    )
    parser.add_argument("--bus", default="", help="send them to this bus instead of where they first went")
    parser.add_argument(
        "--private",
        action="store_true",
        help="with --bus, send private events there too (left out otherwise)",
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be published; send nothing")
    parser.add_argument("--max", type=int, default=10_000, help="refuse to replay more events than this")
    parser.add_argument("--stack", default="", help="a deployed stack's name (default: the local deploy)")
    parser.add_argument(
        "--outputs", default=str(targets.LOCAL_OUTPUTS), help="the local deploy's outputs file"
    )
    arguments = parser.parse_args(argv)
    if arguments.max < 1:
        parser.error(f"--max must be 1 or more, not {arguments.max}")
    selection = selection_of(arguments)
    bus = arguments.bus or None
    if arguments.private and not bus:
        raise SystemExit(
            "replay: PRIVATE=1 goes with BUS=: without BUS=, private events go to the component's own bus"
        )
    try:
        target = (
            targets.stack(arguments.stack)
            if arguments.stack
            else targets.local(Path(arguments.outputs), "replay")
        )
        done = replay(
            target,
            selection,
            bus=bus,
            dry_run=arguments.dry_run,
            limit=arguments.max,
            now=datetime.now(UTC),
            private=arguments.private,
        )
    except (BotoCoreError, ClientError) as error:
        # Before anything was sent: the deployment, its table or AWS out of reach.
        print(
            f"replay: nothing was published: {error}. Check that the deployment is up (`make local`, or the "
            "stack on AWS, and your credentials), then run this again.",
            file=sys.stderr,
        )
        return 1
    print(report(done, bus=bus, dry_run=arguments.dry_run))
    return 0 if done.failed_at is None else 1


if __name__ == "__main__":
    sys.exit(main())
