#!/usr/bin/env python3
"""System calls made by `mcpward run`'s own threads per relayed call (issue: gateway hot path).

Starts `mcpward run` in front of the pinned official filesystem server, warms up, attaches
`strace -c -f` to the gateway process only (its threads; the server child was started before
the attach, so it is not traced), relays N sequential `read_text_file` calls of a 1 KB file, and
prints the count per call with the per-syscall breakdown. Needs strace and the pinned servers
(`npm ci --prefix tests/servers`).

    python3 scripts/gateway-syscalls.py [--calls N] [--mcpward target/release/mcpward] [--no-log]
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--mcpward", default=os.path.join(ROOT, "target/release/mcpward"))
    ap.add_argument("--no-log", action="store_true", help="send the audit log to /dev/null's directory? no: a log is always written; this flag is kept for comparison runs")
    args = ap.parse_args()
    server = os.path.join(
        ROOT, "tests/servers/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        with open(os.path.join(root, "small.txt"), "w") as f:
            f.write("x" * 1024)
        state = os.path.join(root, ".state")
        proc = subprocess.Popen(
            [args.mcpward, "run", "--state-dir", state, "--", "node", server, root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        next_id = [0]

        def call(method, params):
            next_id[0] += 1
            msg = {"jsonrpc": "2.0", "id": next_id[0], "method": method, "params": params}
            proc.stdin.write((json.dumps(msg) + "\n").encode())
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                if not line:
                    sys.exit("the gateway closed its output")
                reply = json.loads(line)
                if reply.get("id") == next_id[0]:
                    return reply

        call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                            "clientInfo": {"name": "syscalls", "version": "0"}})
        proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
        proc.stdin.flush()
        call("tools/list", {})
        read = {"name": "read_text_file", "arguments": {"path": os.path.join(root, "small.txt")}}
        for _ in range(300):
            call("tools/call", read)
        out = os.path.join(root, "strace.txt")
        tracer = subprocess.Popen(["strace", "-c", "-f", "-p", str(proc.pid), "-o", out],
                                  stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        for _ in range(args.calls):
            call("tools/call", read)
        tracer.send_signal(signal.SIGINT)
        tracer.wait()
        proc.stdin.close()
        proc.wait(timeout=10)
        total = 0
        rows = []
        with open(out) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 5 and parts[0].replace(".", "").isdigit() and parts[-1] != "total":
                    calls = int(parts[3])
                    name = parts[-1]
                    rows.append((calls, name))
                    total += calls
        print(f"{total / args.calls:.2f} system calls per call ({total} over {args.calls} calls)")
        for calls, name in sorted(rows, reverse=True):
            print(f"  {name:<16} {calls / args.calls:6.2f}")


if __name__ == "__main__":
    main()
