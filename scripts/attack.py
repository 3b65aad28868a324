#!/usr/bin/env python3
"""Attacks the release binary over loopback and reports what it held and how fast it cut.

    scripts/attack.py BINARY [--quick] [--only NAME,...] [--json FILE]

Runs each attack against a fresh server, while a well-behaved client calls the main call
every 50 ms on connections of its own, and checks that the server closes or refuses what it
should, keeps answering that client (200, or a quick 503 when the memory budget is full), and
answers every request it took:

  silent       connections that send nothing: 408 and closed at the header timeout
  head-trickle heads sent a line a second: 408 and closed at the header timeout
  body-trickle bodies sent a byte at a time: 408 at the request timeout
  idle         keep-alive connections left idle: closed at the idle timeout
  flood        far more connections than --max-connections: descriptors stay under the cap,
               new clients still get in
  bodies       64 connections each sending a 15 MiB global snapshot and holding back its last
               MiB, at the default budget: RSS (VmRSS sampled, VmHWM) against the budget
  cgroup       the same 64 bodies with the server alone in a 256 MiB memory cgroup and default
               flags (the budget derived from the limit): no OOM kill, peak memory under the
               limit. Needs root and a memory controller (cgroup v1 or v2); skipped with a
               message otherwise.

Every attack is bounded in connections and time; everything is on 127.0.0.1. Standard library
only. Prints a table of figures; exits 1 if any check fails.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MIB = 1 << 20
FAILURES = []
FIGURES = {}


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print(f"    FAIL: {message}", flush=True)
    return condition


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The binary serving on a free port, optionally inside a memory cgroup."""

    def __init__(self, binary, flags=(), cgroup=None):
        self.port = free_port()
        argv = [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--log-format", "json", *flags]
        env = dict(os.environ, RUST_LOG="info")
        self.log = tempfile.TemporaryFile(mode="w+")
        preexec = cgroup.enter if cgroup else None
        self.process = subprocess.Popen(argv, env=env, stderr=self.log, stdout=subprocess.DEVNULL, preexec_fn=preexec)
        self.pid = self.process.pid
        self.serving = self._wait_serving()

    def _wait_serving(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start: {self.logs()[-2000:]}")
            for line in self.logs().splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("message") == "serving":
                    return event
            time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def logs(self):
        self.log.seek(0)
        return self.log.read()

    def status(self, key):
        """A /proc/PID/status field in KiB (VmRSS, VmHWM), or 0 once the process is gone."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def open_files(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return 0

    def metrics(self):
        text = http_get(self.port, "/metrics")[1]
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                try:
                    values[name] = float(value)
                except ValueError:
                    pass
        return values

    def stop(self):
        """SIGTERM, and the exit status (None if it had to be killed)."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def http_get(port, path, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
    return status, body.decode(errors="replace")


def parse_head(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        headers[name.lower()] = value
    return status, headers, body


async def read_until_closed(reader, limit):
    """Everything the server sends before it closes (or resets), and how long that took."""
    started = time.monotonic()
    data = b""
    try:
        async with asyncio.timeout(limit):
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                data += chunk
    except (ConnectionError, OSError):
        pass
    except TimeoutError:
        return None, data
    return time.monotonic() - started, data


async def read_answer(reader, limit):
    """One answer on a connection that may stay open: its head, then content-length bytes."""
    data = b""
    async with asyncio.timeout(limit):
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                return parse_head(data) if data else (0, {}, b"")
            data += chunk
            if b"\r\n\r\n" in data:
                status, headers, body = parse_head(data)
                if len(body) >= int(headers.get("content-length", "0")):
                    return status, headers, body


class WellBehaved:
    """The main call every 50 ms on a fresh connection, through every attack."""

    def __init__(self, port, body):
        self.port, self.body = port, body
        self.results = []
        self.task = None

    async def run(self):
        request = (
            "POST /v1/presets/reconcile?now=2025-06-02T12:00:00Z HTTP/1.1\r\nHost: t\r\n"
            f"Content-Type: application/json\r\nConnection: close\r\nContent-Length: {len(self.body)}\r\n\r\n"
        ).encode() + self.body
        while True:
            started = time.monotonic()
            try:
                async with asyncio.timeout(30):
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    writer.write(request)
                    await writer.drain()
                    status, _, _ = await read_answer(reader, 30)
                    writer.close()
            except (OSError, TimeoutError) as error:
                status = f"error: {error!r}"
            self.results.append((status, time.monotonic() - started))
            await asyncio.sleep(0.05)

    def start(self):
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self):
        self.task.cancel()
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        statuses = [status for status, _ in self.results]
        latencies = sorted(latency for _, latency in self.results)
        ok = sum(1 for s in statuses if s == 200)
        shed = [l for (s, l) in self.results if s == 503]
        bad = [s for s in statuses if s not in (200, 503)]
        p50 = latencies[len(latencies) // 2] if latencies else 0
        worst = latencies[-1] if latencies else 0
        return {
            "calls": len(statuses),
            "ok": ok,
            "shed": len(shed),
            "bad": bad[:5],
            "p50_ms": round(p50 * 1000, 1),
            "max_ms": round(worst * 1000, 1),
            "slowest_503_ms": round(max(shed) * 1000, 1) if shed else None,
        }


def main_body():
    body = json.loads((REPO / "benches" / "body.json").read_text())
    return json.dumps(body, separators=(",", ":")).encode()


async def with_client(server, attack):
    client = WellBehaved(server.port, main_body())
    client.start()
    try:
        result = await attack()
    finally:
        served = await client.stop()
    check(served["calls"] > 0, "the well-behaved client made calls")
    check(not served["bad"], f"the well-behaved client got only 200 or 503: {served['bad']}")
    check(served["ok"] > 0, "the well-behaved client was served")
    if served["slowest_503_ms"] is not None:
        check(served["slowest_503_ms"] < 2000, f"a 503 comes quickly: {served['slowest_503_ms']} ms")
    return result, served


def report(name, figures, served):
    FIGURES[name] = {**figures, "well_behaved": served}
    shown = ", ".join(f"{k} {v}" for k, v in figures.items())
    print(f"  {name}: {shown}", flush=True)
    print(
        f"    well-behaved client: {served['calls']} calls, {served['ok']} x 200, {served['shed']} x 503,"
        f" p50 {served['p50_ms']} ms, max {served['max_ms']} ms",
        flush=True,
    )


# ---- attacks -------------------------------------------------------------------------------


async def silent(binary, connections=500, timeout="2s"):
    server = Server(binary, ["--header-read-timeout", timeout])

    async def one(index):
        # Opened over a second, not in one burst: a burst of SYNs larger than the listen
        # backlog is the kernel's to queue or drop (a dropped handshake is retried 1, 3, 7, ...
        # seconds later), which would time the kernel, not the server. Each connection is timed
        # from its handshake.
        await asyncio.sleep(index / connections)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        elapsed, data = await read_until_closed(reader, 30)
        writer.close()
        return elapsed, data

    async def attack():
        results = await asyncio.gather(*(one(index) for index in range(connections)))
        held = connections
        times = sorted(t for t, _ in results if t is not None)
        answered = sum(1 for _, data in results if data.startswith(b"HTTP/1.1 408"))
        return {"connections": connections, "held_fds": held, "times": times, "answered_408": answered}

    result, served = await with_client(server, attack)
    times = result["times"]
    check(len(times) == connections, f"every silent connection is closed ({len(times)}/{connections})")
    check(result["answered_408"] == connections, f"each is answered 408 ({result['answered_408']})")
    check(
        times and 1.9 < times[0] and times[-1] < 2 + 1,
        f"cut at the 2s header timeout ({times[0] if times else None:.2f}..{times[-1] if times else None:.2f}s)",
    )
    report(
        "silent",
        {
            "connections": connections,
            "header_timeout": timeout,
            "cut_after_s": f"{times[0]:.2f}..{times[-1]:.2f}" if times else None,
            "answered_408": result["answered_408"],
        },
        served,
    )
    check(server.stop() == 0, "silent: the server exits 0 on SIGTERM")


async def trickled(server, opening, pieces, every):
    """Sends `opening`, then one of `pieces` every `every` seconds until the server closes the
    connection: how long that took from the connection's start, and what it sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = time.monotonic()
    writer.write(opening)

    async def trickle():
        for piece in pieces:
            await asyncio.sleep(every)
            try:
                writer.write(piece)
                await writer.drain()
            except (ConnectionError, OSError):
                return

    trickling = asyncio.create_task(trickle())
    _, data = await read_until_closed(reader, 30)
    trickling.cancel()
    writer.close()
    return time.monotonic() - started, data


async def head_trickle(binary, connections=200, timeout="3s"):
    server = Server(binary, ["--header-read-timeout", timeout])

    lines = [f"X-Slow-{i}: yes\r\n".encode() for i in range(60)]

    async def attack():
        opening = b"POST /v1/presets/reconcile HTTP/1.1\r\n"
        return await asyncio.gather(*(trickled(server, opening, lines, 1) for _ in range(connections)))

    results, served = await with_client(server, attack)
    times = sorted(t for t, _ in results)
    answered = sum(1 for _, data in results if data.startswith(b"HTTP/1.1 408"))
    check(answered == connections, f"every trickled head gets 408 ({answered}/{connections})")
    check(times[-1] < 3 + 3, f"cut by the 3s header timeout (slowest {times[-1]:.2f}s)")
    report(
        "head-trickle",
        {"connections": connections, "header_timeout": timeout, "cut_after_s": f"{times[0]:.2f}..{times[-1]:.2f}"},
        served,
    )
    check(server.stop() == 0, "head-trickle: the server exits 0 on SIGTERM")


async def body_trickle(binary, connections=100, timeout="3s"):
    server = Server(binary, ["--request-timeout", timeout])
    body = main_body()

    head = (
        "POST /v1/presets/reconcile HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    byte_by_byte = [bytes([byte]) for byte in body]

    async def attack():
        return await asyncio.gather(*(trickled(server, head, byte_by_byte, 0.2) for _ in range(connections)))

    results, served = await with_client(server, attack)
    times = sorted(t for t, _ in results)
    answered = sum(1 for _, data in results if data.startswith(b"HTTP/1.1 408"))
    check(answered == connections, f"every trickled body gets 408 ({answered}/{connections})")
    check(times[-1] < 3 + 3, f"at the 3s request timeout (slowest {times[-1]:.2f}s)")
    report(
        "body-trickle",
        {"connections": connections, "request_timeout": timeout, "408_after_s": f"{times[0]:.2f}..{times[-1]:.2f}"},
        served,
    )
    check(server.stop() == 0, "body-trickle: the server exits 0 on SIGTERM")


async def idle(binary, connections=300, timeout="3s"):
    server = Server(binary, ["--idle-timeout", timeout])

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        status, _, _ = await read_answer(reader, 10)
        elapsed, data = await read_until_closed(reader, 30)
        writer.close()
        return status, elapsed, data

    async def attack():
        return await asyncio.gather(*(one() for _ in range(connections)))

    results, served = await with_client(server, attack)
    times = sorted(t for _, t, _ in results if t is not None)
    check(all(s == 200 for s, _, _ in results), "each idle connection's request was answered")
    check(len(times) == connections, f"every idle connection is closed ({len(times)}/{connections})")
    check(times and 2.5 < times[0] and times[-1] < 3 + 3, f"at the 3s idle timeout ({times[0]:.2f}..{times[-1]:.2f}s)")
    report(
        "idle",
        {"connections": connections, "idle_timeout": timeout, "closed_after_s": f"{times[0]:.2f}..{times[-1]:.2f}"},
        served,
    )
    check(server.stop() == 0, "idle: the server exits 0 on SIGTERM")


async def flood(binary, connections=2000, cap=256):
    server = Server(binary, ["--max-connections", str(cap), "--header-read-timeout", "5s"])
    baseline = server.open_files()

    async def attack():
        opened, refused = [], 0
        peak = baseline

        async def watch():
            nonlocal peak
            while True:
                peak = max(peak, server.open_files())
                await asyncio.sleep(0.02)

        watching = asyncio.create_task(watch())
        async def connect():
            try:
                return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", server.port), 20)
            except (OSError, TimeoutError):
                return None

        for attempt in await asyncio.gather(*(connect() for _ in range(connections))):
            if attempt is None:
                refused += 1
            else:
                opened.append(attempt)
        started = time.monotonic()
        status = await asyncio.to_thread(http_get, server.port, "/healthz", 60)
        got_in = time.monotonic() - started
        results = await asyncio.gather(*(read_until_closed(r, 60) for r, _ in opened))
        watching.cancel()
        for _, w in opened:
            w.close()
        return {
            "peak_fds": peak,
            "refused_at_connect": refused,
            "new_client": status[0],
            "new_client_in_s": got_in,
            "closed": sum(1 for t, _ in results if t is not None),
            "opened": len(opened),
        }

    result, served = await with_client(server, attack)
    metrics = server.metrics()
    check(result["peak_fds"] <= baseline + cap + 8, f"descriptors stay under the cap: {result['peak_fds']} (baseline {baseline}, cap {cap})")
    check(result["new_client"] == 200, "a new client gets in during the flood")
    check(result["closed"] == result["opened"], f"every flooding connection is closed ({result['closed']}/{result['opened']})")
    check(metrics.get("http_connections_at_cap_total", 0) >= 1, "the cap was reached and counted")
    report(
        "flood",
        {
            "connections": connections,
            "cap": cap,
            "peak_fds": f"{result['peak_fds']} (baseline {baseline})",
            "new_client_in_s": round(result["new_client_in_s"], 2),
            "gave_way_at_cap": int(metrics.get('http_connections_closed_by_server_total{reason="at_cap"}', 0)),
        },
        served,
    )
    check(server.stop() == 0, "flood: the server exits 0 on SIGTERM")


def global_body(mib):
    """A global snapshot of about `mib` MiB, as Coder writes it (benches/bodies.py)."""
    presets = int(mib * MIB / 3475)
    out = subprocess.run(
        [sys.executable, str(REPO / "benches" / "bodies.py"), "global", str(presets)], check=True, capture_output=True
    )
    return out.stdout.rstrip(b"\n")


async def bodies(binary, body, name="bodies", connections=64, cgroup=None, flags=()):
    server = Server(binary, ["--request-timeout", "120s", *flags], cgroup=cgroup)
    budget = server.serving["memory_budget_bytes"]
    idle_rss = server.status("VmRSS")
    held_back = MIB
    path = "/v1/global/reconcile?now=2025-06-02T12:00:00Z"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    samples = []

    async def sample():
        while True:
            samples.append(server.status("VmRSS"))
            await asyncio.sleep(0.02)

    holding = 0
    everyone_holding = asyncio.Event()

    def holds():
        nonlocal holding
        holding += 1
        if holding == connections:
            everyone_holding.set()

    async def one(release):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        started = time.monotonic()
        answered_at = None

        def answered(_):
            nonlocal answered_at
            answered_at = time.monotonic()

        answer = asyncio.create_task(read_answer(reader, 180))
        answer.add_done_callback(answered)
        writer.write(head)
        sent = 0
        try:
            while sent < len(body) - held_back and not answer.done():
                end = min(sent + 256 * 1024, len(body) - held_back)
                writer.write(body[sent:end])
                sent = end
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        holds()
        if not answer.done():
            await release.wait()
            try:
                writer.write(body[len(body) - held_back :])
                await writer.drain()
            except (ConnectionError, OSError):
                pass
        try:
            status = (await answer)[0]
        except (ConnectionError, OSError, TimeoutError) as error:
            status = f"error: {error!r}"
        writer.close()
        # 200: taken and answered; 503: refused, at once, its body unread.
        return ("taken" if status == 200 else "refused", status, answered_at - started if answered_at else None)

    async def attack():
        sampling = asyncio.create_task(sample())
        release = asyncio.Event()
        tasks = [asyncio.create_task(one(release)) for _ in range(connections)]
        # Every connection has sent all but its last MiB, or been refused; then a moment to
        # let the server read what it took.
        async with asyncio.timeout(120):
            await everyone_holding.wait()
        await asyncio.sleep(1)
        used = server.metrics().get("prebuild_decider_memory_budget_used_bytes", 0)
        holding_rss = max(samples)
        release.set()
        results = await asyncio.gather(*tasks)
        sampling.cancel()
        return results, used, holding_rss

    (results, used, holding_rss), served = await with_client(server, attack)
    alive = server.process.poll() is None
    hwm = server.status("VmHWM")
    peak = max(max(samples, default=0), hwm)
    taken = [r for r in results if r[0] == "taken"]
    refused = [r for r in results if r[0] == "refused"]
    check(alive, f"{name}: the server is still running")
    check(all(s == 200 for _, s, _ in taken), f"{name}: every body taken is answered 200: {[s for _, s, _ in taken if s != 200][:3]}")
    check(all(s == 503 for _, s, _ in refused), f"{name}: every body refused is answered 503: {[s for _, s, _ in refused if s != 503][:3]}")
    check(len(taken) >= 1, f"{name}: at least one large body is taken")
    check(used <= budget, f"{name}: no more charged than the budget ({used} > {budget})")
    slowest_refusal = max((t or 0 for _, _, t in refused), default=0)
    check(slowest_refusal < 2, f"{name}: each refusal comes at once ({slowest_refusal:.2f}s)")
    figures = {
        "body_mib": round(len(body) / MIB, 1),
        "budget_mib": round(budget / MIB, 1),
        "budget_from": server.serving["memory_budget_from"][:40],
        "taken": len(taken),
        "refused_503": len(refused),
        "slowest_503_s": round(slowest_refusal, 2),
        "charged_mib": round(used / MIB, 1),
        "idle_rss_mib": round(idle_rss / 1024, 1),
        "rss_holding_mib": round(holding_rss / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_above_idle_per_budget": round((peak - idle_rss) * 1024 / budget, 2),
    }
    check(
        (peak - idle_rss) * 1024 <= budget,
        f"{name}: peak RSS above idle ({(peak - idle_rss) / 1024:.0f} MiB) stays within the budget ({budget / MIB:.0f} MiB)",
    )
    if cgroup:
        figures.update(cgroup.figures())
        check(cgroup.oom_kills() == 0, f"{name}: no OOM kill in the cgroup")
    report(name, figures, served)
    exit_status = server.stop()
    check(exit_status == 0, f"{name}: the server exits 0 on SIGTERM (got {exit_status})")


class Cgroup:
    """A memory cgroup with a limit, for the server alone (v1 or v2, whichever has memory)."""

    def __init__(self, limit):
        self.limit = limit
        name = f"prebuild-decider-attack-{os.getpid()}"
        v1 = Path("/sys/fs/cgroup/memory")
        v2 = Path("/sys/fs/cgroup")
        if (v1 / "memory.limit_in_bytes").exists():
            self.version, self.path = 1, v1 / name
            self.path.mkdir()
            (self.path / "memory.limit_in_bytes").write_text(str(limit))
            swap = self.path / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(limit))
        elif "memory" in (v2 / "cgroup.controllers").read_text().split():
            self.version, self.path = 2, v2 / name
            self.path.mkdir()
            try:
                # memory.max exists only when the parent hands the controller down.
                (self.path / "memory.max").write_text(str(limit))
                if (self.path / "memory.swap.max").exists():
                    (self.path / "memory.swap.max").write_text("0")
            except OSError:
                self.path.rmdir()
                raise
        else:
            raise RuntimeError("no memory controller")

    def enter(self):
        """Runs in the child before exec: moves it into the group."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self):
        file = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return int((self.path / file).read_text())
        except (OSError, ValueError):
            return 0

    def oom_kills(self):
        file = "memory.oom_control" if self.version == 1 else "memory.events"
        for line in (self.path / file).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def figures(self):
        return {
            "cgroup": f"v{self.version} {self.limit // MIB} MiB",
            "cgroup_peak_mib": round(self.peak() / MIB, 1),
            "oom_kills": self.oom_kills(),
        }

    def remove(self):
        for _ in range(50):
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def memory_cgroup_available():
    if os.geteuid() != 0:
        return "not root"
    if Path("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists():
        return None
    controllers = Path("/sys/fs/cgroup/cgroup.controllers")
    if controllers.exists() and "memory" in controllers.read_text().split():
        return None
    return "no memory cgroup controller (v1 or v2) is mounted"


ATTACKS = ["silent", "head-trickle", "body-trickle", "idle", "flood", "bodies", "cgroup"]


async def run(binary, quick, only):
    print(f"# binary: {binary}", flush=True)
    print(f"# machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    scale = 0.25 if quick else 1
    if "silent" in only:
        await silent(binary, connections=int(500 * scale))
    if "head-trickle" in only:
        await head_trickle(binary, connections=int(200 * scale))
    if "body-trickle" in only:
        await body_trickle(binary, connections=int(100 * scale))
    if "idle" in only:
        await idle(binary, connections=int(300 * scale))
    if "flood" in only:
        await flood(binary, connections=int(2000 * scale), cap=int(256 * scale))
    if "bodies" not in only and "cgroup" not in only:
        return
    body = global_body(15)
    if "bodies" in only:
        await bodies(binary, body, connections=int(64 * scale) if quick else 64)
    if "cgroup" not in only:
        return
    why_not = memory_cgroup_available()
    if why_not:
        print(f"  cgroup: SKIPPED ({why_not}); run as root on a machine with a memory controller", flush=True)
        FIGURES["cgroup"] = {"skipped": why_not}
    else:
        try:
            group = Cgroup(256 * MIB)
        except (OSError, RuntimeError) as error:
            print(f"  cgroup: SKIPPED (cannot make a memory cgroup here: {error})", flush=True)
            FIGURES["cgroup"] = {"skipped": str(error)}
            return
        try:
            await bodies(binary, body, name="cgroup", connections=64, cgroup=group)
        finally:
            group.remove()


def raise_open_files_limit():
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main():
    raise_open_files_limit()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--quick", action="store_true", help="a quarter of the connections")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--only", default=",".join(ATTACKS), help="attacks to run, comma-separated")
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(ATTACKS)
    if unknown:
        parser.error(f"unknown attacks: {', '.join(sorted(unknown))} (known: {', '.join(ATTACKS)})")
    asyncio.run(run(args.binary, args.quick, only))
    if args.json:
        Path(args.json).write_text(json.dumps(FIGURES, indent=2) + "\n")
    if FAILURES:
        print(f"\n{len(FAILURES)} check(s) failed:", flush=True)
        for failure in FAILURES:
            print(f"  - {failure}")
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
