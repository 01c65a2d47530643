# Runs cwltool through the long-lived cwltool (cwltool-forkserver.py), as `cwltool ARGS` would run:
# same arguments, working directory, environment, stdin/stdout/stderr (handed over), and exit
# status. SIGTERM and SIGINT are passed on to the run, so cwltool stops its containers as it does
# when signalled itself; if this process is killed outright, the server kills the run.
# Started with `python3 -S -E` (no site packages): its own start-up is a few milliseconds.
#
# usage: python3 -S -E cwltool-client.py SOCKET cwltool ARGS...
import json
import os
import signal
import socket
import sys

sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    sock.connect(sys.argv[1])
except OSError as e:
    sys.stderr.write(f"the long-lived cwltool at {sys.argv[1]} does not answer: {e}\n")
    sys.exit(70)
request = {"argv": sys.argv[2:], "cwd": os.getcwd(), "env": dict(os.environ)}
sock.sendmsg([json.dumps(request).encode() + b"\n"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes(memoryview(__import__("array").array("i", [0, 1, 2]))))])


def forward(signum, _frame):
    try:
        sock.sendall(json.dumps({"signal": signum}).encode() + b"\n")
    except OSError:
        pass


signal.signal(signal.SIGTERM, forward)
signal.signal(signal.SIGINT, forward)
buffer = b""
while True:
    try:
        chunk = sock.recv(4096)
    except InterruptedError:
        continue
    if not chunk:
        sys.stderr.write("the long-lived cwltool ended before the run did\n")
        sys.exit(70)
    buffer += chunk
    while b"\n" in buffer:
        line, buffer = buffer.split(b"\n", 1)
        message = json.loads(line)
        if "exit" in message:
            sys.exit(int(message["exit"]))
