"""Load generators for the HTTP benchmark: wrk when it is installed, else a small Python one.

Both keep a fixed number of keep-alive connections busy for a fixed time,
each connection sending its next request as soon as the previous answer is
read, and report requests per second, p50 and p99. The Python generator runs
in its own process (``python -m benchmarks.http_load``) so that it never
shares an interpreter with the server it measures; given several URLs, each
connection takes them in turn, so that they are measured under the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

__all__ = ["Round", "available_tool", "parse_wrk", "python_rounds", "run_round"]


@dataclass(frozen=True)
class Round:
    """One fixed-duration burst of load against one URL."""

    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers and socket errors


def available_tool(choice: str = "auto") -> str:
    """``"wrk"`` when asked for or found on PATH (with ``"auto"``), else ``"python"``."""
    if choice == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("--load-generator wrk: wrk is not on PATH")
    if choice == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return choice


def run_round(
    tool: str, url: str, headers: dict[str, str], concurrency: int, duration: float
) -> Round:
    """Load ``url`` with ``concurrency`` connections for ``duration`` seconds."""
    if tool == "wrk":
        return _wrk(url, headers, concurrency, duration)
    return python_rounds([url], headers, concurrency, duration)[0]


# wrk prints whole seconds for -d; a fractional duration is rounded up to at least one.
def _wrk(url: str, headers: dict[str, str], concurrency: int, duration: float) -> Round:
    command = ["wrk", "--latency", "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run([*command, url], check=True, capture_output=True, text=True)
    return parse_wrk(done.stdout)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"wrk printed a latency it is not known to print: {value!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> Round:
    """Read requests, seconds, p50, p99 and errors from ``wrk --latency`` output."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)
    if totals is None or p50 is None or p99 is None:
        raise ValueError(f"unexpected wrk output:\n{output}")
    requests = int(totals[1])
    seconds = _ms(totals[2] + totals[3]) / 1000
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx[1])
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(socket[n]) for n in range(1, 5))
    return Round(
        requests=requests,
        seconds=round(seconds, 3),
        requests_per_s=round(requests / seconds, 2),
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
        errors=errors,
    )


async def _read_answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer whole; return its status."""
    status = int((await reader.readuntil(b"\r\n")).split(b" ", 2)[1])
    length = 0
    chunked = False
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        await reader.readexactly(length)
        return status
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        await reader.readexactly(size + 2)
    await reader.readuntil(b"\r\n")
    return status


class _Tally:
    """The latencies and statuses of the answers from one URL."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()

    def round(self, seconds: float) -> Round:
        values = sorted(self.latencies)
        if not values:
            raise RuntimeError(f"no answer in {seconds:.1f} s")
        return Round(
            requests=len(values),
            seconds=round(seconds, 3),
            requests_per_s=round(len(values) / seconds, 2),
            p50_ms=round(values[len(values) // 2] * 1000, 3),
            p99_ms=round(values[min(len(values) - 1, int(len(values) * 0.99))] * 1000, 3),
            errors=sum(n for status, n in self.statuses.items() if not 200 <= status < 300),
        )


async def _connection(
    host: str, port: int, requests: list[bytes], first: int, deadline: float, tallies: list[_Tally]
) -> None:
    """Send the requests in turn, starting with ``first``, each as soon as the last is answered."""
    reader, writer = await asyncio.open_connection(host, port)
    turn = first
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(requests[turn])
            status = await _read_answer(reader)
            tallies[turn].latencies.append(time.perf_counter() - started)
            tallies[turn].statuses[status] += 1
            turn = (turn + 1) % len(requests)
    finally:
        writer.close()
        await writer.wait_closed()


def _request(url: str, headers: dict[str, str]) -> bytes:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _load(
    urls: list[str], headers: dict[str, str], concurrency: int, duration: float
) -> list[Round]:
    """Load one server: every connection takes the URLs in turn; one round per URL."""
    servers = {urlsplit(url).netloc for url in urls}
    if len(servers) != 1:
        raise ValueError(f"one server at a time, not {sorted(servers)}")
    parts = urlsplit(urls[0])
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [_request(url, headers) for url in urls]
    tallies = [_Tally() for _ in urls]
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(
            _connection(host, port, requests, n % len(urls), deadline, tallies)
            for n in range(concurrency)
        )
    )
    seconds = time.perf_counter() - started
    return [tally.round(seconds) for tally in tallies]


def python_rounds(
    urls: list[str], headers: dict[str, str], concurrency: int, duration: float
) -> list[Round]:
    """Run the Python generator in its own process; one round per URL, taken in turn."""
    command = [sys.executable, "-m", "benchmarks.http_load", *urls]
    command += ["--concurrency", str(concurrency), "--duration", str(duration)]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return [Round(**fields) for fields in json.loads(done.stdout)]


def main(argv: Sequence[str] | None = None) -> int:
    """Load the URLs and print one round per URL as a JSON list."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_load", description=__doc__)
    parser.add_argument("url", nargs="+", help="several URLs of one server are taken in turn")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--header", action="append", default=[], help='"Name: value"')
    args = parser.parse_args(argv)
    headers = {
        name.strip(): value.strip()
        for name, value in (header.split(":", 1) for header in args.header)
    }
    rounds = asyncio.run(_load(args.url, headers, args.concurrency, args.duration))
    print(json.dumps([asdict(result) for result in rounds]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
