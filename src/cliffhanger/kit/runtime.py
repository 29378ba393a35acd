"""The process runtime: settings, database, blob store and job queue wired together once.

The web app, the CLI and queue workers each build one `Runtime` and install it; tasks reach the
database and storage through `current()`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import Database
from cliffhanger.kit.queue import JobQueue
from cliffhanger.kit.storage import BlobStore, make_store


@dataclass
class Runtime:
    settings: Settings
    db: Database
    store: BlobStore
    queue: JobQueue
    stop_event: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.ensure_dirs()
        return cls(settings, Database(settings), make_store(settings), JobQueue(settings))

    def close(self) -> None:
        self.stop_event.set()
        self.db.dispose()


_current: Runtime | None = None


def install(runtime: Runtime) -> Runtime:
    global _current
    _current = runtime
    return runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no Cliffhanger runtime installed in this process")
    return _current
