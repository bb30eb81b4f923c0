#!/usr/bin/env python3
"""Hot upgrades under load, fenix against nginx (make bench-upgrade).

Usage: python3 tests/bench/upgrade_bench.py --fenix obj/fenix [-n 100]

For each server and each load mode (wrk keep-alive, wrk with
"Connection: close"), start the server (one worker), start wrk, and do N
upgrades back to back by nginx's signal dance: USR2 to the master, wait for
a new pid in the pid file, WINCH and QUIT the old master, wait for it to be
gone.  Prints one table, side by side: failed requests (wrk socket errors
and non-2xx answers), and the median and max time from USR2 to the new
pid file and to the old master's exit.  nginx runs with "daemon on",
since in the foreground it ignores USR2.

Python 3 standard library and wrk only; servers on CPU 1, wrk on CPU 0.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (figures' helpers: Ctx, http_get, ...)


def running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def wait_for(cond, timeout):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.0005)
    return True


NGINX_CONF = """daemon on;
master_process on;
worker_processes 1;
error_log %(wdir)s/error.log;
pid %(pid)s;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    keepalive_timeout 75;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    server { listen 127.0.0.1:%(port)d; root %(root)s; }
}
"""


def start_server(ctx, name, binary, port, wdir):
    pidfile = os.path.join(wdir, name + ".pid")
    pin = ctx.pin(ctx.server_cpu)
    if name == "fenix":
        exe = os.path.join(wdir, "fenix")
        shutil.copy(binary, exe)
        argv = pin + [exe, "server", "-l", "127.0.0.1:%d" % port,
                      "-r", ctx.root, "-w", "1", "-p", pidfile]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(wdir, "err"), "w"),
                                preexec_fn=ctx.preexec(None))
    else:
        conf = os.path.join(wdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF % {"wdir": wdir, "pid": pidfile, "port": port,
                                  "root": ctx.root})
        os.makedirs(os.path.join(wdir, "logs"), exist_ok=True)
        argv = pin + [binary, "-c", conf, "-p", wdir + "/"]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL,
                                preexec_fn=ctx.preexec(None))
        proc.wait(10)      # the daemon's parent returns at once
    if not wait_for(lambda: read_pid(pidfile) > 0, 10):
        raise B.NA("%s wrote no pid file" % name)

    def ok():
        try:
            return B.http_get(port, B.FILE_1K, timeout=1)[0] == 200
        except OSError:
            return False
    if not wait_for(ok, 10):
        raise B.NA("%s does not answer" % name)
    return proc, pidfile


def one_mode(ctx, name, binary, close, n):
    port = B.free_port()
    wdir = ctx.next_dir(name)
    proc, pidfile = start_server(ctx, name, binary, port, wdir)
    wrk = subprocess.Popen(
        ctx.pin(ctx.client_cpu) + [ctx.wrk, "-t1", "-c32", "-d600s"] +
        (["-H", "Connection: close"] if close else []) +
        ["http://127.0.0.1:%d%s" % (port, B.FILE_1K)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=ctx.preexec(None))
    time.sleep(0.5)        # a benchmark, not a test: let wrk connect
    ready, gone, done = [], [], 0
    try:
        for _ in range(n):
            old = read_pid(pidfile)
            t0 = time.perf_counter()
            os.kill(old, signal.SIGUSR2)
            new = [0]

            def new_pid():
                p = read_pid(pidfile)
                if p and p != old and running(p):
                    new[0] = p
                    return True
                return False
            if not wait_for(new_pid, 10):
                break
            t1 = time.perf_counter()
            os.kill(old, signal.SIGWINCH)
            os.kill(old, signal.SIGQUIT)
            if not wait_for(lambda: not running(old), 30):
                break
            t2 = time.perf_counter()
            if proc.pid == old:
                proc.wait(5)
            ready.append((t1 - t0) * 1000)
            gone.append((t2 - t0) * 1000)
            done += 1
    finally:
        wrk.send_signal(signal.SIGINT)
        try:
            out = wrk.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            wrk.kill()
            out = wrk.communicate()[0]
        last = read_pid(pidfile)
        if last and running(last):
            os.kill(last, signal.SIGQUIT)
            wait_for(lambda: not running(last), 15)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    req = re.search(r"(\d+) requests in", out or "")
    errs = 0
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                   r"timeout (\d+)", out or "")
    if se:
        errs += sum(int(x) for x in se.groups())
    nx = re.search(r"Non-2xx or 3xx responses: (\d+)", out or "")
    if nx:
        errs += int(nx.group(1))
    return {"upgrades": done, "failed": errs,
            "requests": int(req.group(1)) if req else 0,
            "ready": ready, "gone": gone}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fenix", default="obj/fenix")
    ap.add_argument("--nginx", default=B.NGINX_DEFAULT)
    ap.add_argument("-n", type=int, default=100, help="upgrades per run")
    args = ap.parse_args()
    ns = argparse.Namespace(quick=True, duration=2)
    ctx = B.Ctx(ns)
    if not ctx.wrk:
        sys.exit("bench-upgrade needs wrk (apt-get install -y wrk)")
    ctx.make_root()
    res = {}
    try:
        for close in (False, True):
            for name, binary in (("fenix", os.path.abspath(args.fenix)),
                                 ("nginx", args.nginx)):
                if name == "nginx" and not os.path.exists(binary):
                    res[(name, close)] = None
                    continue
                B.log("%s, %s, %d upgrades" % (
                    name, "new connection per request" if close else
                    "keep-alive", args.n))
                try:
                    res[(name, close)] = one_mode(ctx, name, binary, close,
                                                  args.n)
                except B.NA as e:
                    B.log("  n/a: %s" % e)
                    res[(name, close)] = None
    finally:
        ctx.cleanup()

    def cell(name, close, key):
        r = res.get((name, close))
        if r is None:
            return "n/a"
        if key in ("failed", "upgrades", "requests"):
            return str(r[key])
        v = r[key[0]]
        if not v:
            return "n/a"
        return "%.1f" % (statistics.median(v) if key[1] == "med" else max(v))

    rows = []
    for close, mode in ((False, "keep-alive, 32 conns"),
                        (True, "new conn per request, 32 conns")):
        rows += [
            ("%s: upgrades done" % mode, "upgrades"),
            ("%s: requests answered" % mode, "requests"),
            ("%s: failed requests" % mode, "failed"),
            ("%s: USR2 -> new pid file, median ms" % mode, ("ready", "med")),
            ("%s: USR2 -> new pid file, max ms" % mode, ("ready", "max")),
            ("%s: USR2 -> old master gone, median ms" % mode,
             ("gone", "med")),
            ("%s: USR2 -> old master gone, max ms" % mode, ("gone", "max")),
        ]
    w = max(len(r[0]) for r in rows)
    print("%-*s | %10s | %10s" % (w, "figure (%d upgrades each)" % args.n,
                                   "fenix", "nginx"))
    print("-" * (w + 28))
    for label, key in rows:
        close = label.startswith("new conn")
        print("%-*s | %10s | %10s" % (w, label, cell("fenix", close, key),
                                      cell("nginx", close, key)))
    for (name, close), r in sorted(res.items()):
        if r and r["upgrades"]:
            print("note: %s %s: %.2f failed requests per upgrade" % (
                name, "close" if close else "keep-alive",
                r["failed"] / r["upgrades"]))


if __name__ == "__main__":
    main()
