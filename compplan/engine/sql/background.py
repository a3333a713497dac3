"""lines.csv's COPY in a thread, while Python writes the payees' files.

DuckDB gives up the GIL while a statement runs, so `compplan run` can write payees.csv
and results.json (Python, one core) while the COPY writes lines.csv (DuckDB): at 1M
deals the COPY's last stretch, numbering the sorted lines as they stream by, runs on
one thread, and Python's writing runs beside it instead of after it (issue 12, wall
time). The connection is the COPY's alone once it starts: the result was read first.
"""
from __future__ import annotations

import threading


class Copying:
    """A statement running on `con` in a thread; `wait` joins it, closes the
    connection, calls `done` (the spill folder's cleanup) and raises what the statement
    raised. `wait` is safe to call again (it does nothing then)."""

    def __init__(self, con, sql: str, done) -> None:
        self.con, self.sql, self.done = con, sql, done
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="compplan-copy")
        self.waited = False

    def _run(self) -> None:
        try:
            self.con.execute(self.sql)
        except BaseException as e:  # raised in the caller's thread by wait()
            self.error = e

    def wait(self) -> None:
        if self.waited:
            return
        self.waited = True
        try:
            self.thread.join()
        except BaseException:  # interrupted while waiting: stop the statement
            self.con.interrupt()
            self.thread.join()
            raise
        finally:
            self.con.close()
            self.done()
        if self.error is not None:
            raise self.error


def start(con, sql: str, done) -> Copying:
    """Run `sql` on `con` in a thread; the Copying to wait for."""
    copying = Copying(con, sql, done)
    copying.thread.start()
    return copying


def settle(pending: list) -> None:
    """Wait for every statement in `pending` (Copying objects), in order."""
    for copying in pending:
        copying.wait()
