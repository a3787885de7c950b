"""The reference for the gateway bench: a proxy that only copies lines, nothing else.

    python3 bare_proxy.py SERVER-COMMAND...

One thread copies the client's lines to the server, the main thread copies the server's lines to
the client; each line is one read and one write, as cheap as a stdio proxy gets.
"""
import subprocess
import sys
import threading

server = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)


def to_server():
    for line in sys.stdin.buffer:
        server.stdin.write(line)
    server.stdin.close()


threading.Thread(target=to_server, daemon=True).start()
out = sys.stdout.buffer
for line in server.stdout:
    out.write(line)
    out.flush()
