"""Benchmark: coin unlock throughput and latency with 32 concurrent clients, on PostgreSQL and on
SQLite, followed by `cliffhanger ledger verify`.

Each client is one viewer with enough paid coins, unlocking its own list of locked episodes with
`POST /api/v1/unlocks` (a fresh idempotency key each) over HTTP/1.1 keep-alive on loopback against
`uvicorn` serving the real app (`--workers 2`, uvloop, httptools, no access log; rate limits off,
queue consumer off). Every request must answer 201 with the price charged. Before the clock starts
each client makes one unlock of its own (all 32 at once: it opens the server's pooled database
connections, as in a server that has been up for a while); it is checked like the others but not
timed. A keep-alive connection stays with the worker that accepted it and which one accepts is a
race (32/0 happens), so clients then reconnect until the connections are spread evenly over the
workers, as a load balancer or many short connections would spread them (`split` in the output).
Afterwards the ledger is replayed with the CLI's `ledger verify`, and entitlements are counted
against the 201s.

The 32 clients are asyncio tasks in this one process, so the load generator does not take the CPU
the server needs. `--client raw` (default) writes the requests and reads the responses itself
(status line, `content-length`, JSON body); `--client httpx` uses `httpx.AsyncClient` instead
(about ten times the client CPU per request).

`--mode service` calls `commerce.service.unlock_with_coins` directly from 32 threads (spread over
`--workers` processes) instead, measuring the money path without HTTP.

Besides throughput and latency, each run reports the CPU time per unlock of the server processes,
of the PostgreSQL backends serving the bench database and of the load generator (from /proc), the
load average during the run, and how much CPU other processes on the machine took meanwhile, so
figures taken on a shared machine can be judged. `--profile DIR` records the server with py-spy
(when installed; CPU samples holding the GIL) and prints where the time goes.

    PYTHONPATH=src .venv/bin/python bench/unlocks.py [--backend both|postgres|sqlite]
        [--clients 32] [--per-client 60] [--workers 2] [--mode http|service]
        [--client raw|httpx] [--repeat 1] [--profile DIR] [--no-write]

Prints a line per run and writes `bench/results/unlocks.json` (per backend and mode: the median
run by throughput of the repeats, and every repeat's figures).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text

from cliffhanger import migrate
from cliffhanger.access import unlock as service
from cliffhanger.accounts import service as accounts
from cliffhanger.catalog import service as catalog
from cliffhanger.catalog.models import Episode, EpisodeStatus
from cliffhanger.kit.config import Settings
from cliffhanger.kit.db import new_id
from cliffhanger.kit.runtime import Runtime, install
from cliffhanger.ledger import service as ledger
from cliffhanger.ledger.models import Entitlement, LotKind

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("CLIFFHANGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PRICE = 10
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    backend: str
    mode: str
    client: str
    clients: int
    unlocks: int
    errors: int
    seconds: float
    unlocks_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    entitlements: int
    verify_ok: bool
    verify_output: str
    server_workers: int
    cpu_ms_per_unlock: dict[str, float] = field(default_factory=dict)
    """CPU time per unlock: `server` (uvicorn processes or service processes), `postgres` (the
    backends of the bench database), `client` (the load generator)."""
    load_avg: dict[str, float] = field(default_factory=dict)
    """1-minute load average at the start, mean and max over the run (2 s samples)."""
    machine_cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds the whole machine used during the run, and the part the bench did not."""
    connections_per_worker: list[int] = field(default_factory=list)
    """The clients' keep-alive connections held by each server worker during the run."""


# --- measuring the machine ---

def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _tree(pid: int) -> list[int]:
    """`pid` and every live descendant."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children[ppid].append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _server_workers(server_pid: int) -> list[int]:
    """The worker processes of a `uvicorn --workers N` master."""
    out = []
    for pid in _tree(server_pid)[1:]:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing-fork" in cmd and b"resource_tracker" not in cmd:
            out.append(pid)
    return out


def _connection_owners(server_pid: int, port: int) -> dict[int, int]:
    """Client port -> the server worker holding the other end of that connection."""
    by_inode = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in lines:
            fields = row.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                by_inode[fields[9]] = int(fields[2].rsplit(":", 1)[1], 16)
    owners = {}
    for pid in _server_workers(server_pid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in by_inode:
                owners[by_inode[link[8:-1]]] = pid
    return owners


def _pg_backends(database: str) -> list[int]:
    """Backend processes serving `database` (their title is `postgres: user db host ...`)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("postgres: ") and f" {database} " in cmd:
                out.append(int(entry.name))
    return out


def _machine_busy() -> float:
    """CPU seconds every process on the machine used so far (all CPUs, /proc/stat)."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return (sum(parts[:8]) - idle) / TICK


class Meter:
    """CPU of the server, the database and this process, machine CPU and load during one run."""

    def __init__(self, server_pid: int | None, database: str | None) -> None:
        self.server_pid, self.database = server_pid, database
        self.loads: list[float] = []
        self._stop = threading.Event()

    def _server(self) -> dict[int, float]:
        pids = _tree(self.server_pid) if self.server_pid else []
        return {p: _proc_cpu(p) for p in pids}

    def _db(self) -> dict[int, float]:
        return {p: _proc_cpu(p) for p in _pg_backends(self.database)} if self.database else {}

    def __enter__(self) -> Meter:
        self.server0, self.db0 = self._server(), self._db()
        self.db_seen = dict(self.db0)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client0 = usage.ru_utime + usage.ru_stime
        self.machine0 = _machine_busy()
        self.load0 = os.getloadavg()[0]
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        # Backends that end during the run (service mode closes its pools) keep the CPU last
        # seen; the load average is sampled every 2 s.
        tick = 0
        while not self._stop.wait(0.5):
            for pid, cpu in self._db().items():
                self.db_seen[pid] = max(cpu, self.db_seen.get(pid, 0.0))
            tick += 1
            if tick % 4 == 0:
                self.loads.append(os.getloadavg()[0])

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.loads.append(os.getloadavg()[0])
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.client_s = usage.ru_utime + usage.ru_stime - self.client0
        self.machine_s = _machine_busy() - self.machine0
        server1 = self._server()
        for pid, cpu in self._db().items():
            self.db_seen[pid] = max(cpu, self.db_seen.get(pid, 0.0))
        self.server_s = sum(v - self.server0.get(p, 0.0) for p, v in server1.items())
        self.db_s = sum(v - self.db0.get(p, 0.0) for p, v in self.db_seen.items())

    def report(self, unlocks: int, seconds: float, extra_server_s: float = 0.0
               ) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
        n = max(1, unlocks)
        server_s = self.server_s + extra_server_s
        cpu = {"server": round(1000 * server_s / n, 3), "postgres": round(1000 * self.db_s / n, 3),
               "client": round(1000 * self.client_s / n, 3)}
        load = {"start": round(self.load0, 2), "mean": round(statistics.fmean(self.loads), 2),
                "max": round(max(self.loads), 2)}
        ours = server_s + self.db_s + self.client_s
        machine = {"seconds": round(seconds, 2), "busy_cpu_s": round(self.machine_s, 2),
                   "bench_cpu_s": round(ours, 2),
                   "others_cpu_s": round(max(0.0, self.machine_s - ours), 2),
                   "cpus": os.cpu_count() or 0}
        return cpu, load, machine


# --- database, seed, server ---

@contextmanager
def database(backend: str) -> Iterator[tuple[str, Path, str | None]]:
    """(database URL, data dir, PostgreSQL database name) of a fresh, migrated database; dropped
    afterwards."""
    data = Path(tempfile.mkdtemp(prefix="chbench-"))
    if backend == "sqlite":
        url = f"sqlite:///{data / 'bench.db'}"
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        try:
            yield url, data, None
        finally:
            shutil.rmtree(data, ignore_errors=True)
        return
    name = f"chbench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    try:
        yield url, data, name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(data, ignore_errors=True)


def env_for(url: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLIFFHANGER_")}
    env.update({
        "CLIFFHANGER_DATA_DIR": str(data), "CLIFFHANGER_DATABASE_URL": url,
        "CLIFFHANGER_SECRET_KEY": "bench-secret-key-" + data.name,
        "CLIFFHANGER_RATE_LIMITS_ENABLED": "false", "CLIFFHANGER_QUEUE_WORKERS": "0",
        "PYTHONPATH": str(ROOT / "src"),
    })
    return env


def seed(rt: Runtime, clients: int, per_client: int) -> list[tuple[str, list[str]]]:
    """One series with `clients * (per_client + 1)` locked episodes; each viewer gets its own
    slice (the first one is its warm-up unlock) and the coins for all of them."""
    per_client += 1
    with rt.db.session() as session:
        org, _key = accounts.create_organisation(session, "Bench Studio")
        series = catalog.create_series(session, org, title="Bench", free_episodes=0,
                                       price_coins=PRICE)
        episode_ids = []
        for n in range(1, clients * per_client + 1):
            ep = Episode(id=new_id(), series_id=series.id, number=n, title=f"E{n}",
                         status=EpisodeStatus.ready, master_key="masters/x",
                         master_sha256="0" * 64, width=360, height=640, duration_s=60.0,
                         hls_prefix=f"hls/bench/{n}")
            session.add(ep)
            episode_ids.append(ep.id)
        session.flush()
    out = []
    for i in range(clients):
        with rt.db.session() as session:
            viewer, _ = accounts.create_viewer(session, rt.settings.signing_key)
            ledger.grant_coins(session, viewer.id, per_client * PRICE, lot_kind=LotKind.paid,
                               key=f"bench:{viewer.id}")
        out.append((viewer.id, episode_ids[i * per_client:(i + 1) * per_client]))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
    """(base URL, process id) of uvicorn serving the app until the block ends."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "cliffhanger.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--loop", "uvloop", "--http", "httptools",
         "--log-level", "warning", "--no-access-log"],
        env=env, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- the HTTP load generator ---

class Http1:
    """One HTTP/1.1 keep-alive connection: writes a request, reads status, headers and a
    `content-length` body. Enough for the JSON answers of this app, and cheap on CPU."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    @property
    def local_port(self) -> int:
        return int(self.writer.get_extra_info("sockname")[1]) if self.writer else 0

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"{method} {path} HTTP/1.1", f"host: {self.host}:{self.port}",
                f"content-length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        if "content-length" not in fields:
            raise RuntimeError(f"answer without content-length: {lines[:6]}")
        payload = await self.reader.readexactly(int(fields["content-length"]))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


class HttpxClient:
    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=60)

    async def request(self, method: str, path: str, headers: dict[str, str],
                      body: bytes = b"") -> tuple[int, bytes]:
        r = await self.http.request(method, path, headers=headers, content=body)
        return r.status_code, r.content

    async def close(self) -> None:
        await self.http.aclose()


async def _spread(conns: list[Http1], server_pid: int, port: int) -> list[int]:
    """Reconnect clients until their keep-alive connections are spread evenly over the server's
    workers, as a load balancer or many short connections would spread them (a connection stays
    with the worker that accepted it, and which one accepts is a race: 32/0 happens, and then
    one process does all the work). Returns the connections per worker."""
    workers = _server_workers(server_pid)
    counts: collections.Counter[int] = collections.Counter()
    for _attempt in range(400):
        owners = _connection_owners(server_pid, port)
        counts = collections.Counter({pid: 0 for pid in workers})
        counts.update(owners.get(c.local_port, 0) for c in conns)
        most = -(-len(conns) // max(1, len(workers)))
        over = [c for c in conns if counts[owners.get(c.local_port, 0)] > most]
        if not over:
            break
        await over[0].close()
        await over[0].request("GET", "/healthz", {})
    return sorted(counts.values(), reverse=True)


async def _http_clients(url: str, signing_key: bytes, jobs: list[tuple[str, list[str]]],
                        kind: str, server_pid: int | None = None, meter: Meter | None = None
                        ) -> tuple[list[float], int, float, list[int]]:
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = [0]
    conns = [Http1(host, int(port)) if kind == "raw" else HttpxClient(url) for _ in jobs]
    headers = [{"authorization": f"Bearer {accounts.viewer_token(signing_key, viewer_id)}",
                "content-type": "application/json"} for viewer_id, _episodes in jobs]

    async def unlock(http: Http1 | HttpxClient, headers: dict[str, str], ep: str,
                     timed: list[float] | None) -> None:
        body = json.dumps({"episode_id": ep, "method": "coins",
                           "idempotency_key": uuid.uuid4().hex}).encode()
        t0 = time.perf_counter()
        status, payload = await http.request("POST", "/api/v1/unlocks", headers, body)
        if timed is not None:
            timed.append(time.perf_counter() - t0)
        ok = status == 201
        if ok:
            answer = json.loads(payload)
            ok = answer["episode_id"] == ep and answer["charged_coins"] == PRICE
        if not ok:
            if not errors[0]:
                print("unlock failed:", status, payload[:300], file=sys.stderr)
            errors[0] += 1

    async def client(http: Http1 | HttpxClient, headers: dict[str, str],
                     episodes: list[str]) -> None:
        for ep in episodes:
            await unlock(http, headers, ep, latencies)

    try:
        # One unlock per client before the clock, all at once (verified like the rest, not
        # timed): it opens the keep-alive connections and the server's database pool.
        await asyncio.gather(*(unlock(http, h, episodes[0], None)
                               for http, h, (_v, episodes) in zip(conns, headers, jobs,
                                                                  strict=True)))
        split: list[int] = []
        if server_pid is not None:
            if kind == "raw":
                split = await _spread([c for c in conns if isinstance(c, Http1)], server_pid,
                                      int(port))
            else:
                split = sorted(collections.Counter(
                    _connection_owners(server_pid, int(port)).values()).values(), reverse=True)
        with meter or contextlib.nullcontext():  # the timed part only
            t0 = time.perf_counter()
            await asyncio.gather(*(client(http, h, episodes[1:])
                                   for http, h, (_v, episodes) in zip(conns, headers, jobs,
                                                                      strict=True)))
            seconds = time.perf_counter() - t0
    finally:
        for http in conns:
            await http.close()
    return latencies, errors[0], seconds, split


def run_http(url: str, signing_key: bytes, jobs: list[tuple[str, list[str]]],
             kind: str, server_pid: int | None = None, meter: Meter | None = None
             ) -> tuple[list[float], int, float, list[int]]:
    clients = _http_clients(url, signing_key, jobs, kind, server_pid, meter)
    try:
        import uvloop
    except ImportError:
        return asyncio.run(clients)
    return uvloop.run(clients)


# --- service mode ---

def run_threads(jobs: list[Any], worker) -> tuple[list[float], int, float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs) + 1)

    def client(job: Any) -> None:
        mine, bad = worker(job, barrier)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def service_worker(rt: Runtime):  # type: ignore[no-untyped-def]
    def work(job: tuple[str, list[str]], barrier: threading.Barrier) -> tuple[list[float], int]:
        viewer_id, episodes = job
        out, bad = [], 0
        for n, ep in enumerate(episodes):
            if n == 1:  # after the warm-up unlock
                barrier.wait()
            t0 = time.perf_counter()
            try:
                with rt.db.session() as session:
                    ok = service.unlock_with_coins(session, viewer_id, ep, uuid.uuid4().hex,
                                                   settings=rt.settings).created
            except Exception as exc:
                if not bad:
                    print("unlock failed:", repr(exc)[:300], file=sys.stderr)
                ok = False
            if n:
                out.append(time.perf_counter() - t0)
            bad += not ok
        return out, bad

    return work


def _service_shard(url: str, data: str, secret: str, jobs: list[tuple[str, list[str]]],
                   start_at: float) -> tuple[list[float], int, float, float, float]:
    """One process of `--mode service`: its share of the clients as threads."""
    settings = Settings(data_dir=Path(data), database_url=url, secret_key=secret,
                        queue_workers=0, rate_limits_enabled=False)
    rt = install(Runtime.build(settings))
    time.sleep(max(0.0, start_at - time.time()))  # every process starts at the same moment
    cpu0 = time.process_time()
    began = time.time()
    latencies, errors, _seconds = run_threads(jobs, service_worker(rt))
    ended = time.time()
    cpu = time.process_time() - cpu0
    rt.close()
    return latencies, errors, began, ended, cpu


def service_processes(url: str, data: Path, env: dict[str, str],
                      jobs: list[tuple[str, list[str]]], processes: int
                      ) -> tuple[list[float], int, float, float]:
    """Run the clients as threads spread over `processes` processes (the GIL caps one process)."""
    from concurrent.futures import ProcessPoolExecutor

    shards = [jobs[i::processes] for i in range(processes)]
    start_at = time.time() + 3.0
    with ProcessPoolExecutor(processes) as pool:
        results = list(pool.map(_service_shard, [url] * processes, [str(data)] * processes,
                                [env["CLIFFHANGER_SECRET_KEY"]] * processes, shards,
                                [start_at] * processes))
    latencies = [x for r in results for x in r[0]]
    errors = sum(r[1] for r in results)
    cpu = sum(r[4] for r in results)
    return latencies, errors, max(r[3] for r in results) - min(r[2] for r in results), cpu


# --- profile ---

PROFILE_STEPS = [  # (label, frame substring): each sample goes to the innermost match
    ("auth dependency (token, viewer row)", "deps.py"),
    ("unlock: wallet lock + viewer + episode", "_lock_and_facts ("),
    ("unlock: wallet lock", "lock_wallet"),
    ("unlock: entitlements + context + lots", "_unlock_reads ("),
    ("unlock: context", "unlock_context ("),
    ("unlock: price lock", "lock_price_at ("),
    ("unlock: spend (transfers, draws, lots, balances)", "spend_lots ("),
    ("unlock: rest of unlock_with_coins", "unlock_with_coins ("),
    ("transaction begin/commit, pool", "db.py"),
    ("endpoint (response model)", "commerce/api.py"),
    ("fastapi: dependencies", "solve_dependencies ("),
    ("fastapi: request/response", "fastapi/routing.py"),
    ("threadpool hand-off", "run_sync_in_worker_thread ("),
    ("threadpool hand-off", "WorkerThread."),
    ("http middleware (BaseHTTPMiddleware)", "starlette/middleware/base.py"),
    ("app middleware", "cliffhanger/app.py"),
    ("starlette", "starlette/"),
    ("uvicorn http", "uvicorn/protocols"),
    ("event loop", "asyncio/"),
]


def profile_breakdown(path: Path) -> list[tuple[str, float]]:
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        total += int(n)
        label = "other"
        for frame in reversed(frames):
            found = next((name for name, mark in PROFILE_STEPS if mark in frame), None)
            if found:
                label = found
                break
        counts[label] += int(n)
    return [(k, round(100 * v / max(1, total), 1)) for k, v in counts.most_common()]


@contextmanager
def profiler(pid: int, out: Path | None) -> Iterator[None]:
    if out is None:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out.mkdir(parents=True, exist_ok=True)
    raw = out / f"server-{pid}.txt"
    proc = subprocess.Popen([spy, "record", "--subprocesses", "--gil", "--rate", "250",
                             "--format", "raw", "--nonblocking", "-o", str(raw),
                             "--pid", str(pid)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    try:
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
        if raw.exists():
            print(f"profile ({raw}):")
            for label, pct in profile_breakdown(raw):
                print(f"  {pct:5.1f}%  {label}")


# --- one run ---

def verify(env: dict[str, str]) -> tuple[bool, str]:
    r = subprocess.run([sys.executable, "-m", "cliffhanger.cli", "ledger", "verify"], env=env,
                       capture_output=True, text=True, timeout=600)
    lines = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, lines[-1] if lines else ""


def bench(backend: str, mode: str, client: str, clients: int, per_client: int, workers: int,
          profile: Path | None = None) -> Result:
    with database(backend) as (url, data, pg_name):
        env = env_for(url, data)
        settings = Settings(data_dir=data, database_url=url,
                            secret_key=env["CLIFFHANGER_SECRET_KEY"], queue_workers=0,
                            rate_limits_enabled=False)
        rt = install(Runtime.build(settings))
        jobs = seed(rt, clients, per_client)
        rt.db.engine.dispose()  # the seeding connections are not the bench's
        extra_server = 0.0
        split: list[int] = []
        if mode == "http":
            with server(env, workers) as (url_, pid), profiler(pid, profile):
                meter = Meter(pid, pg_name)
                latencies, errors, seconds, split = run_http(
                    url_, settings.signing_key, jobs, client, server_pid=pid, meter=meter)
        else:
            with Meter(None, pg_name) as meter:
                latencies, errors, seconds, extra_server = service_processes(
                    url, data, env, jobs, workers)
        with rt.db.session() as session:
            entitlements = session.scalar(select(func.count()).select_from(Entitlement)) or 0
        rt.close()
        ok, output = verify(env)
    ms = sorted(x * 1000 for x in latencies)
    done = len(ms) - errors
    cpu, load, machine = meter.report(done, seconds, extra_server)
    if mode == "service":
        cpu["client"] = 0.0  # the service processes are both client and server
    return Result(
        backend=backend, mode=mode, client=client if mode == "http" else "threads",
        clients=clients, unlocks=done, errors=errors,
        seconds=round(seconds, 3), unlocks_per_s=round(done / seconds, 1),
        p50_ms=round(statistics.median(ms), 2), p99_ms=round(ms[int(len(ms) * 0.99) - 1], 2),
        max_ms=round(ms[-1], 2), entitlements=int(entitlements),
        verify_ok=ok and entitlements == done + clients, verify_output=output,
        server_workers=workers, cpu_ms_per_unlock=cpu, load_avg=load, machine_cpu=machine,
        connections_per_worker=split,
    )


def line(r: Result) -> str:
    cpu = r.cpu_ms_per_unlock
    return (f"{r.backend:9s} {r.mode:7s} {r.unlocks:6d} unlocks in {r.seconds:6.2f}s "
            f"= {r.unlocks_per_s:6.1f}/s  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms  "
            f"errors {r.errors}  verify {'ok' if r.verify_ok else 'FAILED'}  "
            f"cpu/unlock server {cpu['server']:.2f} pg {cpu['postgres']:.2f} "
            f"client {cpu['client']:.2f} ms  load {r.load_avg['mean']:.1f} "
            f"(max {r.load_avg['max']:.1f})  others {r.machine_cpu['others_cpu_s']:.1f} cpu-s"
            + (f"  split {'/'.join(map(str, r.connections_per_worker))}"
               if r.connections_per_worker else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["both", "postgres", "sqlite"], default="both")
    parser.add_argument("--mode", choices=["http", "service"], default="http")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--per-client", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2,
                        help="uvicorn worker processes (http), client processes (service)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per backend; the median "
                        "run by throughput is kept")
    parser.add_argument("--profile", type=Path, help="record the server with py-spy into DIR")
    parser.add_argument("--no-write", action="store_true", help="do not update the results")
    args = parser.parse_args()
    backends = ["postgres", "sqlite"] if args.backend == "both" else [args.backend]
    kept: list[tuple[Result, list[Result]]] = []
    for backend in backends:
        runs = []
        for _ in range(args.repeat):
            result = bench(backend, args.mode, args.client, args.clients, args.per_client,
                           args.workers, args.profile)
            runs.append(result)
            print(line(result), flush=True)
            if not result.verify_ok:
                print("  ledger verify:", result.verify_output, flush=True)
        runs_by_speed = sorted(runs, key=lambda r: r.unlocks_per_s)
        kept.append((runs_by_speed[len(runs) // 2], runs))
    ok = all(r.verify_ok and r.errors == 0 for _median, runs in kept for r in runs)
    if args.no_write:
        return 0 if ok else 1
    out = ROOT / "bench" / "results" / "unlocks.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    results = previous.get("runs", {}) if isinstance(previous, dict) else {}
    for median, runs in kept:
        results[f"{median.backend}-{median.mode}"] = {
            **asdict(median),
            "repeats": [{"unlocks_per_s": r.unlocks_per_s, "p50_ms": r.p50_ms, "p99_ms": r.p99_ms,
                         "load_mean": r.load_avg["mean"], "verify_ok": r.verify_ok}
                        for r in runs],
        }
    out.write_text(json.dumps({
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "runs": results,
    }, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
