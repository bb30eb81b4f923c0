#!/usr/bin/env python3
"""Benchmark fenix against nginx (nginx-light) and h2o, side by side.

Usage: python3 tests/bench/bench.py --fenix obj/fenix [--rounds N] [--quick]

Every figure is one function fig_*(ctx, server) (or a LoadCase) that
starts its own server, measures, stops it and returns {row_key: value}.
The main loop runs each per-round figure for every server, the order
reversed from one round to the next (ABBA), and prints the medians of the
rounds: a load table (one row per wrk load and server: req/s, MiB/s,
CPU us/req, p50, p99, timeouts, errors), a table of the other figures
(fenix | nginx | h2o | fenix/nginx | fenix/h2o), and every server's
settings.  See tests/bench/README.md.

Python 3 standard library only.  Linux only (/proc, taskset, epoll).
"""
import argparse
import errno
import os
import platform
import re
import selectors
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import *  # noqa: E402,F401,F403  (and re-exported)


# ---------------------------------------------------------------- figures
# Each returns {row_key: value} or {row_key: (value, note)}; raises NA.

SLOW = float("inf")    # a p50 or p99 over wrk's 2 s timeout


class LoadCase:
    """One wrk load: its own server (connection cap conns_cap), one wrk
    run; req/s, MiB/s, server CPU per request, p50, p99, timeouts, other
    errors and the server's peak RSS per connection go into the load
    table."""

    FIELDS = ("rps", "mib_s", "cpu", "p50", "p99", "max", "timeouts",
              "errors", "rss")

    def __init__(self, key, label, path, conns, close=False,
                 cap=CAP_DEFAULT):
        self.key, self.label, self.path = key, label, path
        self.conns, self.close, self.cap = conns, close, cap
        self.__name__ = "load_" + key

    def __call__(self, ctx, spec):
        run = Running(ctx, spec, conns=self.cap)
        try:
            rss0 = sum(vmrss_kib(p) for p in run.pids())
            t0 = run.cpu_ticks()
            # thousands of connections take seconds to open: at least 10 s
            w = run_wrk(ctx, run, self.path, self.conns, extra=[
                "-H", "Connection: close"] if self.close else [],
                secs=max(ctx.wrk_secs, 10) if self.cap == CAP_MANY else None)
            t1 = run.cpu_ticks()
            alive = run.proc.poll() is None
            rss1 = sum(vmhwm_kib(p) for p in run.pids()) if alive else 0
        finally:
            run.stop()
        if not alive:
            raise NA("server died under load: %s" % run.tail())
        k = self.key + "."
        got = {k + "rps": w["rps"],
               k + "mib_s": w["bytes_per_sec"] / (1 << 20),
               k + "timeouts": w["timeouts"], k + "errors": w["errors"],
               k + "rss": max(rss1 - rss0, 0) * 1024.0 / self.conns}
        if w["requests"] == 0:
            none = NA("wrk completed no request (%d timeouts, %d errors)" % (
                w["timeouts"], w["errors"]))
            got.update({k + "cpu": none, k + "p50": none, k + "p99": none,
                        k + "max": none})
            return got
        # wrk counts an answer slower than its 2 s timeout in requests
        # and in timeouts, not in its latency distribution (a request
        # still unanswered at a check is a timeout too)
        slow = w["timeouts"] / float(w["requests"])
        got.update({k + "cpu": cpu_us_per_req(w, t0, t1),
                    k + "p50": SLOW if slow >= 0.5 else w["p50"],
                    k + "p99": SLOW if slow >= 0.01 else w["p99"],
                    k + "max": SLOW if w["timeouts"] else w["max"]})
        return got


LOADS = [
    LoadCase("ka1k", "keep-alive 1 KiB, 32 conns", FILE_1K, 32),
    LoadCase("close1k", "new conn per request 1 KiB, 32 conns", FILE_1K, 32,
             close=True),
    LoadCase("ka100k", "keep-alive 100 KiB, 50 conns", FILE_100K, 50),
    LoadCase("ka1m", "keep-alive 1 MiB, 8 conns", FILE_1M, 8),
    LoadCase("c3k1k", "keep-alive 1 KiB, 3,000 conns", FILE_1K, 3000,
             cap=CAP_MANY),
    LoadCase("c3k100k", "keep-alive 100 KiB, 3,000 conns", FILE_100K, 3000,
             cap=CAP_MANY),
    LoadCase("c10k1k", "keep-alive 1 KiB, 10,000 conns", FILE_1K, 10000,
             cap=CAP_MANY),
    LoadCase("c10k100k", "keep-alive 100 KiB, 10,000 conns", FILE_100K,
             10000, cap=CAP_MANY),
]


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
        # valgrind created the file as root; h2o writes it as nobody
        for f in os.listdir(cgdir):
            os.chmod(os.path.join(cgdir, f), 0o666)
        worker = run.worker()
        cl = KeepAliveClient(run.port, conns=1, timeout=60)
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


class StraceLoad:
    """syscalls per request under wrk with thousands of keep-alive
    connections: strace -c -f on the worker for 3 s of a 30 s wrk run,
    once the worker holds every connection (its fds), divided by the
    requests read in that time (successful read/recvfrom calls: one per
    request for every server here).  strace slows the server, so this
    counts what it does per request, not how fast it is."""

    def __init__(self, key, conns, path):
        self.key, self.conns, self.path = key, conns, path
        self.__name__ = "fig_syscalls_" + key

    def __call__(self, ctx, spec):
        if not ctx.strace:
            raise NA("strace missing (apt-get install -y strace)")
        run = Running(ctx, spec, conns=CAP_MANY)
        out = os.path.join(run.wdir, "strace-%s.out" % self.key)
        st = None
        got = {}

        def load():
            try:
                got["w"] = run_wrk(ctx, run, self.path, self.conns, secs=30,
                                   count=False)
            except NA as e:
                got["na"] = e
        th = threading.Thread(target=load)
        try:
            th.start()
            worker = run.worker()
            deadline = time.monotonic() + 20
            while (count_fds(worker) or 0) < self.conns:
                if time.monotonic() > deadline or not th.is_alive():
                    raise NA("the worker did not hold %d connections "
                             "within 20 s" % self.conns)
                time.sleep(0.2)
            time.sleep(1)
            st = subprocess.Popen(
                ctx.pin(ctx.client_cpu) + [ctx.strace, "-f", "-c", "-p",
                                           str(worker), "-o", out],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True)
            wait_attached(st, 10.0)
            time.sleep(3)
            st.send_signal(signal.SIGINT)
            try:
                st.wait(30)
            except subprocess.TimeoutExpired:
                raise NA("strace did not detach")
        finally:
            if st and st.poll() is None:
                st.kill()
                st.wait()
            th.join(120)
            run.stop()
        if "na" in got:
            raise got["na"]
        calls, errors = parse_strace_errors(out)
        n = sum(calls.get(k, 0) - errors.get(k, 0)
                for k in ("read", "recvfrom", "readv"))
        if n <= 0:
            raise NA("strace counted no request read")
        top = sorted(calls.items(), key=lambda kv: -kv[1])[:7]
        note = "%d requests; " % n + ", ".join(
            "%s %.2f" % (k, v / float(n)) for k, v in top)
        eagain = sum(errors.values())
        note += "; failed calls (EAGAIN) %.2f" % (eagain / float(n))
        return {"syscalls_" + self.key: (sum(calls.values()) / float(n),
                                         note)}


def parse_strace_errors(path):
    """strace -c output: ({syscall: calls}, {syscall: errors})."""
    calls, errors = {}, {}
    row = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+\s+)?(\S+)\s*$")
    with open(path) as f:
        for line in f:
            m = row.match(line)
            if not m or m.group(3) == "total":
                continue
            k = m.group(3)
            calls[k] = calls.get(k, 0) + int(m.group(1))
            errors[k] = errors.get(k, 0) + int(m.group(2) or 0)
    return calls, errors


STRACE_LOADS = [StraceLoad("c3k100k", 3000, FILE_100K),
                StraceLoad("c10k100k", 10000, FILE_100K)]


class ProbeLoad:
    """The server's latency under thousands of keep-alive connections, as
    a client with time to spare sees it.  One wrk on the client CPU
    drives conns - 100 connections and is saturated there: its
    connections wait for wrk itself (a 10,000-connection wrk on one core
    reports most of a second for any server).  A second wrk with 100
    connections runs for the load's duration once the first has been
    going 8 s; its p99 and slowest answer are the figures, and every
    timeout of either wrk is counted."""

    PROBE = 100

    def __init__(self, key, conns, path):
        self.key, self.conns, self.path = key, conns, path
        self.__name__ = "fig_probe_" + key

    def __call__(self, ctx, spec):
        secs = max(ctx.wrk_secs, 5)
        run = Running(ctx, spec, conns=CAP_MANY)
        got = {}

        def load():
            try:
                got["a"] = run_wrk(ctx, run, self.path,
                                   self.conns - self.PROBE, secs=secs + 12)
            except NA as e:
                got["na"] = e
        th = threading.Thread(target=load)
        try:
            th.start()
            time.sleep(8)
            if not th.is_alive():
                raise NA("the loading wrk ended early")
            b = run_wrk(ctx, run, self.path, self.PROBE, secs=secs)
            th.join(secs + 60)
        finally:
            run.stop()
        if "na" in got:
            raise got["na"]
        a = got["a"]
        slow = b["timeouts"] > 0
        note = "%d conns loading: %d req/s, p99 %.0f ms, max %.0f ms, " \
            "%d timeouts; the %d probing: %d req/s, p50 %.1f ms, " \
            "%d timeouts" % (self.conns - self.PROBE, a["rps"], a["p99"],
                              a["max"], a["timeouts"], self.PROBE,
                              b["rps"], b["p50"], b["timeouts"])
        return {"probe99_" + self.key: (SLOW if slow else b["p99"], note),
                "probemax_" + self.key: SLOW if slow else b["max"],
                "probeto_" + self.key: a["timeouts"] + b["timeouts"]}


PROBE_LOADS = [ProbeLoad("c10k100k", 10000, FILE_100K),
               ProbeLoad("c10k1k", 10000, FILE_1K)]


def cpu_us_per_req(w, t0, t1):
    if not w["requests"]:
        raise NA("wrk completed no requests")
    return (t1 - t0) * 1e6 / CLK_TCK / w["requests"]


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
        run.worker()
        pids = run.pids()
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
    run = Running(ctx, spec, conns=CAP_MANY)
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
    def __init__(self, fn, rows, per_round=True, load=None):
        self.fn, self.rows, self.per_round = fn, rows, per_round
        self.load = load   # the LoadCase, for the load table


def fmt_int(v):
    return "%d" % round(v)


def fmt_ms(v):
    return ">2000" if v == SLOW else "%.1f" % v


def fmt_size(v):
    return "%d (%.1f MiB)" % (v, v / 1048576.0) if v >= 1048576 else \
        "%d (%.1f KiB)" % (v, v / 1024.0)


def load_figure(case):
    return Figure(case, [Row("%s.%s" % (case.key, f), f, None)
                         for f in LoadCase.FIELDS], load=case)


FIGURES = [load_figure(c) for c in LOADS] + [
    Figure(fig_instructions, [
        Row("instr", "instructions/req (callgrind)", fmt_int,
            lower_better=True)]),
    Figure(fig_syscalls, [
        Row("syscalls", "syscalls/req (strace)", "%.2f".__mod__,
            lower_better=True)]),
] + [
    Figure(f, [Row("syscalls_" + f.key, "syscalls/req, %s conns, 100 KiB "
                   "(strace, wrk)" % format(f.conns, ","), "%.2f".__mod__,
                   lower_better=True)]) for f in STRACE_LOADS] + [
    Figure(f, [Row("probe99_" + f.key, "p99 ms of %d more conns, %s conns, "
                   "%s" % (f.PROBE, format(f.conns, ","), f.path.lstrip("/")),
                   fmt_ms, lower_better=True),
               Row("probemax_" + f.key, "max ms of %d more conns, %s conns, "
                   "%s" % (f.PROBE, format(f.conns, ","), f.path.lstrip("/")),
                   fmt_ms, lower_better=True),
               Row("probeto_" + f.key, "wrk timeouts, both wrk, %s conns, %s"
                   % (format(f.conns, ","), f.path.lstrip("/")), fmt_int,
                   lower_better=True, ratio=False)])
    for f in PROBE_LOADS] + [
    Figure(fig_idle_rss, [
        Row("rss", "idle RSS, all processes, KiB", fmt_int,
            lower_better=True),
        Row("pss", "idle PSS, all processes, KiB (binary once)", fmt_int,
            lower_better=True)]),
    Figure(fig_conn_memory, [
        Row("conn_mem", "bytes per idle keep-alive conn", fmt_int,
            lower_better=True)]),
    Figure(fig_exec_to_first, [
        Row("start_ms", "exec to first answer ms", "%.2f".__mod__,
            lower_better=True)]),
    Figure(fig_socket_errors, [
        Row("errors", "wrk socket errors + non-2xx + timeouts", fmt_int,
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
    if not os.path.exists(args.h2o) and args.h2o == H2O_DEFAULT:
        missing.append("h2o")
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
    paths = {"nginx": args.nginx, "h2o": args.h2o}
    still = [t for t in missing
             if not (shutil.which(t) or (t in paths and
                                         os.path.exists(paths[t])))]
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


def version(spec):
    argv = {"nginx": [spec.binary, "-v"],
            "h2o": [spec.binary, "--version"]}.get(
                spec.name, [spec.binary, "--version"])
    try:
        v = subprocess.run(argv, capture_output=True, text=True, timeout=5)
        return (v.stdout + v.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return ""


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
    order = ("%s, then reversed (%s)" % (
        " ".join(s.name for s in specs),
        "ABBA: every server first as often as last"
        if ctx.args.rounds % 2 == 0 else
        "ODD number of rounds: the order is not balanced"))
    lines = ["%s: nproc %d (%s), Linux %s, %d round(s)%s, medians; "
             "run at %s" % (
                 " vs ".join(s.name for s in specs), os.cpu_count() or 0,
                 model, platform.release(), ctx.args.rounds,
                 " --quick" if ctx.quick else "",
                 time.strftime("%Y-%m-%d %H:%M %Z")),
             "order of the servers in each figure: round 1 %s, round 2 "
             "the reverse, and so on" % order]
    if ctx.server_cpu is not None:
        lines.append("servers pinned to CPU %d, clients (wrk, python) to "
                     "CPU %d; wrk -t1 -d%ds --latency (timeout 2 s); "
                     "RLIMIT_NOFILE %d" % (
                         ctx.server_cpu, ctx.client_cpu, ctx.wrk_secs,
                         ctx.nofile))
    else:
        lines.append("NOT pinned (fewer than 2 usable CPUs); RLIMIT_NOFILE %d"
                     % ctx.nofile)
    for s in specs:
        shown = s.binary
        if s.name == "fenix":
            shown = "%s (copied at start)" % ctx.args.fenix
        lines.append("%s: %s %s" % (s.name, shown, version(s)))
    return lines


def settings_lines(ctx, specs):
    """Each server's settings, for the default connection cap; the
    figures with thousands of connections raise the cap of all alike."""
    out = ["settings: every server runs one worker (process or thread), "
           "no access log, listen backlog %d (net.core.somaxconn), and a "
           "connection cap of %d (%d for the 3,000 and 10,000 connection "
           "loads and the idle connections): max_conns, "
           "worker_connections, max-connections" % (
               ctx.backlog, CAP_DEFAULT, CAP_MANY)]
    for s in specs:
        if s.missing:
            continue
        out.append("--- %s" % s.settings(ctx, CAP_DEFAULT))
    return out


def cell(v, key):
    f = key.rsplit(".", 1)[1]
    if v == SLOW:
        return ">2000"
    if f in ("rps", "timeouts", "errors", "rss"):
        return "%d" % round(v)
    if f in ("p50", "p99", "max"):
        return ("%.0f" % v) if v >= 100 else ("%.2f" % v) if v < 10 \
            else ("%.1f" % v)
    return "%.1f" % v if f == "mib_s" else "%.2f" % v


def table(rows):
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for i, r in enumerate(rows):
        out.append(" | ".join(
            r[0].ljust(w[0]) if j == 0 else r[j].rjust(w[j])
            for j in range(len(r))))
        if i == 0:
            out.append("-" * (sum(w) + 3 * (len(w) - 1)))
    return out


def render_load(ctx, figs, specs, results, foot):
    """One row per load and server: req/s, MiB/s, CPU, p50, p99 (medians
    of the rounds), the slowest answer (max over the rounds), timeouts and
    errors (sums over the rounds), peak RSS per connection (median)."""
    rows = [("load (wrk)", "server", "req/s", "MiB/s", "CPU us/req",
             "p50 ms", "p99 ms", "max ms", "timeouts", "errors", "B/conn")]
    for fig in figs:
        case = fig.load
        if case is None:
            continue
        for s in specs:
            cells = []
            noted = False
            for f in LoadCase.FIELDS:
                key = "%s.%s" % (case.key, f)
                got = results.get(key, {}).get(s.name, [])
                nums = [v for v in got if not isinstance(v, NA)]
                nas = [v for v in got if isinstance(v, NA)]
                if not nums:
                    cells.append("n/a")
                elif f in ("timeouts", "errors"):
                    cells.append(cell(sum(nums), key))
                elif f == "max":
                    cells.append(cell(max(nums), key))
                else:
                    cells.append(cell(statistics.median(nums), key))
                if nas and not noted:
                    noted = True
                    foot.append("%s, %s: %d of %d round(s) n/a: %s" % (
                        case.label, s.name, len(nas), len(got), nas[0]))
                if ctx.args.verbose and f in ("rps", "p99"):
                    foot.append("%s, %s: %s per round: %s" % (
                        case.label, s.name, f, " ".join(
                            "n/a" if isinstance(v, NA) else cell(v, key)
                            for v in got)))
            rows.append((case.label, s.name) + tuple(cells))
    if len(rows) == 1:
        return []
    return table(rows) + [""]


def render(ctx, figs, specs, results, notes, header):
    """results[row_key][server] = list of values; notes[(key,srv)] = str"""
    names = [s.name for s in specs]
    fen, peers = names[0], names[1:]
    foot = []
    out = list(header) + [""]
    out += render_load(ctx, figs, specs, results, foot)
    rows = [("figure",) + tuple(names) +
            tuple("%s/%s" % (fen, p) for p in peers)]
    for fig in figs:
        if fig.load is not None:
            continue
        for row in fig.rows:
            cells = []
            vals = {}
            for s in names:
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
            ratios = []
            for p in peers:
                if row.ratio and fen in vals and vals.get(p):
                    ratios.append("%.2fx" % (vals[fen] / vals[p]))
                else:
                    ratios.append("-")
            label = row.label + (" (lower is better)" if row.lower_better
                                 else "")
            rows.append((label,) + tuple(cells) + tuple(ratios))
            for s in names:
                if (row.key, s) in notes:
                    foot.append("%s, %s: %s" % (row.label, s,
                                                notes[(row.key, s)]))
            if ctx.args.verbose:
                for s in names:
                    got = results.get(row.key, {}).get(s, [])
                    foot.append("%s, %s: rounds: %s" % (
                        row.label, s, " ".join(
                            "n/a" if isinstance(v, NA) else row.fmt(v)
                            for v in got)))
    if len(rows) > 1:
        out += table(rows)
    out += ["note: " + f for f in foot]
    out += settings_lines(ctx, specs)
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
    ap.add_argument("--fenix-opt", action="append", metavar="NAME=VALUE",
                    help="pass -o NAME=VALUE to fenix (repeatable)")
    ap.add_argument("--nginx", default=NGINX_DEFAULT)
    ap.add_argument("--h2o", default=H2O_DEFAULT)
    ap.add_argument("--rounds", type=int, default=2,
                    help="even, so that each server goes first as often "
                         "as last (default 2)")
    ap.add_argument("--quick", action="store_true",
                    help="1 round, 2 s wrk runs, no valgrind")
    ap.add_argument("--duration", type=int, default=None,
                    help="seconds per wrk run (default 5, --quick 2)")
    ap.add_argument("--only", default="",
                    help="comma-separated figure function names, e.g. "
                         "load_ka1k,fig_syscalls (load_KEY for a load: %s)"
                         % ",".join(c.key for c in LOADS))
    ap.add_argument("--servers", default="fenix,nginx,h2o",
                    help="comma-separated: which of fenix,nginx,h2o run")
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
    h2o = H2o("h2o", args.h2o)
    if not os.access(h2o.binary, os.X_OK):
        h2o.missing = "%s missing (apt-get install -y h2o)" % args.h2o
    specs = [s for s in (fenix, nginx, h2o)
             if s.name in args.servers.split(",")]
    if not specs or specs[0] is not fenix:
        ap.error("--servers must include fenix")

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
