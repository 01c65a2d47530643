# A long-lived cwltool: imports cwltool and loads the CWL schemas once, then forks a child per run,
# so a run skips Python's start-up, cwltool's imports and the schema loading (about 2 s of every
# `cwltool` start on this kind of machine). Clients (cwltool-client.py) connect to its unix socket,
# hand over their stdin, stdout and stderr and send the run's argv, working directory and
# environment; the child runs cwltool as the `cwltool` script does (cwltool.main.run()), as the
# client's own user and group (read from the socket: SO_PEERCRED), and its exit status goes back.
# A signal the client forwards reaches the child's process group; a client that disappears takes
# its child down (SIGKILL), and this server ends with the process that started it.
#
# usage: python3 cwltool-forkserver.py SOCKET   (prints "ready" once it accepts runs)
import ctypes
import json
import os
import selectors
import signal
import socket
import struct
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig=signal.SIGTERM):
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except Exception:
        pass


die_with_parent()
import cwltool.main  # noqa: E402  (the point of this server: imported once)
from cwltool.process import get_schema  # noqa: E402

for version in ("v1.0", "v1.1", "v1.2"):
    get_schema(version)


import cwltool.docker  # noqa: E402
import cwltool.job  # noqa: E402
import cwltool.utils  # noqa: E402


def _docker_monitor(self, cidfile, tmpdir_prefix, cleanup_cidfile, docker_exe, process):
    """cwltool 3.1's ContainerCommandLineJob.docker_monitor without its measuring: it sleeps a whole
    second before looking for the container, then runs `docker stats` beside every step, streaming
    the engine's cgroup statistics for a log line ("Max memory used") the server does not read.
    With several runs in flight on a small node those stats processes cost more CPU than cwltool
    itself. The step still ends when its container does; its cidfile is removed as cwltool would."""
    process.wait()
    if cleanup_cidfile:
        try:
            os.remove(cidfile)
        except OSError:
            pass


def _engine_has_image(ref):
    """Whether the Docker engine (its unix socket: DOCKER_HOST, or the default) holds the image `ref`
    (Docker's own name rules: an untagged name is :latest), asked over its API; None when it cannot
    be asked (another kind of DOCKER_HOST, no engine), for cwltool to find out its own way."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return None
    import http.client
    import urllib.parse

    class UnixConnection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(host[len("unix://"):])

    try:
        conn = UnixConnection("localhost")
        conn.request("GET", "/images/" + urllib.parse.quote(ref, safe="/:@") + "/json")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return None
    return True if status == 200 else False if status == 404 else None


_get_image = cwltool.docker.DockerCommandLineJob.get_image


def get_image(self, docker_requirement, pull_image, force_pull, tmp_outdir_prefix):
    """cwltool 3.1's get_image, but finding an image the engine already has with one API request:
    cwltool lists every image on the engine (`docker images --all`) for each step of each run,
    a process and a listing that grow with the engine's images. Anything else (a pull, a build, a
    load, an image id) is left to cwltool."""
    ref = docker_requirement.get("dockerPull")
    if ref and not force_pull and "dockerImageId" not in docker_requirement and _engine_has_image(ref):
        docker_requirement["dockerImageId"] = ref
        return True
    return _get_image(self, docker_requirement, pull_image, force_pull, tmp_outdir_prefix)


cwltool.docker.DockerCommandLineJob.get_image = get_image


def terminate_running():
    """cwltool.main._terminate_processes for the steps still running: it sends `docker kill` for
    every step a run started, finished or not (each a process of its own, and an "Error response
    from daemon: … No such container" in the log of every run that ended well)."""
    remaining = [p for p in cwltool.utils.processes_to_kill if p.poll() is None]
    cwltool.utils.processes_to_kill.clear()
    cwltool.utils.processes_to_kill.extend(remaining)
    cwltool.main._terminate_processes()


if hasattr(cwltool.job.ContainerCommandLineJob, "docker_monitor"):
    cwltool.job.ContainerCommandLineJob.docker_monitor = _docker_monitor

path = sys.argv[1]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
# Any local user may connect: a run is always its own user's (peer credentials), never this server's.
os.chmod(path, 0o666)
listener.listen(64)
listener.setblocking(False)

sel = selectors.DefaultSelector()
wake_r, wake_w = os.pipe()
os.set_blocking(wake_r, False)
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)
sel.register(listener, selectors.EVENT_READ, "accept")
sel.register(wake_r, selectors.EVENT_READ, "child")

children = {}  # pid -> connection
by_conn = {}  # connection -> pid
buffers = {}  # connection -> bytes read so far
pending = {}  # connection -> descriptors received before its request line was complete


def start(conn, fds, request):
    uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))[1:]
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setpgid(0, 0)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd, target in zip(fds, (0, 1, 2)):
                os.dup2(fd, target)
            listener.close()
            os.chdir(request["cwd"])
            if os.getuid() == 0 and uid != 0:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            die_with_parent(signal.SIGTERM)
            os.environ.clear()
            os.environ.update(request["env"])
            sys.argv = list(request["argv"])
            # cwltool.main.run(), but with the schemas loaded here kept (main() would reload them).
            signal.signal(signal.SIGTERM, cwltool.main._signal_handler)
            try:
                code = cwltool.main.main(sys.argv[1:], custom_schema_callback=lambda: None)
            finally:
                terminate_running()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException as e:  # the run's own failure, reported as cwltool would
            try:
                os.write(2, f"cwltool: {e!r}\n".encode())
            except OSError:
                pass
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except Exception:
                pass
            os._exit(code if isinstance(code, int) and 0 <= code < 256 else 1)
    try:
        os.setpgid(pid, pid)  # as the child does: a signal sent at once reaches its group
    except OSError:
        pass
    for fd in fds:
        os.close(fd)
    children[pid] = conn
    by_conn[conn] = pid
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def finish(conn, status=None):
    pid = by_conn.pop(conn, None)
    if pid is not None and status is None:
        # The client is gone (killed): so is its run.
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        if status is not None:
            conn.sendall(json.dumps({"exit": status}).encode() + b"\n")
    except OSError:
        pass
    sel.unregister(conn)
    buffers.pop(conn, None)
    for fd in pending.pop(conn, []):
        os.close(fd)
    conn.close()


def reap():
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        code = os.waitstatus_to_exitcode(status)
        if conn is not None and by_conn.get(conn) == pid:
            finish(conn, code if code >= 0 else 128 - code)


print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if key.data == "accept":
            try:
                conn, _ = listener.accept()
            except BlockingIOError:
                continue
            sel.register(conn, selectors.EVENT_READ, "conn")
            buffers[conn] = b""
        elif key.data == "child":
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reap()
        else:
            conn = key.fileobj
            try:
                data, ancdata, _, _ = conn.recvmsg(65536, socket.CMSG_LEN(3 * 4))
            except OSError:
                data, ancdata = b"", []
            fds = pending.pop(conn, [])
            for level, kind, payload in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) - len(payload) % 4]))
            if not data:
                for fd in fds:
                    os.close(fd)
                finish(conn)
                continue
            buffers[conn] += data
            while b"\n" in buffers.get(conn, b""):
                line, rest = buffers[conn].split(b"\n", 1)
                buffers[conn] = rest
                message = json.loads(line)
                if "argv" in message and conn not in by_conn and len(fds) == 3:
                    start(conn, fds, message)
                    fds = []
                elif "signal" in message and conn in by_conn:
                    try:
                        os.killpg(by_conn[conn], int(message["signal"]))
                    except ProcessLookupError:
                        pass
            if fds and conn not in by_conn:
                pending[conn] = fds
            else:
                for fd in fds:
                    os.close(fd)
