"""Reading /proc to prove that ffmpeg processes are gone (no orphans, no stragglers)."""

from __future__ import annotations

import os
from pathlib import Path


def _stat_fields(pid: str | int) -> tuple[str, str, int] | None:
    """(comm, state, ppid) of a process, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1 : stat.rindex(")")]
    state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
    return comm, state, int(ppid)


def ffmpeg_children(parent: int | None = None) -> list[int]:
    """Pids of live (non-zombie) ffmpeg processes whose parent is ``parent`` (default: us)."""
    parent = os.getpid() if parent is None else parent
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(entry.name)
        if fields is None:
            continue
        comm, state, ppid = fields
        if ppid == parent and "ffmpeg" in comm and state != "Z":
            found.append(int(entry.name))
    return found


def process_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[1] != "Z"
