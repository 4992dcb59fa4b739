"""The station daemon: turns captured pages into delivered documents.

One loop, one thread for the database: it hands captured pages to worker processes,
records what they return, builds a document when a batch's pages are all final,
publishes documents from the outbox, and applies the broker's events. Everything it
knows is in SQLite, so after a crash ``open()`` finds unfinished pages and unsent
documents and carries on; a page is never recorded twice and a document keeps its id.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station import __version__
from station._config import Config
from station._errors import DeliveryError, ScannerBusyError, StationError
from station._filing import Filer, FilingPlan, PlannedDocument
from station._imageio import write_durably
from station._manifest import build_manifest
from station._worker import PageJob, PageOutcome, init_worker, process_page
from station.capture import ScannerLock, close_abandoned_batches
from station.ocr import merge_pdfs
from station.publish import (
    ContractError,
    LinkEvent,
    MqttLink,
    decode_ack,
    document_topic,
    encode_document,
    sha256,
)
from station.queue import (
    FINAL_PAGE_STATES,
    Batch,
    BatchState,
    Document,
    DocumentState,
    Outbox,
    OutboxState,
    Page,
    PageState,
    database,
    open_database,
)

log = logging.getLogger(__name__)

#: A page whose worker process died this many times while on it is failed. A daemon
#: that is stopped or killed does not count: its pages are simply processed again.
MAX_CRASHES = 3


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Station:
    """The daemon's state and its main loop; nothing starts until ``open()``."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._pool: cf.ProcessPoolExecutor | None = None
        self._workers = config.ocr.workers or os.cpu_count() or 1
        self._running: dict[cf.Future[PageOutcome], int] = {}
        self._inflight: dict[int, int] = {}  # MQTT mid -> outbox id
        self.link: MqttLink | None = None
        self._filer_instance: Filer | None = None
        self._lock: ScannerLock | None = None

    # -- lifecycle ---------------------------------------------------------------

    def open(self, publish: bool = True, serve: bool = True) -> None:
        """Open the database; with ``serve``, become the one process that works
        the queue (recovering what a dead one left) and start the workers.
        """
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        open_database(self.config.db_path)
        if not serve:
            return
        self._lock = daemon_lock(self.config)
        try:
            self._lock.__enter__()
        except ScannerBusyError:
            self._lock = None
            raise StationError(
                f"another station process already works on {self.config.data_dir}; "
                "stop it first, or scan with it running (station scan captures only)"
            ) from None
        self._filer()  # a broken catalog is reported now, not at the first batch
        self._recover()
        self._pool = self._new_pool()
        if publish:
            prefix = self.config.mqtt.topic_prefix
            self.link = MqttLink(
                self.config.mqtt,
                client_id=f"station-{self.config.station_id}",
                subscriptions=[f"{prefix}/{self.config.station_id}/ack/+"],
            )
            self.link.start()
        log.info("station %s %s ready", self.config.station_id, __version__)

    def close(self) -> None:
        """Stop at once: pages in work are processed again at the next start."""
        if self.link is not None:
            self.link.stop()
            self.link = None
        if self._pool is not None:
            _stop_workers(self._pool)
            self._pool = None
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None
        if not database.is_closed():
            database.close()

    def _recover(self) -> None:
        """Put work a dead process left half-done back in line."""
        requeued = (
            Page.update(state=PageState.CAPTURED)
            .where(Page.state == PageState.PROCESSING)
            .execute()
        )
        if requeued:
            log.info(
                "%d pages left in processing by a previous run are queued again",
                requeued,
            )
        for batch_id in close_abandoned_batches(self.config):
            log.warning(
                "batch %s was left scanning by a previous run; kept as partial",
                batch_id,
            )

    def run(self, stop: threading.Event) -> None:
        """Serve until ``stop`` is set; an unexpected error is logged, not fatal."""
        while not stop.is_set():
            try:
                busy = self.step()
            except Exception:  # the daemon keeps serving; the traceback is logged
                log.exception("unexpected error in the station loop; going on")
                stop.wait(1.0)
                continue
            if not busy:
                stop.wait(0.2)

    def run_until_idle(
        self,
        timeout_s: float,
        delivered: bool = True,
        progress: Callable[[], None] | None = None,
    ) -> bool:
        """Step until nothing is left to do (and, if asked, all is delivered)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            busy = self.step()
            if progress is not None:
                progress()
            if not busy and self.idle(delivered):
                return True
            if not busy:
                time.sleep(0.1)
        return False

    def idle(self, delivered: bool = True) -> bool:
        open_pages = Page.select().where(Page.state.not_in(FINAL_PAGE_STATES)).count()
        unbuilt = Batch.select().where(Batch.state.in_([BatchState.SCANNED])).count()
        unsent = Outbox.select().where(Outbox.state != OutboxState.ACKED).count()
        return (
            not self._running
            and open_pages == 0
            and unbuilt == 0
            and (not delivered or unsent == 0)
        )

    def step(self) -> bool:
        """Do one round of every kind of work; return True if anything happened."""
        busy = self._collect_outcomes()
        busy |= self._dispatch_pages()
        busy |= self._build_documents()
        busy |= self._apply_link_events()
        busy |= self._pump_outbox()
        return busy

    # -- pages ---------------------------------------------------------------------

    def _dispatch_pages(self) -> bool:
        assert self._pool is not None
        room = 2 * self._workers - len(self._running)
        if room <= 0:
            return False
        # Every SELECT is read to the end before anything is written: a read
        # transaction that turns into a write while another connection (capture)
        # has committed fails with "database is locked" at once, busy timeout or not.
        pages = list(
            Page.select(Page, Batch)
            .join(Batch)
            .where(Page.state == PageState.CAPTURED)
            .order_by(Batch.created_at, Page.page_no)
            .limit(room)
        )
        dispatched = False
        for page in pages:
            if page.crashes >= MAX_CRASHES:
                self._record(
                    PageOutcome(
                        page.id,
                        PageState.FAILED,
                        error=f"processing crashed {page.crashes} times; rescan it",
                    )
                )
                continue
            Page.update(state=PageState.PROCESSING, attempts=Page.attempts + 1).where(
                Page.id == page.id
            ).execute()
            future = self._pool.submit(process_page, self._job(page))
            self._running[future] = page.id
            dispatched = True
        return dispatched

    def _job(self, page: Page) -> PageJob:
        config = self.config
        return PageJob(
            page_id=page.id,
            page_no=page.page_no,
            raw_path=page.raw_path,
            out_dir=str(config.spool_dir / page.batch_id),
            dpi=page.dpi,
            min_dpi=config.capture.min_dpi,
            max_pixels=config.capture.max_pixels,
            languages=config.ocr.languages,
            timeout_s=config.ocr.timeout_s,
            deskew=config.preprocess.deskew,
            crop_border=config.preprocess.crop_border,
            detect_blank=config.preprocess.detect_blank,
            orientation_check=config.preprocess.orientation_check,
            ocr_engine=config.ocr.engine,
            cover_sheets=config.documents.cover_sheets,
            own_court=config.documents.own_court,
            catalog_path=config.documents.catalog,
        )

    def _collect_outcomes(self) -> bool:
        done = [f for f in self._running if f.done()]
        for future in done:
            page_id = self._running.pop(future)
            try:
                outcome = future.result()
            except cf.process.BrokenProcessPool:
                log.error("an OCR worker died; restarting the workers")
                self._restart_pool()
                return True
            except Exception:  # a bug in a worker must not stop the daemon
                log.exception("processing page %d failed unexpectedly", page_id)
                outcome = PageOutcome(
                    page_id,
                    PageState.FAILED,
                    error="internal error; see the station log",
                )
            self._record(outcome)
        return bool(done)

    def _restart_pool(self) -> None:
        ids = list(self._running.values())
        self._running.clear()
        Page.update(state=PageState.CAPTURED, crashes=Page.crashes + 1).where(
            Page.id.in_(ids)
        ).execute()
        assert self._pool is not None
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the parent runs paho's network thread, and a forked child
        # would inherit its locks in whatever state they were.
        return cf.ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
        )

    def _record(self, outcome: PageOutcome) -> None:
        values: dict[str, Any] = {
            "state": outcome.state,
            "error": outcome.error,
            "flags": ",".join(outcome.flags),
            "timings": json.dumps(outcome.timings),
            "cover": outcome.cover,
            "problems": json.dumps(list(outcome.problems), ensure_ascii=False),
        }
        for name in (
            "width",
            "height",
            "skew_deg",
            "skew_confident",
            "blank_score",
            "clean_path",
            "clean_sha256",
            "pdf_path",
            "text",
            "ocr_confidence",
            "ocr_engine",
            "orientation",
            "orientation_confidence",
            "orientation_by",
        ):
            values[name] = getattr(outcome, name)
        if outcome.crop is not None:
            values["crop"] = json.dumps(list(outcome.crop))
        if outcome.dpi is not None:
            values["dpi"] = outcome.dpi
        Page.update(**values).where(Page.id == outcome.page_id).execute()
        page = Page.get_by_id(outcome.page_id)
        if "low_dpi" in outcome.flags:
            log.warning(
                "batch %s: page %d is %s dpi, below the %d dpi archive scans need; "
                "rescan it at 300 dpi or more",
                page.batch_id,
                page.page_no,
                outcome.dpi,
                self.config.capture.min_dpi,
            )
        log.info(
            "batch %s: page %d %s%s",
            page.batch_id,
            page.page_no,
            outcome.state,
            f" ({outcome.error})" if outcome.error else "",
        )

    # -- documents -----------------------------------------------------------------

    def _build_documents(self) -> bool:
        built = False
        for batch in list(Batch.select().where(Batch.state == BatchState.SCANNED)):
            unfinished = (
                Page.select()
                .where((Page.batch == batch) & Page.state.not_in(FINAL_PAGE_STATES))
                .count()
            )
            if unfinished == 0:
                try:
                    self._build_batch(batch)
                except Exception as exc:  # one bad batch must not stop the others
                    log.exception("batch %s: documents could not be built", batch.id)
                    Batch.update(
                        state=BatchState.HELD,
                        message=f"documents could not be built ({exc}); see the log",
                    ).where(Batch.id == batch.id).execute()
                built = True
        return built

    def _build_batch(self, batch: Batch) -> None:
        pages = list(Page.select().where(Page.batch == batch).order_by(Page.page_no))
        duplex = self.config.capture.source == "duplex"
        plan = self._filer().plan(batch.id, pages, duplex)
        if not plan.documents:
            message = (
                f"no page with content: {len(pages)} read, "
                f"{sum(p.state == PageState.BLANK for p in pages)} blank, "
                f"{sum(p.state == PageState.COVER for p in pages)} cover, "
                f"{sum(p.state == PageState.FAILED for p in pages)} failed"
            )
            log.warning("batch %s: %s; nothing to deliver", batch.id, message)
            Batch.update(
                state=BatchState.DONE,
                message=message,
                accounting=json.dumps(plan.accounting, ensure_ascii=False),
            ).where(Batch.id == batch.id).execute()
            return
        built = [self._write_document(batch, doc, plan) for doc in plan.documents]
        with database.atomic():
            for doc, (doc_id, folder, pdf) in zip(plan.documents, built, strict=True):
                document = Document.create(
                    id=doc_id,
                    batch=batch,
                    seq=doc.seq,
                    page_count=len(doc.pages),
                    pdf_path=str(folder / doc.file_name),
                    meta_path=str(folder / "manifest.json"),
                    pdf_sha256=sha256(pdf),
                    case_number=doc.case.normalized if doc.case else "",
                    item_code=doc.classification.item.code
                    if doc.classification.item
                    else "",
                    item_seq=doc.item_seq,
                    file_name=doc.file_name,
                    needs_review=doc.needs_review,
                )
                Outbox.create(document=document)
            Batch.update(
                state=BatchState.DONE,
                accounting=json.dumps(plan.accounting, ensure_ascii=False),
            ).where(Batch.id == batch.id).execute()
        for doc, (doc_id, _, _) in zip(plan.documents, built, strict=True):
            log.info(
                "batch %s: document %s %s (%d pages)%s, queued for delivery",
                batch.id,
                doc_id,
                doc.file_name,
                len(doc.pages),
                " NEEDS REVIEW" if doc.needs_review else "",
            )

    def _filer(self) -> Filer:
        if self._filer_instance is None:
            self._filer_instance = Filer(self.config)
        return self._filer_instance

    def _write_document(
        self, batch: Batch, doc: PlannedDocument, plan: FilingPlan
    ) -> tuple[str, Path, bytes]:
        """Write a document's PDF and manifest; the same inputs give the same bytes."""
        doc_id = f"{batch.id}-{doc.seq:02d}"
        folder = self.config.data_dir / "documents" / doc_id
        pdf = merge_pdfs(
            [Path(str(p.pdf_path)) for p in doc.pages], title=doc.file_name
        )
        manifest = build_manifest(
            self.config, batch, doc_id, doc, plan, {doc.file_name: pdf}
        )
        write_durably(folder / doc.file_name, pdf)
        write_durably(
            folder / "manifest.json",
            json.dumps(manifest, ensure_ascii=False, indent=2).encode(),
        )
        return doc_id, folder, pdf

    # -- delivery ------------------------------------------------------------------

    def _apply_link_events(self) -> bool:
        if self.link is None:
            return False
        applied = False
        while True:
            try:
                event = self.link.events.get_nowait()
            except queue.Empty:
                return applied
            applied = True
            self._apply(event)

    def _apply(self, event: LinkEvent) -> None:
        if event.kind == "published":
            outbox_id = self._inflight.pop(event.mid, None)
            if outbox_id is not None:
                Outbox.update(state=OutboxState.SENT).where(
                    (Outbox.id == outbox_id) & (Outbox.state == OutboxState.PENDING)
                ).execute()
        elif event.kind == "disconnected":
            self._inflight.clear()
        elif event.kind == "message":
            self._apply_ack(event.topic, event.payload)

    def _apply_ack(self, topic: str, payload: bytes) -> None:
        """Apply the register's answer, if it answers a document really sent.

        The topic must name the same document as the payload, and "stored" counts
        only for a document published at least once, so a stray or forged message
        cannot mark a document delivered that never left the station. The broker's
        ACLs must still keep other clients off the ack topics (see the contract).
        """
        try:
            doc_id, status, reason = decode_ack(payload)
        except ContractError as exc:
            log.warning("ignored an acknowledgement: %s", exc.message)
            return
        if topic.rsplit("/", 1)[-1] != doc_id:
            log.warning("ignored an acknowledgement whose topic names another document")
            return
        row = Outbox.get_or_none(Outbox.document == doc_id)
        if row is None or row.attempts == 0:
            log.warning(
                "acknowledgement for a document not sent (%.80s) ignored", doc_id
            )
            return
        with database.atomic():
            if status == "stored":
                Outbox.update(state=OutboxState.ACKED, last_error="").where(
                    Outbox.document == doc_id
                ).execute()
                Document.update(
                    state=DocumentState.DELIVERED, delivered_at=_now(), error=""
                ).where(Document.id == doc_id).execute()
            else:
                Outbox.update(state=OutboxState.PENDING, last_error=reason).where(
                    (Outbox.document == doc_id) & (Outbox.state != OutboxState.ACKED)
                ).execute()
                Document.update(error=reason).where(Document.id == doc_id).execute()
        if status == "stored":
            log.info("document %s delivered and acknowledged by the register", doc_id)
        else:
            log.error(
                "the register refused document %s: %s; it will be sent again",
                doc_id,
                reason,
            )

    def _pump_outbox(self) -> bool:
        link = self.link
        if link is None or not link.connected:
            return False
        room = self.config.mqtt.max_inflight - len(self._inflight)
        if room <= 0:
            return False
        retry_before = _now() - dt.timedelta(seconds=self.config.mqtt.retry_s)
        due = list(
            Outbox.select()
            .where(
                (Outbox.state != OutboxState.ACKED)
                & (
                    Outbox.last_attempt_at.is_null()
                    | (Outbox.last_attempt_at < retry_before)
                )
                & Outbox.id.not_in(list(self._inflight.values()) or [0])
            )
            .order_by(Outbox.id)
            .limit(room)
        )
        sent = False
        for row in due:
            sent |= self._send(link, row)
        return sent

    def _send(self, link: MqttLink, row: Outbox) -> bool:
        document: Document = row.document
        try:
            payload = self._payload(document)
            topic = document_topic(
                self.config.mqtt.topic_prefix, self.config.station_id, document.id
            )
            mid = link.publish(topic, payload)
        except (OSError, ConnectionError, DeliveryError) as exc:
            message = getattr(exc, "message", str(exc))
            Outbox.update(last_error=message, last_attempt_at=_now()).where(
                Outbox.id == row.id
            ).execute()
            log.warning("document %s not sent: %s", document.id, message)
            return False
        self._inflight[mid] = row.id
        Outbox.update(
            attempts=Outbox.attempts + 1, last_attempt_at=_now(), last_error=""
        ).where(Outbox.id == row.id).execute()
        log.info("document %s published (attempt %d)", document.id, row.attempts + 1)
        return True

    def _payload(self, document: Document) -> bytes:
        manifest = json.loads(Path(document.meta_path).read_text("utf-8"))
        files = {Path(document.pdf_path).name: Path(document.pdf_path).read_bytes()}
        payload = encode_document(manifest, files)
        limit = self.config.mqtt.max_message_bytes
        if len(payload) > limit:
            raise DeliveryError(
                f"the message is {len(payload):,} bytes, over mqtt.max_message_bytes "
                f"({limit:,}); raise the limit here and in the broker"
            )
        broker_limit = self.link.broker_max_packet if self.link else None
        # The packet adds the topic and a few header bytes to the payload.
        if broker_limit is not None and len(payload) + 512 > broker_limit:
            raise DeliveryError(
                f"the message is {len(payload):,} bytes, over the {broker_limit:,} "
                "bytes the broker accepts (its max_packet_size); raise that limit"
            )
        return payload

    # -- reporting -----------------------------------------------------------------

    def summary(self, batch_ids: list[str] | None = None) -> dict[str, Any]:
        """Counts of pages and documents by state, for the CLI, UI and demo."""
        pages = Page.select()
        docs = Document.select()
        if batch_ids:
            pages = pages.where(Page.batch.in_(batch_ids))
            docs = docs.where(Document.batch.in_(batch_ids))
        by_state: dict[str, int] = {}
        for page in pages:
            by_state[page.state] = by_state.get(page.state, 0) + 1
        return {
            "pages": by_state,
            "documents": {d.id: d.state for d in docs},
            "broker": "connected"
            if self.link and self.link.connected
            else (self.link.problem if self.link else "not used"),
        }


def daemon_lock(config: Config) -> ScannerLock:
    """The lock held by the one process that works a data directory's queue."""
    return ScannerLock(config.data_dir / "daemon.lock")


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """End the worker processes now rather than wait for a long OCR to finish.

    systemd gives a stopping service a minute; a page in work is simply processed
    again at the next start, so nothing is lost by not waiting.
    """
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
