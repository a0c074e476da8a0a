"""Work beyond a server's free slots, through procrastinate's PostgreSQL task queue.

Only over a PostgreSQL store. A plain `/execute` that finds no free slot here
(`service.slots`) is screened, gated and recorded here as usual (record before run: the
intent is written before anything is queued), and only its record id is queued. Every
server runs a procrastinate worker in its own event loop with concurrency = its slots;
the one that fetches the job claims the record in the hand-off table
(`service.handoff`), runs it, records its result on the record and leaves the reply,
which the accepting server answers with, the same reply as a local run plus
`"queued": true` and `"ran_on"` (the worker's name).

What happens when something goes wrong:
- no server starts it before its deadline (`--queue-wait`, on the database's clock):
  recorded as not started (outcome "refused"), 503; a later delivery starts nothing;
- the accepting server dies: a worker still runs and records it (or, past the
  deadline, records it as not started);
- the worker dies mid-run: the record stays "interrupted" and is never started again
  (its hand-off row stays "running"); the accepting server answers 502 once that
  worker's heartbeat is `LOST_S` old;
- a job delivered twice, retried, or naming any record that is not queued: nothing runs.
Streamed and session executes always run where they were accepted (a session lives in
one process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

from airlock.service.handoff import CHANNEL, Handoffs

if TYPE_CHECKING:
    from airlock.audit.store import Store
    from airlock.service.network import Network
    from airlock.service.slots import Slots

log = logging.getLogger("airlock.service")
QUEUE = "airlock"
TASK = "airlock.run_recorded"
BEAT_S = 2.0  # how often a worker shows the runs it holds are alive
LOST_S = 15.0  # a running record whose worker has not beaten for this long is lost
POLL_S = 0.5  # the accepting server's look at the hand-off when no notification came
SCHEMA_LOCK = 0x41524C4B  # an advisory lock: one server creates the queue's tables
MAX_WAIT_S = 600.0


def conninfo(store: Store) -> str:
    """A libpq URL for the store's PostgreSQL database (its options kept)."""
    return store.url.set(drivername="postgresql").render_as_string(hide_password=False)


def worker_name(port: int | None = None) -> str:
    """This process's name in the hand-off (host, port, pid and a random part)."""
    where = f"{socket.gethostname()[:100]}:{port}" if port else socket.gethostname()[:100]
    return f"{where}/{os.getpid()}/{uuid.uuid4().hex[:6]}"


def create_tables(url: str) -> None:
    """procrastinate's schema and the hand-off table, once per database."""
    import psycopg
    from procrastinate.schema import SchemaManager

    from airlock.service.handoff import SCHEMA

    with psycopg.connect(url, connect_timeout=10) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        found = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if found is None or found[0] is None:
            conn.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
        conn.execute(SCHEMA)  # type: ignore[arg-type]


def job_record_id(args: dict[str, Any]) -> int | None:
    """The record id a job names, when its arguments are exactly `{"record_id": id}`."""
    record_id = args.get("record_id")
    if set(args) != {"record_id"} or type(record_id) is not int or not 0 < record_id < 2**63:
        return None
    return record_id


class Deferred(Exception):
    """The accepting side's hand-off: `guard` recorded the intent; it goes to the queue."""

    def __init__(self, record_id: int) -> None:
        super().__init__(record_id)
        self.record_id = record_id


class Queue:
    """This server's side of the queue: submitting work and running others' (a worker
    with concurrency = `slots.capacity`; none with 0 slots)."""

    def __init__(
        self,
        store: Store,
        slots: Slots,
        *,
        wait_s: float = 30.0,
        network: Network = "none",
        name: str | None = None,
    ) -> None:
        from airlock.audit.db import make_engine

        if not 0 < wait_s <= MAX_WAIT_S:
            raise ValueError(f"the queue wait must be > 0 and <= {MAX_WAIT_S:g} seconds")
        self.store, self.slots, self.wait_s, self.network = store, slots, wait_s, network
        self.name = name or worker_name()
        self.url = conninfo(store)
        self.handoffs = Handoffs(make_engine(store.url))
        self._waiters: dict[int, asyncio.Event] = {}
        self._tasks: list[asyncio.Task[Any]] = []
        self._app: Any = None
        self._task: Any = None
        self.submitted = 0  # executes this server sent to the queue
        self.ran = 0  # queued executes this server's worker ran

    # -- life ------------------------------------------------------------------

    async def start(self) -> None:
        """Create the tables if needed, open the queue, start the worker and listener."""
        from procrastinate import App, PsycopgConnector

        await asyncio.to_thread(create_tables, self.url)
        size = self.slots.capacity + 4
        self._app = App(
            connector=PsycopgConnector(
                conninfo=self.url, min_size=1, max_size=size, kwargs={"connect_timeout": 10}
            )
        )
        self._task = self._app.task(name=TASK, queue=QUEUE)(self._job)
        await self._app.open_async()
        self._tasks.append(asyncio.create_task(self._listen(), name="airlock-handoff-listen"))
        if self.slots.capacity > 0:
            worker = self._app.run_worker_async(
                queues=[QUEUE],
                name=self.name,
                concurrency=self.slots.capacity,
                install_signal_handlers=False,
                fetch_job_polling_interval=1.0,
                delete_jobs="successful",
            )
            self._tasks.append(asyncio.create_task(worker, name="airlock-queue-worker"))
            self._tasks.append(asyncio.create_task(self._beat(), name="airlock-handoff-beat"))

    async def stop(self) -> None:
        """Stop the worker (runs under way finish and are recorded) and close the queue."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._app is not None:
            with contextlib.suppress(Exception):
                await self._app.close_async()
        self.handoffs.engine.dispose()

    # -- the worker's side -----------------------------------------------------

    async def _job(self, **args: Any) -> None:
        """One delivery: a record id, and nothing else taken from the job."""
        record_id = job_record_id(args)
        if record_id is None:
            log.warning("queue: ignored a job with arguments %r", sorted(args)[:5])
            return
        if not self.slots.take_for_job():
            await self._no_slot(record_id)
            return
        try:
            state = await asyncio.to_thread(self.handoffs.claim, record_id, self.name)
            if state is None:
                return  # run here or elsewhere already, expired, or never queued
            await self._run(record_id, state)
        finally:
            self.slots.give()

    async def _run(self, record_id: int, state: str) -> None:
        from airlock.service.queued_run import run_claimed

        await asyncio.to_thread(
            run_claimed, self.store, self.handoffs, record_id, state, self.name, self.network
        )
        if state == "running":
            self.ran += 1

    async def _no_slot(self, record_id: int) -> None:
        """No slot free here: a job past its deadline is recorded as not started; one
        still waiting goes back to the queue, and this worker unit waits for a slot, so
        the worker fetches nothing it cannot start while other servers' workers can."""
        if await asyncio.to_thread(self.handoffs.claim, record_id, self.name, True):
            await self._run(record_id, "expired")
            return
        row = await asyncio.to_thread(self.handoffs.look, record_id)
        if row is None or row.state != "queued":
            return  # claimed, expired or never queued: nothing to hand back
        await self._task.defer_async(record_id=record_id)
        with self.slots.parked():
            while not self.slots.free():
                await asyncio.sleep(0.02)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(BEAT_S)
            try:
                await asyncio.to_thread(self.handoffs.beat, self.name)
            except Exception as exc:
                log.warning("queue: heartbeat failed: %r", exc)

    async def _listen(self) -> None:
        """Wake the requests waiting here when a worker leaves their reply."""
        import psycopg

        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=10
                )
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    async for note in conn.notifies():
                        with contextlib.suppress(ValueError):
                            event = self._waiters.get(int(note.payload))
                            if event is not None:
                                event.set()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the waits poll meanwhile
                log.warning("queue: listening failed: %r", exc)
                await asyncio.sleep(1.0)

    # -- the accepting side ----------------------------------------------------

    def hand_off(self, record_id: int) -> None:
        """`guard`'s `on_start` for queued work: mark the recorded intent queued (its
        deadline starts now) and leave `guard` before anything runs here."""
        try:
            self.handoffs.queue(record_id, self.wait_s)
        except Exception as exc:
            self._not_started(record_id, "the queue is unavailable")
            log.warning("queue: could not queue record %s: %r", record_id, exc)
            raise Unavailable(record_id) from None
        raise Deferred(record_id)

    def _not_started(self, record_id: int, why: str) -> dict[str, Any] | None:
        from airlock.service.queued_run import limits_of, not_started

        try:
            limits = limits_of(self.store.get(record_id).screening)
            return not_started(self.store, record_id, limits, why)
        except Exception as exc:  # the record stays interrupted; the reason goes to the log
            log.warning("queue: could not record %s as not started: %r", record_id, exc)
            return None

    async def submit(self, record_id: int) -> tuple[int, dict[str, Any]]:
        """Queue a recorded intent and wait for its outcome: (HTTP status, reply)."""
        event = self._waiters[record_id] = asyncio.Event()
        try:
            try:
                await self._task.defer_async(record_id=record_id)
            except Exception as exc:
                log.warning("queue: could not defer record %s: %r", record_id, exc)
                if await asyncio.to_thread(self.handoffs.expire, record_id):
                    await asyncio.to_thread(
                        self._not_started, record_id, "the queue is unavailable"
                    )
                    return 503, _refusal(record_id, "the queue is unavailable; not run")
            self.submitted += 1
            return await self._wait(record_id, event)
        finally:
            self._waiters.pop(record_id, None)

    async def _wait(self, record_id: int, event: asyncio.Event) -> tuple[int, dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_s
        while True:
            event.clear()  # before looking: a reply left after the look still wakes us
            row = await asyncio.to_thread(self.handoffs.look, record_id)
            state = row.state if row else "missing"
            if state == "queued" and loop.time() >= deadline:
                if await asyncio.to_thread(self.handoffs.expire, record_id):
                    why = f"no server had a free slot within {self.wait_s:g} s"
                    await asyncio.to_thread(self._not_started, record_id, why)
                    return 503, _refusal(record_id, why + "; not run")
                continue  # a worker claimed it meanwhile
            if state == "expired":
                why = f"no server had a free slot within {self.wait_s:g} s"
                return 503, _refusal(record_id, why + "; not run")
            if state in ("done", "failed") and row is not None and row.reply is not None:
                await asyncio.to_thread(self.handoffs.answered, record_id)
                return (200 if state == "done" else 500), row.reply
            if state == "running" and row is not None and (row.beat_age_s or 0) > LOST_S:
                return 502, {
                    "success": False,
                    "output": "",
                    "error": f"the server running it ({row.worker}) stopped answering; "
                    f"record {record_id} stays interrupted and is not run again",
                    "record_id": record_id,
                    "queued": True,
                    "ran_on": row.worker,
                }
            if state in ("missing", "answered"):
                return 500, _refusal(record_id, "the queued run's hand-off is gone")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), POLL_S)


class Unavailable(Exception):
    """The queue could not take the work (recorded as not started)."""

    def __init__(self, record_id: int) -> None:
        super().__init__(record_id)
        self.record_id = record_id


def _refusal(record_id: int, why: str) -> dict[str, Any]:
    return {
        "success": False,
        "output": "",
        "error": f"{why} (record {record_id})",
        "record_id": record_id,
        "decision": "refused",
        "outcome": "refused",
        "queued": True,
    }
