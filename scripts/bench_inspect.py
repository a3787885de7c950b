#!/usr/bin/env python3
"""Times `mcpward inspect` of the pinned official filesystem server against the bare handshake.

Usage: scripts/bench_inspect.py [path/to/mcpward] [runs]

For each run it measures, in this order:
  raw       this script as the client: start `node server-filesystem ROOT`, `initialize`,
            `notifications/initialized`, `tools/list`, until the tools arrive (no output, no checks);
  inspect   `mcpward inspect --format json -- node server-filesystem ROOT`, process start to exit,
            and the two figures mcpward reports itself: launch to report, and the part of it
            spent in mcpward (everything but waiting for the server's answers).
Prints the median, min and max of each. Needs `npm ci --prefix tests/servers` and a release build.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(
    ROOT,
    "tests/servers/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js",
)


def raw(root):
    start = time.perf_counter()
    p = subprocess.Popen(
        ["node", SERVER, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )

    def send(msg):
        p.stdin.write((json.dumps(msg) + "\n").encode())
        p.stdin.flush()

    def answer(want):
        while True:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("server closed stdout")
            msg = json.loads(line)
            if msg.get("id") == want:
                return msg

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "bench", "version": "0"}}})
    answer(1)
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
    tools = answer(2)["result"]["tools"]
    elapsed = time.perf_counter() - start
    p.kill()
    p.wait()
    assert len(tools) > 10
    return elapsed * 1000


def inspect(mcpward, root):
    start = time.perf_counter()
    out = subprocess.run(
        [mcpward, "inspect", "--format", "json", "--", "node", SERVER, root],
        capture_output=True,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000
    if out.returncode != 0:
        raise RuntimeError(out.stderr.decode())
    timing = json.loads(out.stdout)["servers"][0]["timing"]
    return wall, timing["launch_to_report_ms"], timing["mcpward_ms"]


def show(name, values):
    print(f"{name:38} median {statistics.median(values):7.1f} ms"
          f"   min {min(values):7.1f}   max {max(values):7.1f}")


def main():
    mcpward = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/mcpward")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    with tempfile.TemporaryDirectory() as root:
        raw(root)
        inspect(mcpward, root)  # warm the page cache; not counted
        raws, walls, reports, ours = [], [], [], []
        for _ in range(runs):
            raws.append(raw(root))
            wall, report, mine = inspect(mcpward, root)
            walls.append(wall)
            reports.append(report)
            ours.append(mine)
    print(f"{runs} runs, load average {os.getloadavg()[0]:.2f}")
    show("raw handshake + tools/list", raws)
    show("mcpward inspect, process start to exit", walls)
    show("mcpward inspect, launch to report", reports)
    show("  of which in mcpward", ours)


if __name__ == "__main__":
    main()
