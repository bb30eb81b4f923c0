"""Shared parts of the fenix benchmarks (bench.py, upgrade_bench.py):
limits and CPUs, /proc readers, how to start and stop each server (fenix,
nginx, h2o) with like-for-like settings, a small HTTP/1.1 client, and wrk.

Python 3 standard library only.  Linux only.
"""

import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

NGINX_DEFAULT = "/usr/sbin/nginx"
H2O_DEFAULT = "/usr/bin/h2o"
APT_PACKAGES = ["nginx-light", "h2o", "wrk", "valgrind", "strace"]
CAP_DEFAULT = 1024     # connection cap of every server, most figures
CAP_MANY = 20000       # ... of the figures with thousands of connections
SMALL_FILE = 16384     # fenix answers files up to this from memory
NOFILE_WANTED = 65536
CLK_TCK = os.sysconf("SC_CLK_TCK")

FILE_1K = "/1k.bin"
FILE_100K = "/100k.bin"
FILE_1M = "/1m.bin"


class NA(Exception):
    """A figure that cannot be measured; the message says why."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- limits, cpus

def nofile_target():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if os.geteuid() == 0:
        try:
            # probe in a child, root may still be capped (containers)
            r = subprocess.run(
                [sys.executable, "-c",
                 "import resource as r;"
                 "r.setrlimit(r.RLIMIT_NOFILE,(%d,%d))" % (NOFILE_WANTED,
                                                          NOFILE_WANTED)],
                stderr=subprocess.DEVNULL, timeout=10)
            if r.returncode == 0:
                return NOFILE_WANTED
        except (OSError, subprocess.SubprocessError):
            pass
    if hard == resource.RLIM_INFINITY:
        return NOFILE_WANTED
    return min(NOFILE_WANTED, hard)


def somaxconn():
    try:
        with open("/proc/sys/net/core/somaxconn") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 4096


def raise_nofile(n):
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, resource.getrlimit(
            resource.RLIMIT_NOFILE)[1])))
    except (ValueError, OSError):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
        except (ValueError, OSError):
            pass


class Ctx:
    """Everything shared by the figures of one bench run."""

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.wrk_secs = args.duration
        self.tmp = tempfile.mkdtemp(prefix="fenix-bench-")
        os.chmod(self.tmp, 0o755)  # nginx workers run as nobody
        self.root = os.path.join(self.tmp, "www")
        self.nofile = nofile_target()
        self.somaxconn = somaxconn()
        self.backlog = self.somaxconn  # every server, the kernel's maximum
        cpus = os.sched_getaffinity(0)
        if {0, 1} <= cpus:
            self.server_cpu, self.client_cpu = 1, 0
        else:
            self.server_cpu = self.client_cpu = None
        self.have_taskset = shutil.which("taskset") is not None
        self.wrk = shutil.which("wrk")
        self.valgrind = shutil.which("valgrind")
        self.strace = shutil.which("strace")
        self.wrk_errors = {}   # server name -> summed socket errors + non-2xx
        self.wrk_runs = {}     # server name -> number of wrk runs
        self.seq = 0
        self.live = []         # Running servers, for cleanup

    def next_dir(self, name):
        self.seq += 1
        d = os.path.join(self.tmp, "%s-%d" % (name, self.seq))
        os.mkdir(d)
        os.chmod(d, 0o755)
        return d

    def make_root(self):
        os.mkdir(self.root)
        os.chmod(self.root, 0o755)
        for name, size in (("1k.bin", 1024), ("100k.bin", 100 * 1024),
                           ("1m.bin", 1 << 20)):
            pat = bytes(range(256)) * (size // 256)
            with open(os.path.join(self.root, name), "wb") as f:
                f.write(pat[:size])
        with open(os.path.join(self.root, "index.html"), "w") as f:
            f.write("<!doctype html><title>bench</title>\n")
        for n in os.listdir(self.root):
            os.chmod(os.path.join(self.root, n), 0o644)

    def pin(self, cpu):
        """argv prefix pinning to cpu with taskset, or [] (see preexec)."""
        if cpu is None or not self.have_taskset:
            return []
        return ["taskset", "-c", str(cpu)]

    def preexec(self, cpu=None):
        nofile = self.nofile

        def fn():
            raise_nofile(nofile)
            if cpu is not None:
                os.sched_setaffinity(0, {cpu})
        return fn

    def cleanup(self):
        for r in list(self.live):
            r.stop(timeout=5)
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """(ppid, utime+stime ticks, starttime) of pid, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return None
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] is field 3 (state): field n is rest[n - 3]
    return int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[19])


def children_of(pid):
    kids = []
    path = "/proc/%d/task/%d/children" % (pid, pid)
    try:
        with open(path) as f:
            kids = [int(x) for x in f.read().split()]
        if kids:
            return kids
    except OSError:
        pass
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st and st[0] == pid:
                kids.append(int(d))
    return kids


def vmrss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise NA("no VmRSS for pid %d" % pid)


def vmhwm_kib(pid):
    """Peak RSS of pid since it started (VmHWM), KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise NA("no VmHWM for pid %d" % pid)


def pss_kib(pid):
    """Proportional set size: shared pages (the binary) split between
    the processes that map them, so a sum over processes counts them once."""
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise NA("no Pss for pid %d" % pid)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------- servers

class ServerSpec:
    """How to start one kind of server.  conns is the connection cap the
    figure needs: every server gets the same one (CAP_DEFAULT, or CAP_MANY
    for the figures with thousands of connections)."""

    stop_signal = signal.SIGQUIT
    threaded = False       # workers are threads of the one process

    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        self.missing = None  # reason it cannot run, or None

    def argv(self, ctx, port, wdir, conns):
        raise NotImplementedError

    def settings(self, ctx, conns):
        """The settings, as printed under the table."""
        raise NotImplementedError


class Fenix(ServerSpec):
    def argv(self, ctx, port, wdir, conns):
        return [self.binary, "server", "-l", "127.0.0.1:%d" % port,
                "-r", ctx.root, "-w", "1",
                "-p", os.path.join(wdir, "fenix.pid"),
                "-o", "max_conns=%d" % conns,
                "-o", "backlog=%d" % ctx.backlog] + \
            [a for o in (ctx.args.fenix_opt or []) for a in ("-o", o)]

    def settings(self, ctx, conns):
        return ("fenix server -w 1 -o max_conns=%d -o backlog=%d (access "
                "log off, keep-alive 75 s, file cache of 64 open files "
                "re-checked each second: its defaults; files up to 16 KiB "
                "from memory in one writev with the header, larger ones "
                "send(header, MSG_MORE) + sendfile)" % (conns, ctx.backlog))


class Nginx(ServerSpec):
    CONF = """daemon off;
master_process on;
worker_processes 1;
error_log stderr;
pid %(pid)s;
events { worker_connections %(conns)d; }
http {
    access_log off;
    keepalive_timeout 75;
    keepalive_requests 1000000;
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 1s;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    %(mime)s
    server {
        listen 127.0.0.1:%(port)d backlog=%(backlog)d;
        root %(root)s;
%(small)s    }
}
"""

    def __init__(self, name, binary):
        super().__init__(name, binary)
        self.has_e = False
        try:
            h = subprocess.run([binary, "-h"], capture_output=True,
                               text=True, timeout=10)
            self.has_e = "-e filename" in (h.stdout + h.stderr)
        except (OSError, subprocess.SubprocessError):
            pass

    def conf(self, ctx, port, pid, conns, root=None, daemon=False):
        """The config; root (default ctx.root) as of now."""
        mime = "/etc/nginx/mime.types"
        root = root or ctx.root
        # nginx cannot switch sendfile by file size: a location per small
        # file of the root gives it fenix's one writev (header + body)
        small = "".join(
            "        location = /%s { sendfile off; }\n" % n
            for n in sorted(os.listdir(root))
            if os.path.getsize(os.path.join(root, n)) <= SMALL_FILE)
        conf = self.CONF
        if daemon:     # nginx ignores USR2 in the foreground
            conf = conf.replace("daemon off;", "daemon on;")
        return conf % {
            "pid": pid, "port": port, "root": root, "conns": conns,
            "backlog": ctx.backlog, "small": small,
            "mime": ("include %s;" % mime) if os.path.exists(mime) else ""}

    def argv(self, ctx, port, wdir, conns):
        conf = os.path.join(wdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(self.conf(ctx, port, os.path.join(wdir, "nginx.pid"),
                              conns))
        os.makedirs(os.path.join(wdir, "logs"), exist_ok=True)
        argv = [self.binary, "-c", conf, "-p", wdir + "/"]
        if self.has_e:
            argv += ["-e", "stderr"]
        return argv

    def settings(self, ctx, conns, root=None, daemon=False):
        root = root or ctx.root
        return ("nginx -c CONF, CONF (PORT, PID and ROOT filled in):\n" +
                self.conf(ctx, 0, "PID", conns, root=root,
                          daemon=daemon).replace(
                    "127.0.0.1:0", "127.0.0.1:PORT").replace(
                    root, "ROOT").rstrip())


class H2o(ServerSpec):
    """h2o (Debian's 2.2): one process, num-threads 1.  It listens with a
    backlog of 65535, which the kernel caps at net.core.somaxconn, and
    keeps a cache of open files (not configurable in 2.2)."""

    stop_signal = signal.SIGTERM
    threaded = True
    CONF = """num-threads: 1
max-connections: %(conns)d
http1-request-timeout: 75
%(user)slisten:
  host: 127.0.0.1
  port: %(port)d
hosts:
  default:
    paths:
      /:
        file.dir: %(root)s
"""

    def conf(self, ctx, port, pid, conns):
        return self.CONF % {
            "port": port, "root": ctx.root, "conns": conns,
            "user": "user: nobody\n" if os.geteuid() == 0 else ""}

    def argv(self, ctx, port, wdir, conns):
        conf = os.path.join(wdir, "h2o.conf")
        with open(conf, "w") as f:
            f.write(self.conf(ctx, port, os.path.join(wdir, "h2o.pid"),
                              conns))
        return [self.binary, "-c", conf]

    def settings(self, ctx, conns):
        return ("h2o -c CONF (no access-log: none is written; listen "
                "backlog 65535, capped by the kernel at %d; its own cache "
                "of open files), CONF:\n" % ctx.somaxconn +
                self.conf(ctx, 0, "PID", conns).replace(
                    "port: 0", "port: PORT").replace(
                    ctx.root, "ROOT").rstrip())


class Running:
    """One started server: master pid, worker pids, port."""

    def __init__(self, ctx, spec, wrapper=(), pin=True, ready=True,
                 timeout=10.0, pin_with_taskset=True, conns=None):
        self.ctx, self.spec = ctx, spec
        if spec.missing:
            raise NA(spec.missing)
        self.port = free_port()
        self.wdir = ctx.next_dir(spec.name)
        self.errlog = os.path.join(self.wdir, "stderr.log")
        argv = list(wrapper) + spec.argv(ctx, self.port, self.wdir,
                                         conns or CAP_DEFAULT)
        cpu = ctx.server_cpu if pin else None
        if cpu is not None and pin_with_taskset and ctx.have_taskset:
            argv = ctx.pin(cpu) + argv
            cpu = None
        self.workers = []  # (pid, starttime)
        with open(self.errlog, "wb") as err:
            if pin_with_taskset:
                self.t0 = time.perf_counter()
                self.proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                    preexec_fn=ctx.preexec(cpu), close_fds=True)
            else:
                # no preexec_fn, so Python may vfork: the child inherits our
                # (raised) RLIMIT_NOFILE and, for the spawn only, our CPU
                mine = os.sched_getaffinity(0)
                if cpu is not None:
                    os.sched_setaffinity(0, {cpu})
                try:
                    self.t0 = time.perf_counter()
                    self.proc = subprocess.Popen(
                        argv, stdin=subprocess.DEVNULL, stdout=err,
                        stderr=err, close_fds=True)
                finally:
                    os.sched_setaffinity(0, mine)
        self.pid = self.proc.pid
        ctx.live.append(self)
        if ready:
            try:
                self.wait_ready(timeout)
            except BaseException:
                self.stop()
                raise

    def tail(self):
        try:
            with open(self.errlog, errors="replace") as f:
                return " ".join(f.read().strip().splitlines()[-2:])[:200]
        except OSError:
            return ""

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise NA("%s exited %s: %s" % (self.spec.name,
                                                self.proc.returncode,
                                                self.tail()))
            try:
                st, _ = http_get(self.port, FILE_1K, timeout=max(
                    1.0, deadline - time.monotonic()))
                if st == 200:
                    break
                raise NA("%s answered %s to GET %s" % (self.spec.name, st,
                                                       FILE_1K))
            except OSError:
                if time.monotonic() > deadline:
                    raise NA("%s not ready after %.0fs: %s" % (
                        self.spec.name, timeout, self.tail()))
                time.sleep(0.005)
        while True:
            kids = [self.pid] if self.spec.threaded else \
                children_of(self.pid)
            if kids:
                break
            if time.monotonic() > deadline:
                raise NA("%s: no worker process found" % self.spec.name)
            time.sleep(0.005)
        for k in kids:
            st = proc_stat(k)
            if st:
                self.workers.append((k, st[2]))

    def worker(self):
        if len(self.workers) != 1:
            raise NA("%s: expected 1 worker, found %d" % (
                self.spec.name, len(self.workers)))
        return self.workers[0][0]

    def pids(self):
        return [self.pid] + [w for w, _ in self.workers if w != self.pid]

    def cpu_ticks(self):
        total = 0
        for p in self.pids():
            st = proc_stat(p)
            if st:
                total += st[1]
        return total

    def _ours(self, pid, start):
        st = proc_stat(pid)
        return st is not None and st[2] == start

    def stop(self, timeout=10.0):
        """SIGQUIT the master, SIGKILL after timeout; wait for the workers."""
        if self in self.ctx.live:
            self.ctx.live.remove(self)
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, self.spec.stop_signal)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
        deadline = time.monotonic() + timeout
        for pid, start in self.workers:
            if pid == self.pid:
                continue
            while self._ours(pid, start) and time.monotonic() < deadline:
                time.sleep(0.01)
            if self._ours(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        return self.proc.returncode


# ---------------------------------------------------------------- http client

def request_bytes(path, close=False):
    # FENIX_BENCH_HEADER="Authorization: Basic ...": one more header line
    # in every request, to measure a setting that acts on one (FENIX_AUTH).
    extra = os.environ.get("FENIX_BENCH_HEADER")
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s\r\n" % (
        path, extra + "\r\n" if extra else "",
        "Connection: close\r\n" if close else "")).encode()


class Reader:
    """Reads whole HTTP/1.1 responses (Content-Length bodies) off a socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def _fill(self):
        data = self.sock.recv(262144)
        if not data:
            raise ConnectionError("connection closed by server")
        self.buf += data

    def response(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._fill()
        head = bytes(self.buf[:end]).decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split()[1])
        clen = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                clen = int(v.strip())
        total = end + 4 + clen
        while len(self.buf) < total:
            self._fill()
        del self.buf[:total]
        return status, clen


def http_get(port, path, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(request_bytes(path, close=True))
        return Reader(s).response()
    finally:
        s.close()


class KeepAliveClient:
    """conns persistent connections, one request in flight per connection,
    strict round robin, no pipelining."""

    def __init__(self, port, conns=4, path=FILE_1K, timeout=60.0):
        self.req = request_bytes(path)
        self.socks, self.readers, self.inflight = [], [], []
        for _ in range(conns):
            s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.socks.append(s)
            self.readers.append(Reader(s))
            self.inflight.append(False)
        self.bad = 0

    def _finish(self, k):
        st, _ = self.readers[k].response()
        if st != 200:
            self.bad += 1
        self.inflight[k] = False

    def run(self, n):
        """Send exactly n requests and read their n answers."""
        c = len(self.socks)
        for i in range(n):
            k = i % c
            if self.inflight[k]:
                self._finish(k)
            self.socks[k].sendall(self.req)
            self.inflight[k] = True
        for k in range(c):
            if self.inflight[k]:
                self._finish(k)
        if self.bad:
            raise NA("%d non-200 answers" % self.bad)

    def close(self):
        for s in self.socks:
            s.close()


# ---------------------------------------------------------------- wrk

UNITS = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}


def wrk_ms(text):
    """wrk's "812.00us", "1.23ms", "2.00s", "1.10m" in ms."""
    m = re.match(r"([\d.]+)(us|ms|s|m|h)$", text)
    if not m:
        raise NA("wrk latency %r not understood" % text)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0,
                                "m": 60000.0, "h": 3600000.0}[m.group(2)]


def run_wrk(ctx, run, path, conns, extra=(), secs=None, count=True):
    """One wrk run against run; its errors and timeouts count in the
    socket-error figure unless count is False (a run slowed on purpose,
    under strace)."""
    if not ctx.wrk:
        raise NA("wrk missing (apt-get install -y wrk)")
    secs = secs or ctx.wrk_secs
    url = "http://127.0.0.1:%d%s" % (run.port, path)
    argv = ctx.pin(ctx.client_cpu) + [
        ctx.wrk, "-t1", "-c%d" % conns, "-d%ds" % secs, "--latency"]
    argv += list(extra) + [url]
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=secs + 60,
                           preexec_fn=ctx.preexec(
                               None if ctx.have_taskset else ctx.client_cpu))
    except subprocess.TimeoutExpired:
        raise NA("wrk timed out")
    out = p.stdout
    m = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    tr = re.search(r"Transfer/sec:\s*([\d.]+)([KMGT]?B)", out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    if p.returncode != 0 or not (m and rps and tr) or len(lat) != 2:
        raise NA("wrk failed: %s" % (p.stderr.strip() or out.strip())[:160])
    errs = timeouts = 0
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                   r"timeout (\d+)", out)
    if se:
        errs += sum(int(x) for x in se.groups()[:3])
        timeouts = int(se.group(4))
    nx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if nx:
        errs += int(nx.group(1))
    name = run.spec.name
    if count:
        ctx.wrk_errors[name] = ctx.wrk_errors.get(name, 0) + errs + timeouts
        ctx.wrk_runs[name] = ctx.wrk_runs.get(name, 0) + 1
    # "Latency  avg  stdev  max  +/- Stdev": the slowest answer wrk saw
    mx = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", out, re.M)
    return {"requests": int(m.group(1)), "rps": float(rps.group(1)),
            "bytes_per_sec": float(tr.group(1)) * UNITS[tr.group(2)],
            "errors": errs, "timeouts": timeouts,
            "p50": wrk_ms(lat["50"]), "p99": wrk_ms(lat["99"]),
            "max": wrk_ms(mx.group(1)) if mx else float("nan")}
