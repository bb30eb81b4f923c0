#!/usr/bin/env python3
"""Hot upgrades under load, fenix against nginx (make bench-upgrade).

Usage: python3 tests/bench/upgrade_bench.py --fenix obj/fenix [-n 100]

For each load mode (wrk keep-alive, wrk with "Connection: close") and each
server, start the server (one worker) from a config file, start wrk, and
do N upgrades back to back by nginx's signal dance.  Before each USR2 the
config file is pointed at a new document root, gen-K, whose file /gen
holds K: the new master reads the config again, its workers serve gen-K,
while the old workers keep serving gen-(K-1).  Each upgrade is then:
USR2 to the master; poll /gen on new connections until one answers K
(the first request answered by a new-generation worker: the same moment
for both servers, whatever each does with its pid file); wait for the pid
file to name the new master; only then WINCH and QUIT the old master, and
wait for it to be gone.

Prints one table, side by side: requests and failed requests (wrk socket
errors, timeouts and non-2xx answers), wrk's p50 and p99 over the whole
run, and the median and max time from USR2 to the first answer of the new
generation and to the old master's exit; then each server's settings.
The servers run in ABBA order (fenix, nginx, nginx, fenix).  nginx runs
with "daemon on", since in the foreground it ignores USR2.

Python 3 standard library and wrk only; servers on CPU 1, wrk on CPU 0.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench as B  # noqa: E402  (figures' helpers: Ctx, Nginx, ...)


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


def get_gen(port):
    """The body of /gen on a new connection, or None."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return None
    try:
        s.sendall(B.request_bytes("/gen", close=True))
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except OSError:
        return None
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return None
    return body.decode("latin-1").strip()


def make_gen(ctx, wdir, k):
    """Document root gen-K: /gen holds K, 1k.bin as the bench's."""
    root = os.path.join(wdir, "gen-%d" % k)
    os.mkdir(root)
    os.chmod(root, 0o755)
    with open(os.path.join(root, "gen"), "w") as f:
        f.write("%d\n" % k)
    shutil.copy(os.path.join(ctx.root, "1k.bin"), root)
    for n in os.listdir(root):
        os.chmod(os.path.join(root, n), 0o644)
    return root


class Server:
    """One server under upgrade: write_conf(root) points the config file
    at a root; start() runs it."""

    def __init__(self, ctx, name, binary, wdir, port):
        self.ctx, self.name, self.wdir, self.port = ctx, name, wdir, port
        self.pidfile = os.path.join(wdir, name + ".pid")
        self.conf = os.path.join(wdir, name + ".conf")
        self.binary = binary
        if name == "fenix":
            self.binary = os.path.join(wdir, "fenix")
            shutil.copy(binary, self.binary)
        self.nginx = B.Nginx("nginx", binary) if name == "nginx" else None

    def write_conf(self, root):
        self.root = root
        tmp = self.conf + ".tmp"
        with open(tmp, "w") as f:
            if self.nginx:
                f.write(self.nginx.conf(self.ctx, self.port, self.pidfile,
                                        B.CAP_DEFAULT, root=root,
                                        daemon=True))
            else:
                f.write("root %s\n" % root)
        os.rename(tmp, self.conf)

    def argv(self):
        if self.nginx:
            return [self.binary, "-c", self.conf, "-p", self.wdir + "/"]
        return [self.binary, "server", "-c", self.conf,
                "-l", "127.0.0.1:%d" % self.port, "-w", "1",
                "-p", self.pidfile,
                "-o", "max_conns=%d" % B.CAP_DEFAULT,
                "-o", "backlog=%d" % self.ctx.backlog]

    def settings(self):
        if self.nginx:
            return self.nginx.settings(self.ctx, B.CAP_DEFAULT,
                                       root=self.root, daemon=True)
        return B.Fenix("fenix", "fenix").settings(
            self.ctx, B.CAP_DEFAULT).replace(
            "fenix server ", "fenix server -c CONF (root ROOT) ")

    def start(self):
        os.makedirs(os.path.join(self.wdir, "logs"), exist_ok=True)
        err = open(os.path.join(self.wdir, "stderr.log"), "w")
        proc = subprocess.Popen(
            self.ctx.pin(self.ctx.server_cpu) + self.argv(),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            preexec_fn=self.ctx.preexec(None))
        err.close()
        if self.nginx:
            proc.wait(10)      # the daemon's parent returns at once
        if not wait_for(lambda: read_pid(self.pidfile) > 0, 10):
            raise B.NA("%s wrote no pid file" % self.name)
        if not wait_for(lambda: get_gen(self.port) == "1", 10):
            raise B.NA("%s does not answer" % self.name)
        return proc


def parse_wrk(out):
    r = {"requests": 0, "failed": 0, "p50": None, "p99": None}
    req = re.search(r"(\d+) requests in", out or "")
    if req:
        r["requests"] = int(req.group(1))
    se = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                   r"timeout (\d+)", out or "")
    if se:
        r["failed"] += sum(int(x) for x in se.groups())
    nx = re.search(r"Non-2xx or 3xx responses: (\d+)", out or "")
    if nx:
        r["failed"] += int(nx.group(1))
    for q, v in re.findall(r"^\s+(50|99)%\s+(\S+)", out or "", re.M):
        r["p" + q] = B.wrk_ms(v)
    return r


def one_mode(ctx, name, binary, close, n):
    port = B.free_port()
    wdir = ctx.next_dir(name)
    srv = Server(ctx, name, binary, wdir, port)
    srv.write_conf(make_gen(ctx, wdir, 1))
    proc = srv.start()
    wrk = subprocess.Popen(
        ctx.pin(ctx.client_cpu) + [ctx.wrk, "-t1", "-c32", "-d600s",
                                   "--latency"] +
        (["-H", "Connection: close"] if close else []) +
        ["http://127.0.0.1:%d%s" % (port, B.FILE_1K)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=ctx.preexec(None))
    time.sleep(0.5)        # a benchmark, not a test: let wrk connect
    first, gone, done, why = [], [], 0, ""
    try:
        for k in range(2, n + 2):
            old = read_pid(srv.pidfile)
            srv.write_conf(make_gen(ctx, wdir, k))
            t0 = time.perf_counter()
            os.kill(old, signal.SIGUSR2)
            if not wait_for(lambda: get_gen(port) == str(k), 10):
                why = "upgrade %d: no answer from the new generation" % k
                break
            t1 = time.perf_counter()

            def new_pid():
                p = read_pid(srv.pidfile)
                return p and p != old and running(p)
            if not wait_for(new_pid, 10):
                why = "upgrade %d: no new pid in the pid file" % k
                break
            os.kill(old, signal.SIGWINCH)
            os.kill(old, signal.SIGQUIT)
            if not wait_for(lambda: not running(old), 30):
                why = "upgrade %d: the old master did not exit" % k
                break
            t2 = time.perf_counter()
            if proc.pid == old:
                proc.wait(5)
            first.append((t1 - t0) * 1000)
            gone.append((t2 - t0) * 1000)
            done += 1
    finally:
        wrk.send_signal(signal.SIGINT)
        try:
            out = wrk.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            wrk.kill()
            out = wrk.communicate()[0]
        for pf in (srv.pidfile + ".oldbin", srv.pidfile):
            last = read_pid(pf)
            if last and running(last):
                os.kill(last, signal.SIGQUIT)
                wait_for(lambda: not running(last), 15)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    r = parse_wrk(out)
    r.update({"upgrades": done, "first": first, "gone": gone, "why": why,
              "settings": srv.settings()})
    return r


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
    B.raise_nofile(ctx.nofile)
    ctx.make_root()
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    load0 = B.loadavg()
    servers = (("fenix", os.path.abspath(args.fenix)),
               ("nginx", args.nginx))
    res = {}
    try:
        for close in (False, True):
            # ABBA: fenix, nginx, then nginx, fenix
            for name, binary in (servers[::-1] if close else servers):
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
        if key in ("p50", "p99"):
            return "n/a" if r[key] is None else "%.2f" % r[key]
        v = r[key[0]]
        if not v:
            return "n/a"
        return "%.1f" % (statistics.median(v) if key[1] == "med" else max(v))

    print("fenix vs nginx, hot upgrades under wrk -t1 -c32 --latency load "
          "on %s: run at %s, load average %s at start, %s at end" % (
              B.FILE_1K, started, load0, B.loadavg()))
    print("servers pinned to CPU %s, wrk to CPU %s; order ABBA" % (
        ctx.server_cpu, ctx.client_cpu))
    rows = []
    for close, mode in ((False, "keep-alive, 32 conns"),
                        (True, "new conn per request, 32 conns")):
        rows += [
            ("%s: upgrades done" % mode, "upgrades"),
            ("%s: requests answered" % mode, "requests"),
            ("%s: failed requests" % mode, "failed"),
            ("%s: wrk p50 ms" % mode, "p50"),
            ("%s: wrk p99 ms" % mode, "p99"),
            ("%s: USR2 -> new generation answers, median ms" % mode,
             ("first", "med")),
            ("%s: USR2 -> new generation answers, max ms" % mode,
             ("first", "max")),
            ("%s: USR2 -> old master gone, median ms" % mode,
             ("gone", "med")),
            ("%s: USR2 -> old master gone, max ms" % mode, ("gone", "max")),
        ]
    w = max(len(r[0]) for r in rows)
    print("%-*s | %10s | %10s" % (w, "figure (%d upgrades each)" % args.n,
                                   "fenix", "nginx"))
    print("-" * (w + 26))
    for label, key in rows:
        close = label.startswith("new conn")
        print("%-*s | %10s | %10s" % (w, label, cell("fenix", close, key),
                                      cell("nginx", close, key)))
    for (name, close), r in sorted(res.items()):
        if r and r["upgrades"]:
            print("note: %s %s: %.2f failed requests per upgrade" % (
                name, "close" if close else "keep-alive",
                r["failed"] / r["upgrades"]))
        if r and r["why"]:
            print("note: %s %s: stopped early: %s" % (
                name, "close" if close else "keep-alive", r["why"]))
    shown = set()
    for (name, close), r in sorted(res.items()):
        if r and name not in shown:
            shown.add(name)
            print("--- %s" % r["settings"])


if __name__ == "__main__":
    main()
