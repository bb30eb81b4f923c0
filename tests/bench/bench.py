#!/usr/bin/env python3
"""Benchmark fenix against nginx (Debian nginx-light), side by side.

Usage: python3 tests/bench/bench.py --fenix obj/fenix [--rounds N] [--quick]

Every figure is one function fig_*(ctx, server) that starts its own server,
measures, stops it and returns {row_key: value}.  The main loop runs each
per-round figure for both servers, alternating which goes first from round
to round, and prints the median of the rounds in ONE table:
figure | fenix | nginx | fenix/nginx.  See tests/bench/README.md.

Python 3 standard library only.  Linux only (/proc, taskset, epoll).
"""

import argparse
import errno
import os
import platform
import re
import resource
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

NGINX_DEFAULT = "/usr/sbin/nginx"
APT_PACKAGES = ["nginx-light", "wrk", "valgrind", "strace"]
NOFILE_WANTED = 65536
CLK_TCK = os.sysconf("SC_CLK_TCK")

FILE_1K = "/1k.bin"
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
        for name, size in (("1k.bin", 1024), ("1m.bin", 1 << 20)):
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
    """How to start one kind of server."""

    def __init__(self, name, binary):
        self.name = name
        self.binary = binary
        self.missing = None  # reason it cannot run, or None

    def argv(self, ctx, port, wdir):
        raise NotImplementedError


class Fenix(ServerSpec):
    def argv(self, ctx, port, wdir):
        return [self.binary, "server", "-l", "127.0.0.1:%d" % port,
                "-r", ctx.root, "-w", "1",
                "-p", os.path.join(wdir, "fenix.pid"),
                "-o", "max_conns=20000"]


class Nginx(ServerSpec):
    CONF = """daemon off;
master_process on;
worker_processes 1;
error_log stderr;
pid %(pid)s;
events { worker_connections 20000; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 75;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    %(mime)s
    server { listen 127.0.0.1:%(port)d; root %(root)s; }
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

    def argv(self, ctx, port, wdir):
        mime = "/etc/nginx/mime.types"
        conf = os.path.join(wdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(self.CONF % {
                "pid": os.path.join(wdir, "nginx.pid"), "port": port,
                "root": ctx.root,
                "mime": ("include %s;" % mime) if os.path.exists(mime) else ""})
        os.makedirs(os.path.join(wdir, "logs"), exist_ok=True)
        argv = [self.binary, "-c", conf, "-p", wdir + "/"]
        if self.has_e:
            argv += ["-e", "stderr"]
        return argv


class Running:
    """One started server: master pid, worker pids, port."""

    def __init__(self, ctx, spec, wrapper=(), pin=True, ready=True,
                 timeout=10.0, pin_with_taskset=True):
        self.ctx, self.spec = ctx, spec
        if spec.missing:
            raise NA(spec.missing)
        self.port = free_port()
        self.wdir = ctx.next_dir(spec.name)
        self.errlog = os.path.join(self.wdir, "stderr.log")
        argv = list(wrapper) + spec.argv(ctx, self.port, self.wdir)
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
            kids = children_of(self.pid)
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
        return [self.pid] + [w for w, _ in self.workers]

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
                os.kill(self.pid, signal.SIGQUIT)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait()
        deadline = time.monotonic() + timeout
        for pid, start in self.workers:
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
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n" % (
        path, "Connection: close\r\n" if close else "")).encode()


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


def run_wrk(ctx, run, path, conns, extra=(), latency=False):
    if not ctx.wrk:
        raise NA("wrk missing (apt-get install -y wrk)")
    url = "http://127.0.0.1:%d%s" % (run.port, path)
    argv = ctx.pin(ctx.client_cpu) + [
        ctx.wrk, "-t1", "-c%d" % conns, "-d%ds" % ctx.wrk_secs]
    if latency:
        argv.append("--latency")
    argv += list(extra) + [url]
    try:
        p = subprocess.run(argv, capture_output=True, text=True,
                           timeout=ctx.wrk_secs + 60,
                           preexec_fn=ctx.preexec(
                               None if ctx.have_taskset else ctx.client_cpu))
    except subprocess.TimeoutExpired:
        raise NA("wrk timed out")
    out = p.stdout
    m = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    tr = re.search(r"Transfer/sec:\s*([\d.]+)([KMGT]?B)", out)
    if p.returncode != 0 or not (m and rps and tr):
        raise NA("wrk failed: %s" % (p.stderr.strip() or out.strip())[:160])
    errs = 0
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                   r"timeout (\d+)", out)
    if se:
        errs += sum(int(x) for x in se.groups())
    nx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if nx:
        errs += int(nx.group(1))
    name = run.spec.name
    ctx.wrk_errors[name] = ctx.wrk_errors.get(name, 0) + errs
    ctx.wrk_runs[name] = ctx.wrk_runs.get(name, 0) + 1
    lat = ", ".join("p%s %s" % (q, v) for q, v in re.findall(
        r"^\s+(50|99)%\s+(\S+)", out, re.M))
    return {"requests": int(m.group(1)), "rps": float(rps.group(1)),
            "bytes_per_sec": float(tr.group(1)) * UNITS[tr.group(2)],
            "errors": errs, "latency": lat or "?"}


# ---------------------------------------------------------------- figures
# Each returns {row_key: value} or {row_key: (value, note)}; raises NA.

def fig_keepalive_1k(ctx, spec):
    """1. keep-alive 1 KiB: req/s and server CPU us per request."""
    run = Running(ctx, spec)
    try:
        t0 = run.cpu_ticks()
        w = run_wrk(ctx, run, FILE_1K, 32, latency=True)
        t1 = run.cpu_ticks()
    finally:
        run.stop()
    us = cpu_us_per_req(w, t0, t1)
    return {"ka_rps": (w["rps"], "wrk latency %s" % w["latency"]),
            "ka_cpu": us}


def callgrind_ir(path):
    ir = None
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                v = int(line.split()[1])
                ir = v if ir is None else max(ir, v)
    return ir


def callgrind_worker_ir(ctx, spec, n):
    cgdir = ctx.next_dir(spec.name + "-cg")
    os.chmod(cgdir, 0o777)  # the nginx worker writes it as nobody
    wrapper = [ctx.valgrind, "--tool=callgrind", "--trace-children=no", "-q",
               "--callgrind-out-file=%s/callgrind.out.%%p" % cgdir]
    run = Running(ctx, spec, wrapper=wrapper, timeout=60)
    try:
        worker = run.worker()
        cl = KeepAliveClient(run.port, conns=4, timeout=60)
        try:
            cl.run(n)
        finally:
            cl.close()
    finally:
        run.stop(timeout=60)
    files = [f for f in os.listdir(cgdir)
             if f == "callgrind.out.%d" % worker
             or f.startswith("callgrind.out.%d." % worker)]
    if not files:
        raise NA("no callgrind output for worker %d (%s)" % (
            worker, ", ".join(sorted(os.listdir(cgdir))) or "none"))
    total = 0
    for f in files:
        v = callgrind_ir(os.path.join(cgdir, f))
        if v is None:
            raise NA("no totals/summary line in %s" % f)
        total += v
    return total


def fig_instructions(ctx, spec):
    """2. user-space instructions per keep-alive request (callgrind)."""
    if ctx.quick:
        raise NA("skipped by --quick")
    if not ctx.valgrind:
        raise NA("valgrind missing (apt-get install -y valgrind)")
    n1, n2 = ctx.args.cg_n1, ctx.args.cg_n2
    ir1 = callgrind_worker_ir(ctx, spec, n1)
    ir2 = callgrind_worker_ir(ctx, spec, n2)
    return {"instr": ((ir2 - ir1) / (n2 - n1),
                      "worker Ir %d (%d req) -> %d (%d req)" % (ir1, n1, ir2,
                                                                n2))}


def parse_strace_c(path):
    calls = {}
    total = None
    row = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\S+)\s*$")
    with open(path) as f:
        for line in f:
            m = row.match(line)
            if not m:
                continue
            if m.group(2) == "total":
                total = int(m.group(1))
            else:
                calls[m.group(2)] = calls.get(m.group(2), 0) + int(m.group(1))
    if total is None:
        total = sum(calls.values())
    return total, calls


def wait_attached(st, timeout):
    """Read strace's stderr until "Process N attached"."""
    deadline = time.monotonic() + timeout
    seen = ""
    with selectors.DefaultSelector() as sel:
        sel.register(st.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(max(0.0, deadline - time.monotonic())):
                break
            line = st.stderr.readline()
            if not line:
                break
            if "attached" in line:
                return
            seen = line.strip()
    raise NA("strace did not attach: %s" % seen[:120])


def fig_syscalls(ctx, spec):
    """3. syscalls per keep-alive request (strace -c on the worker)."""
    if not ctx.strace:
        raise NA("strace missing (apt-get install -y strace)")
    n = ctx.args.strace_n
    run = Running(ctx, spec)
    out = os.path.join(run.wdir, "strace.out")
    st = None
    try:
        worker = run.worker()
        cl = KeepAliveClient(run.port, conns=4)
        try:
            cl.run(4)  # every connection accepted and served once
            st = subprocess.Popen(
                ctx.pin(ctx.client_cpu) +
                [ctx.strace, "-f", "-c", "-p", str(worker), "-o", out],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True)
            wait_attached(st, 10.0)
            cl.run(n)
            st.send_signal(signal.SIGINT)
            try:
                st.wait(30)
            except subprocess.TimeoutExpired:
                st.kill()
                st.wait()
                raise NA("strace did not detach")
        finally:
            cl.close()
    finally:
        if st and st.poll() is None:
            st.kill()
            st.wait()
        run.stop()
    total, calls = parse_strace_c(out)
    if total == 0:
        raise NA("strace counted no syscalls")
    top = sorted(calls.items(), key=lambda kv: -kv[1])[:6]
    note = ", ".join("%s %.2f" % (k, v / n) for k, v in top)
    return {"syscalls": (total / n, note)}


def cpu_us_per_req(w, t0, t1):
    if not w["requests"]:
        raise NA("wrk completed no requests")
    return (t1 - t0) * 1e6 / CLK_TCK / w["requests"]


def fig_conn_close_1k(ctx, spec):
    """4. a new connection per request, 1 KiB: req/s."""
    run = Running(ctx, spec)
    try:
        t0 = run.cpu_ticks()
        w = run_wrk(ctx, run, FILE_1K, 32, extra=["-H", "Connection: close"])
        t1 = run.cpu_ticks()
    finally:
        run.stop()
    return {"close_rps": (w["rps"], "server CPU %.2f us/req" %
                          cpu_us_per_req(w, t0, t1))}


def fig_big_file(ctx, spec):
    """5. 1 MiB file over keep-alive: MiB/s."""
    run = Running(ctx, spec)
    try:
        t0 = run.cpu_ticks()
        w = run_wrk(ctx, run, FILE_1M, 8)
        t1 = run.cpu_ticks()
    finally:
        run.stop()
    return {"mib_s": (w["bytes_per_sec"] / (1 << 20),
                      "server CPU %.0f us/MiB" % cpu_us_per_req(w, t0, t1))}


def fig_socket_errors(ctx, spec):
    """6. wrk socket errors + non-2xx/3xx over every wrk run of the server."""
    runs = ctx.wrk_runs.get(spec.name, 0)
    if runs == 0:
        raise NA("no wrk run")
    return {"errors": (ctx.wrk_errors.get(spec.name, 0),
                       "%d wrk runs" % runs)}


def fig_idle_rss(ctx, spec):
    """7. idle RSS of master + one worker, KiB, after start and 1 request."""
    run = Running(ctx, spec)  # Running does the one request
    try:
        time.sleep(0.1)
        pids = [run.pid, run.worker()]
        kib = sum(vmrss_kib(p) for p in pids)
        pss = sum(pss_kib(p) for p in pids)
    finally:
        run.stop()
    return {"rss": kib, "pss": pss}


def open_idle_conns(port, n, window=256, timeout=60.0):
    """n connections, each with one answered GET, left idle; returns them."""
    req = request_bytes(FILE_1K)
    sel = selectors.DefaultSelector()
    done, pending, started, failed = [], {}, 0, []
    deadline = time.monotonic() + timeout
    try:
        while len(done) + len(failed) < n:
            while started < n and len(pending) < window:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setblocking(False)
                err = s.connect_ex(("127.0.0.1", port))
                if err not in (0, errno.EINPROGRESS):
                    s.close()
                    failed.append(os.strerror(err))
                    started += 1
                    continue
                pending[s] = ["connect", bytearray()]
                sel.register(s, selectors.EVENT_WRITE)
                started += 1
            if time.monotonic() > deadline:
                raise NA("timed out with %d of %d connections" % (
                    len(done), n))
            for key, _ in sel.select(1.0):
                s = key.fileobj
                state = pending[s]
                try:
                    if state[0] == "connect":
                        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if err:
                            raise OSError(err, os.strerror(err))
                        s.send(req)  # tiny, fits in the socket buffer
                        state[0] = "read"
                        sel.modify(s, selectors.EVENT_READ)
                        continue
                    data = s.recv(65536)
                    if not data:
                        raise OSError("closed by server")
                    state[1] += data
                    end = state[1].find(b"\r\n\r\n")
                    if end < 0:
                        continue
                    head = bytes(state[1][:end]).lower()
                    m = re.search(rb"content-length:\s*(\d+)", head)
                    clen = int(m.group(1)) if m else 0
                    if len(state[1]) >= end + 4 + clen:
                        if not state[1].startswith(b"HTTP/1.1 200"):
                            raise OSError("not 200")
                        sel.unregister(s)
                        del pending[s]
                        done.append(s)
                except OSError as e:
                    sel.unregister(s)
                    del pending[s]
                    s.close()
                    failed.append(str(e))
    except BaseException:
        for s in done + list(pending):
            s.close()
        raise
    finally:
        sel.close()
    return done, failed


def fig_conn_memory(ctx, spec):
    """8. worker RSS growth per idle keep-alive connection, bytes."""
    n = ctx.args.idle_conns
    run = Running(ctx, spec)
    conns = []
    try:
        worker = run.worker()
        time.sleep(0.1)
        before = vmrss_kib(worker)
        fds0 = count_fds(worker)
        conns, failed = open_idle_conns(run.port, n)
        time.sleep(0.3)
        after = vmrss_kib(worker)
        fds1 = count_fds(worker)
        alive = run.proc.poll() is None
    finally:
        for s in conns:
            s.close()
        run.stop()
    if not alive:
        raise NA("server died with %d connections" % len(conns))
    if failed:
        raise NA("%d of %d connections failed (%s)" % (
            len(failed), n, failed[0]))
    if fds1 is not None and fds0 is not None and fds1 - fds0 < n:
        raise NA("worker holds only %d more fds for %d connections" % (
            fds1 - fds0, n))
    return {"conn_mem": ((after - before) * 1024.0 / n,
                         "worker RSS %d -> %d KiB, fds %s -> %s" % (
                             before, after, fds0, fds1))}


def count_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def first_answer_ms(ctx, spec, timeout=10.0):
    req = request_bytes(FILE_1K, close=True)
    # pinned by inheriting a CPU affinity (what taskset does) so that
    # taskset's own exec and a fork of this python are not timed
    run = Running(ctx, spec, ready=False, pin_with_taskset=False)
    t0 = run.t0
    addr = ("127.0.0.1", run.port)
    try:
        deadline = t0 + timeout
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.connect(addr)
                s.sendall(req)
                st, _ = Reader(s).response()
                if st == 200:
                    t1 = time.perf_counter()
                    break
            except OSError:
                pass
            finally:
                s.close()
            if time.perf_counter() > deadline:
                raise NA("no answer within %.0fs: %s" % (timeout, run.tail()))
            if run.proc.poll() is not None:
                raise NA("exited %s: %s" % (run.proc.returncode, run.tail()))
    finally:
        run.stop()
    return (t1 - t0) * 1000.0


def fig_exec_to_first(ctx, spec):
    """9. from just before exec to the first complete 200 answer, ms."""
    starts = 3 if ctx.quick else 5
    ms = statistics.median(first_answer_ms(ctx, spec) for _ in range(starts))
    return {"start_ms": (ms, "median of %d starts; spawning /bin/true the "
                         "same way and reaping it takes %.2f ms" % (
                             starts, spawn_baseline_ms(ctx)))}


def spawn_baseline_ms(ctx):
    true = shutil.which("true") or "/bin/true"
    best = []
    mine = os.sched_getaffinity(0)
    for _ in range(5):
        if ctx.server_cpu is not None:
            os.sched_setaffinity(0, {ctx.server_cpu})
        try:
            t0 = time.perf_counter()
            p = subprocess.Popen([true], close_fds=True)
        finally:
            os.sched_setaffinity(0, mine)
        p.wait()
        best.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(best)


def ldd_libs(binary):
    try:
        p = subprocess.run(["ldd", binary], capture_output=True, text=True,
                           timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    libs = set()
    for line in p.stdout.splitlines():
        m = re.search(r"(/\S+)\s+\(0x", line)
        if m and os.path.exists(m.group(1)):
            libs.add(os.path.realpath(m.group(1)))
    return libs


def fig_binary_size(ctx, spec):
    """10. bytes on disk: fenix itself, nginx plus its shared libraries."""
    if spec.missing:
        raise NA(spec.missing)
    own = os.path.getsize(spec.binary)
    libs = ldd_libs(spec.binary) or set()
    libs.discard(os.path.realpath(spec.binary))
    total = own + sum(os.path.getsize(x) for x in libs)
    if not libs:
        return {"size": (total, "static")}
    return {"size": (total, "dynamic + libs: %d + %d in %d libs" % (
        own, total - own, len(libs)))}


class Row:
    def __init__(self, key, label, fmt, lower_better=False, ratio=True):
        self.key, self.label, self.fmt = key, label, fmt
        self.lower_better, self.ratio = lower_better, ratio


class Figure:
    def __init__(self, fn, rows, per_round=True):
        self.fn, self.rows, self.per_round = fn, rows, per_round


def fmt_int(v):
    return "%d" % round(v)


def fmt_size(v):
    return "%d (%.1f MiB)" % (v, v / 1048576.0) if v >= 1048576 else \
        "%d (%.1f KiB)" % (v, v / 1024.0)


FIGURES = [
    Figure(fig_keepalive_1k, [
        Row("ka_rps", "keep-alive 1KiB req/s", fmt_int),
        Row("ka_cpu", "keep-alive 1KiB server CPU us/req", "%.2f".__mod__,
            lower_better=True)]),
    Figure(fig_instructions, [
        Row("instr", "instructions/req (callgrind)", fmt_int,
            lower_better=True)]),
    Figure(fig_syscalls, [
        Row("syscalls", "syscalls/req (strace)", "%.2f".__mod__,
            lower_better=True)]),
    Figure(fig_conn_close_1k, [
        Row("close_rps", "new conn/req 1KiB req/s", fmt_int)]),
    Figure(fig_big_file, [
        Row("mib_s", "keep-alive 1MiB MiB/s", "%.1f".__mod__)]),
    Figure(fig_idle_rss, [
        Row("rss", "idle RSS master+worker KiB", fmt_int,
            lower_better=True),
        Row("pss", "idle PSS master+worker KiB (binary once)", fmt_int,
            lower_better=True)]),
    Figure(fig_conn_memory, [
        Row("conn_mem", "bytes per idle keep-alive conn", fmt_int,
            lower_better=True)]),
    Figure(fig_exec_to_first, [
        Row("start_ms", "exec to first answer ms", "%.2f".__mod__,
            lower_better=True)]),
    Figure(fig_socket_errors, [
        Row("errors", "wrk socket errors + non-2xx (must be 0)", fmt_int,
            lower_better=True, ratio=False)], per_round=False),
    Figure(fig_binary_size, [
        Row("size", "binary size bytes", fmt_size, lower_better=True)],
        per_round=False),
]


# ---------------------------------------------------------------- main

def ensure_tools(args):
    """Install what is missing when root; return a list of notes."""
    notes = []
    need = {"wrk": "wrk", "valgrind": "valgrind", "strace": "strace"}
    missing = [t for t in need if not shutil.which(t)]
    if not os.path.exists(args.nginx) and args.nginx == NGINX_DEFAULT:
        missing.append("nginx")
    if args.quick and "valgrind" in missing:
        missing.remove("valgrind")
    if not missing:
        return notes
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing %s" % " ".join(APT_PACKAGES))
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y"] + APT_PACKAGES
        try:
            r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=300)
            if r.returncode != 0:
                subprocess.run(["apt-get", "update"], env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=300)
                subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=300)
        except (OSError, subprocess.SubprocessError) as e:
            notes.append("apt-get failed: %s" % e)
    still = [t for t in missing
             if not (shutil.which(t) or (t == "nginx" and
                                         os.path.exists(args.nginx)))]
    if still:
        notes.append("missing %s: as root, apt-get install -y %s" % (
            ", ".join(still), " ".join(APT_PACKAGES)))
    return notes


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return "/".join(f.read().split()[:3])
    except OSError:
        return "?"


def machine_header(ctx, specs):
    try:
        model = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = "?"
    lines = ["fenix vs nginx: nproc %d (%s), Linux %s, %d round(s)%s, "
             "medians" % (os.cpu_count() or 0, model, platform.release(),
                          ctx.args.rounds, " --quick" if ctx.quick else "")]
    if ctx.server_cpu is not None:
        lines.append("servers pinned to CPU %d, clients (wrk, python) to "
                     "CPU %d; wrk -t1 -d%ds; RLIMIT_NOFILE %d" % (
                         ctx.server_cpu, ctx.client_cpu, ctx.wrk_secs,
                         ctx.nofile))
    else:
        lines.append("NOT pinned (fewer than 2 usable CPUs); RLIMIT_NOFILE %d"
                     % ctx.nofile)
    for s in specs:
        ver = ""
        try:
            v = subprocess.run([s.binary, "-v"] if s.name == "nginx"
                               else [s.binary, "--version"],
                               capture_output=True, text=True, timeout=5)
            ver = (v.stdout + v.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            pass
        shown = s.binary
        if s.name == "fenix":
            shown = "%s (copied at start)" % ctx.args.fenix
        lines.append("%s: %s %s" % (s.name, shown, ver))
    return lines


def render(ctx, figs, specs, results, notes, header):
    """results[row_key][server] = list of values; notes[(key,srv)] = str"""
    fen, ngx = specs[0].name, specs[1].name
    table = [("figure", fen, ngx, "%s/%s" % (fen, ngx))]
    foot = []
    for fig in figs:
        for row in fig.rows:
            cells = []
            vals = {}
            for s in (fen, ngx):
                got = results.get(row.key, {}).get(s, [])
                nums = [v for v in got if not isinstance(v, NA)]
                if nums:
                    vals[s] = statistics.median(nums)
                    cells.append(row.fmt(vals[s]))
                    if len(nums) > 1 and min(nums) > 0 and \
                            max(nums) > 1.25 * min(nums):
                        foot.append("%s, %s: noisy, rounds range %s .. %s" % (
                            row.label, s, row.fmt(min(nums)),
                            row.fmt(max(nums))))
                    nas = [v for v in got if isinstance(v, NA)]
                    if nas:
                        foot.append("%s, %s: %d round(s) n/a: %s" % (
                            row.label, s, len(nas), nas[0]))
                else:
                    cells.append("n/a")
                    why = got[0] if got else "not run"
                    foot.append("%s, %s: n/a: %s" % (row.label, s, why))
            if row.ratio and fen in vals and ngx in vals and vals[ngx]:
                ratio = "%.2fx" % (vals[fen] / vals[ngx])
            else:
                ratio = "-"
            label = row.label + (" (lower is better)" if row.lower_better
                                 else "")
            table.append((label, cells[0], cells[1], ratio))
            for s in (fen, ngx):
                if (row.key, s) in notes:
                    foot.append("%s, %s: %s" % (row.label, s,
                                                notes[(row.key, s)]))
            if ctx.args.verbose:
                for s in (fen, ngx):
                    got = results.get(row.key, {}).get(s, [])
                    foot.append("%s, %s: rounds: %s" % (
                        row.label, s, " ".join(
                            "n/a" if isinstance(v, NA) else row.fmt(v)
                            for v in got)))
    w = [max(len(r[i]) for r in table) for i in range(4)]
    out = list(header)
    for i, r in enumerate(table):
        out.append("%s | %s | %s | %s" % (r[0].ljust(w[0]), r[1].rjust(w[1]),
                                          r[2].rjust(w[2]), r[3].rjust(w[3])))
        if i == 0:
            out.append("-" * (sum(w) + 9))
    out += ["note: " + f for f in foot]
    return "\n".join(out)


def run_figure(ctx, fig, spec, results, notes):
    try:
        got = fig.fn(ctx, spec)
    except NA as e:
        got = {row.key: e for row in fig.rows}
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        e2 = NA("%s: %s" % (type(e).__name__, e))
        got = {row.key: e2 for row in fig.rows}
    for key, v in got.items():
        if isinstance(v, tuple):
            v, note = v
            notes[(key, spec.name)] = note
        results.setdefault(key, {}).setdefault(spec.name, []).append(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fenix", default="obj/fenix")
    ap.add_argument("--nginx", default=NGINX_DEFAULT)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true",
                    help="1 round, 2 s wrk runs, no valgrind")
    ap.add_argument("--duration", type=int, default=None,
                    help="seconds per wrk run (default 5, --quick 2)")
    ap.add_argument("--only", default="",
                    help="comma-separated figure function names, e.g. "
                         "fig_keepalive_1k,fig_syscalls")
    ap.add_argument("--cg-n1", type=int, default=2000)
    ap.add_argument("--cg-n2", type=int, default=12000)
    ap.add_argument("--strace-n", type=int, default=5000)
    ap.add_argument("--idle-conns", type=int, default=10000)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print every round's value")
    args = ap.parse_args()
    if args.quick:
        args.rounds = 1
    if args.duration is None:
        args.duration = 2 if args.quick else 5
    started = time.monotonic()
    load0 = loadavg()

    tool_notes = ensure_tools(args)
    ctx = Ctx(args)
    raise_nofile(ctx.nofile)
    if ctx.client_cpu is not None:
        os.sched_setaffinity(0, {ctx.client_cpu})

    fenix = Fenix("fenix", os.path.abspath(args.fenix))
    if not os.access(fenix.binary, os.X_OK):
        fenix.missing = "%s not executable (make)" % args.fenix
    else:
        # a private copy, so a rebuild during the run changes nothing
        copy = os.path.join(ctx.tmp, "fenix")
        shutil.copy2(fenix.binary, copy)
        fenix.binary = copy
    nginx = Nginx("nginx", args.nginx)
    if not os.access(nginx.binary, os.X_OK):
        nginx.missing = "%s missing (apt-get install -y nginx-light)" % (
            args.nginx)
    specs = [fenix, nginx]

    figs = FIGURES
    if args.only:
        want = set(args.only.split(","))
        figs = [f for f in FIGURES if f.fn.__name__ in want]
    results, notes = {}, {}

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        header = machine_header(ctx, specs)
        ctx.make_root()
        for r in range(args.rounds):
            order = specs if r % 2 == 0 else specs[::-1]
            for fig in figs:
                if not fig.per_round:
                    continue
                for spec in order:
                    log("round %d/%d %s %s (%.0fs)" % (
                        r + 1, args.rounds, fig.fn.__name__, spec.name,
                        time.monotonic() - started))
                    run_figure(ctx, fig, spec, results, notes)
        for fig in figs:
            if not fig.per_round:
                for spec in specs:
                    run_figure(ctx, fig, spec, results, notes)
        header.append("elapsed %.0fs; load average %s at start, %s at end" % (
            time.monotonic() - started, load0, loadavg()))
        for n in tool_notes:
            header.append("note: " + n)
        print(render(ctx, figs, specs, results, notes, header))
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        ctx.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
