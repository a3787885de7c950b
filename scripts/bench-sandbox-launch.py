#!/usr/bin/env python3
"""Launch-to-initialize time of `mcpward run` with and without `--sandbox`.

Usage: scripts/bench-sandbox-launch.py MCPWARD SERVER [ARGS...] [--runs N]

Starts `MCPWARD run [--sandbox] -- SERVER ARGS` N times each (alternating, first run of each
discarded), sends `initialize`, and times from spawn to the first byte of the response.
Prints median and p90 for both and the median difference.
"""
import json, os, statistics, subprocess, sys, tempfile, time

def once(mcpward, server, sandbox, state):
    cmd = [mcpward, "run", "--state-dir", state] + (["--sandbox"] if sandbox else []) + ["--"] + server
    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                  "clientInfo": {"name": "bench", "version": "0"}}}) + "\n"
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(init.encode()); p.stdin.flush()
    line = p.stdout.readline()
    elapsed = time.perf_counter() - start
    assert b'"result"' in line, line
    p.stdin.close(); p.wait()
    return elapsed * 1000

def main():
    args = sys.argv[1:]
    runs = 30
    if "--runs" in args:
        i = args.index("--runs"); runs = int(args[i + 1]); del args[i:i + 2]
    mcpward, server = args[0], args[1:]
    with tempfile.TemporaryDirectory() as state:
        res = {False: [], True: []}
        for i in range(runs + 1):
            for sb in (False, True):
                t = once(mcpward, server, sb, state)
                if i > 0:
                    res[sb].append(t)
    for sb in (False, True):
        xs = sorted(res[sb])
        print(f"{'--sandbox' if sb else 'plain    '}: median {statistics.median(xs):.2f} ms, p90 {xs[int(len(xs)*0.9)-1]:.2f} ms ({len(xs)} runs)")
    print(f"added by --sandbox (median): {statistics.median(res[True]) - statistics.median(res[False]):.2f} ms")

main()
