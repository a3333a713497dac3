"""Statement PDFs made in a small pool of their own, never on the event loop.

Laying out a PDF takes WeasyPrint a second or more of CPU. Made in the page's worker
thread, 80 downloads at once took every worker the portal has, and another person's
live figures waited 33 s. So a page hands the laid-out HTML over (a `PdfJob`), the
endpoint awaits the PDF from this pool (a few threads: the machine's cores, not the
visitors, set the pace), and when the pool and its short queue are full the download
is refused at once with 503 and Retry-After, rather than piling up.
"""
from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from starlette.responses import Response

from .security import Refused

RETRY_AFTER = 5  # seconds: about what a few statements take to lay out


@dataclass
class PdfJob:
    """A statement page to send as a PDF, made by the portal's PdfPool."""

    html: str
    filename: str


class PdfPool:
    """At most `workers` PDFs made at once and `waiting` more queued; beyond that,
    refused (503) with Retry-After."""

    def __init__(self, workers: int | None = None, waiting: int | None = None):
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.waiting = self.workers * 4 if waiting is None else waiting
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="compplan-pdf")
        self._lock = threading.Lock()
        self._taken = 0

    @property
    def taken(self) -> int:
        """PDFs being made or waiting for a worker."""
        return self._taken

    def _take(self) -> None:
        with self._lock:
            if self._taken >= self.workers + self.waiting:
                raise Refused(503, "statement PDFs are being made for many people just now; "
                              "try again in {count} seconds",
                              "the HTML statement is available at once",
                              headers={"Retry-After": str(RETRY_AFTER)},
                              params={"count": RETRY_AFTER})
            self._taken += 1

    def _give_back(self) -> None:
        with self._lock:
            self._taken -= 1

    async def respond(self, job: PdfJob) -> Response:
        self._take()
        try:
            data = await asyncio.get_running_loop().run_in_executor(
                self._executor, _make_pdf, job.html)
        finally:
            self._give_back()
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="{job.filename}"'})

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _make_pdf(html: str) -> bytes:
    from ..render import pdf
    with tempfile.TemporaryDirectory(prefix="compplan-pdf-") as tmp:
        path = Path(tmp) / "statement.pdf"
        problem = pdf.write_pdf(html, path)
        if problem:
            raise Refused(503, "the PDF cannot be made on this server", problem)
        return path.read_bytes()
