#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# `make chaos`: N random faults under request load on a 2-worker fenix
# server, then the upgrade invariants of ARCHITECTURE.md checked on what
# is left (issue 12, "a chaos run").  Not part of `make check`: it runs
# for minutes.
#
# usage: chaos.py --fenix BIN [-n FAULTS] [--seed S]
#
# The server runs from a copy of BIN in a temp dir (the copy is what the
# upgrades replace), on 127.0.0.1 and a port the kernel chose, with its
# own pid file.  The faults: SIGKILL a worker; SIGKILL a running `fenix
# upgrade` at a random moment; SIGKILL the new master right after USR2;
# HUP to a master during an upgrade; two `fenix upgrade` at once; SIGINT
# to `fenix upgrade`; a plain `fenix upgrade`.  After each one a fresh
# GET must answer 200 within 3 s, and a master must run.  At the end,
# after a bounded settle (one more `fenix upgrade` resolves a leftover):
# exactly one master, named by the pid file, no .oldbin, 2 workers, every
# fenix process of this pid file descends from the master, `fenix status`
# exits 0, one more `fenix upgrade` exits 0, and the binary on disk is the
# one running.  One line per fault, a summary, exit 1 on any violation.
# The seed is printed first; --seed replays the same sequence of faults
# and random moments (the timing of the processes is the machine's).
# Only processes that this script started are signalled: those named by
# its own pid files or whose command line names its own pid file.
import argparse, os, random, shutil, signal, socket, subprocess, sys
import tempfile, time

KINDS = ["kill_worker", "kill_upgrade", "kill_new_master", "hup_upgrade",
         "two_upgrades", "int_upgrade", "upgrade"]
WORKERS = 2
DRIVER_LIMIT = 60       # seconds a `fenix upgrade` may take before "hang"
GET_LIMIT = 3           # seconds for the fresh GET after each fault
SETTLE = 30             # seconds for the end state to settle

p = argparse.ArgumentParser()
p.add_argument("--fenix", required=True)
p.add_argument("-n", "--faults", type=int, default=200)
p.add_argument("--seed", type=int)
a = p.parse_args()
FENIX = os.path.abspath(a.fenix)
seed = a.seed if a.seed is not None else random.SystemRandom().randrange(
    1, 2**31)
rnd = random.Random(seed)
print("chaos: seed %d, %d faults (replay: make chaos CHAOS_SEED=%d "
      "CHAOS_FAULTS=%d)" % (seed, a.faults, seed, a.faults), flush=True)

T = tempfile.mkdtemp(prefix="fenix-chaos.")
BIN = os.path.join(T, "fenix")
PIDF = os.path.join(T, "fenix.pid")
ERRF = os.path.join(T, "server.err")
DRVLOG = os.path.join(T, "upgrade.log")
WWW = os.path.join(T, "www")
HERE = os.path.dirname(os.path.abspath(__file__))


def sigterm(_s, _f):
    raise KeyboardInterrupt


signal.signal(signal.SIGTERM, sigterm)
signal.signal(signal.SIGHUP, sigterm)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st.rpartition(")")[2].split()[0] not in ("Z", "X")


def ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split() if alive(int(x))]
    except (OSError, ValueError):
        return []


def generation(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        return None
    for e in env:
        if e.startswith(b"FENIX_GENERATION="):
            return e[17:].decode()
    return "1"


def ours():
    """Live processes whose command line names our pid file."""
    r = []
    key = PIDF.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if key in argv and alive(int(d)):
            r.append(int(d))
    return r


def master():
    m = read_pid(PIDF)
    return m if m is not None and alive(m) and m in ours() else None


def kill(pid, sig):
    """Signal pid if it is one of ours; False if it was not there."""
    if pid is None or pid not in ours():
        return False
    try:
        os.kill(pid, sig)
        return True
    except OSError:
        return False


def poll(seconds, fn, step=0.02):
    end = time.monotonic() + seconds
    while True:
        r = fn()
        if r or time.monotonic() > end:
            return r
        time.sleep(step)


def get(port):
    """A fresh connection, GET /: True on a whole 200 within GET_LIMIT."""
    end = time.monotonic() + GET_LIMIT
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=GET_LIMIT)
    except OSError as e:
        return "connect: %s" % e
    try:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        buf = b""
        while True:
            s.settimeout(max(0.01, end - time.monotonic()))
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError as e:
        return "%s after %d bytes" % (type(e).__name__, len(buf))
    finally:
        s.close()
    line = buf.split(b"\r\n", 1)[0]
    if not line.startswith(b"HTTP/1.1 200"):
        return "answer %r" % line[:40]
    return True


drivers = []
exited = []             # exit codes of the drivers waited for in a fault


def driver(w, b=None):
    """Start `fenix upgrade` in the background (its output to DRVLOG)."""
    args = [FENIX, "upgrade", "-p", PIDF, "-w", str(w)]
    if b:
        args += ["-b", b]
    log = open(DRVLOG, "a")
    log.write("--- %s\n" % " ".join(args[1:]))
    log.flush()
    d = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                         stderr=log)
    log.close()
    drivers.append(d)
    return d


def wait_driver(d):
    try:
        rc = d.wait(DRIVER_LIMIT)
    except subprocess.TimeoutExpired:
        d.kill()
        d.wait()
        rc = "hang"
    exited.append(rc)
    return rc


def settled():
    """No upgrade left behind: no .oldbin, no state file, a master."""
    return not os.path.exists(PIDF + ".oldbin") and \
        not os.path.exists(PIDF + ".upgrade") and master() is not None


def new_binary():
    return rnd.choice([None, os.path.join(T, "A"), os.path.join(T, "B")])


def bake():
    return rnd.choice([0, 0, 1])


def est(w):
    """How long an upgrade with bake w takes here, roughly."""
    return 0.15 + w


def phase():
    try:
        with open(PIDF + ".upgrade") as f:
            for l in f:
                if l.startswith("phase "):
                    return l.split()[1]
    except OSError:
        pass
    return "-"


def rc_check(rc, allowed):
    return None if rc in allowed else "exit %s, expected %s" % (
        rc, "/".join(str(x) for x in sorted(allowed)))


def f_kill_worker():
    m = master()
    g = generation(m) if m else None
    ws = [c for c in children(m) if generation(c) == g] if m else []
    if not ws:
        return "no worker to kill (master %s)" % m, "no worker"
    w = rnd.choice(ws)
    kill(w, signal.SIGKILL)
    # It is respawned; the fresh GET below is served meanwhile.
    ok = poll(5, lambda: len([c for c in children(m)
                              if generation(c) == g]) >= WORKERS)
    return "worker %d of %d" % (w, m), None if ok else "not respawned"


def f_kill_upgrade():
    w = bake()
    d = driver(w, new_binary())
    time.sleep(rnd.uniform(0, est(w) * 1.2))
    ph = phase()
    d.kill()
    rc = d.wait()
    return "at phase %s (w %d, driver %s)" % (
        ph, w, "killed" if rc == -9 else "had exited %s" % rc), None


def f_kill_new_master():
    """SIGKILL the new master as soon as it is seen: after our own USR2
    (the old master must roll back by itself), or during a `fenix
    upgrade` with a bake (it must exit 10-13), never once QUIT is sent:
    the new master would then be the only one."""
    leftover = ""
    if os.path.exists(PIDF + ".upgrade"):
        rc = wait_driver(driver(0))
        leftover = "leftover resolved (%s), " % rc
    m = master()
    if m is None:
        return leftover + "no master", "no master"
    g = generation(m)
    manual = rnd.random() < 0.5
    d = None
    if manual:
        kill(m, signal.SIGUSR2)
    else:
        d = driver(rnd.choice([1, 2]), new_binary())

    def newm():
        for c in children(m):
            if generation(c) not in (g, None):
                return c
        return None
    n = poll(10, newm, 0.001)
    late = d is not None and (d.poll() is not None or phase() == "quit")
    res = ""
    if n and not late:
        # n is a child of our master: ours, whatever its argv says yet.
        try:
            os.kill(n, signal.SIGKILL)
        except OSError as e:
            res = " (kill: %s)" % e.strerror
    how = "after USR2" if manual else "in an upgrade"
    if manual:
        ok = poll(5, lambda: settled() and master() == m and
                  len(children(m)) == WORKERS)
        return leftover + "new master %s of %d %s%s" % (n, m, how, res), \
            ("no new master seen" if n is None else None if ok else
             "the old master did not roll back to %d workers" % WORKERS)
    rc = wait_driver(d)
    if late:
        return leftover + "new master %s of %d seen too late, not killed, " \
            "driver %s" % (n, m, rc), None
    return leftover + "new master %s of %d %s%s, driver %s" % (
        n, m, how, res, rc), \
        ("no new master seen" if n is None else
         rc_check(rc, {10, 11, 12, 13}))


def f_hup_upgrade():
    leftover = os.path.exists(PIDF + ".upgrade")
    m0 = master()
    w = bake()
    d = driver(w, new_binary())
    time.sleep(rnd.uniform(0, est(w) * 1.2))
    which = rnd.choice(["first", "current"])
    t = m0 if which == "first" else master()
    ph = phase()
    kill(t, signal.SIGHUP)
    rc = wait_driver(d)
    allowed = {0, 10, 11, 12, 13} | ({15} if leftover else set())
    return "HUP to %s master %s at phase %s, driver %s" % (
        which, t, ph, rc), rc_check(rc, allowed)


def f_two_upgrades():
    leftover = os.path.exists(PIDF + ".upgrade")
    # A bake of 1 s: the first holds the lock well after the second
    # starts, even on a loaded machine.
    d1 = driver(1, os.path.join(T, "A"))
    d2 = driver(1, os.path.join(T, "B"))
    r1, r2 = wait_driver(d1), wait_driver(d2)
    rcs = sorted([r1, r2], key=str)
    bad = None
    if [r1, r2].count(20) != 1:
        bad = "exits %s %s: exactly one must be 20" % (r1, r2)
    else:
        other = r2 if r1 == 20 else r1
        bad = rc_check(other, {0, 15} if leftover else {0})
    return "drivers %s" % " ".join(str(x) for x in rcs), bad


def f_int_upgrade():
    leftover = os.path.exists(PIDF + ".upgrade")
    w = bake()
    d = driver(w, new_binary())
    time.sleep(rnd.uniform(0, est(w) * 1.2))
    ph = phase()
    d.send_signal(signal.SIGINT)
    rc = wait_driver(d)
    allowed = {0, 14} | ({15} if leftover else set())
    return "INT at phase %s, driver %s" % (ph, rc), rc_check(rc, allowed)


def f_upgrade():
    leftover = os.path.exists(PIDF + ".upgrade")
    rc = wait_driver(driver(bake(), new_binary()))
    return "driver %s%s" % (rc, " (leftover)" if leftover else ""), \
        rc_check(rc, {0, 15} if leftover else {0})


FAULTS = {k: globals()["f_" + k] for k in KINDS}


def describe(pid):
    """For a report: parent, state, generation, age, signals, wchan."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read().rpartition(")")[2].split()
        with open("/proc/%d/status" % pid) as f:
            sig = " ".join(l.split()[0] + l.split()[1] for l in f
                           if l[:6] in ("SigPnd", "ShdPnd", "SigBlk"))
        with open("/proc/%d/wchan" % pid) as f:
            wchan = f.read()
        with open("/proc/uptime") as f:
            up = float(f.read().split()[0])
        age = up - int(st[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return "gone"
    return "ppid %s, state %s, generation %s, %.0f s old, %s, wchan %s" % (
        st[1], st[0], generation(pid), age, sig, wchan)


def end_state():
    """The settled state: a list of violations (empty when all hold)."""
    m = master()
    bad = []
    if m is None:
        return ["no live master named by the pid file"]
    procs = ours()
    roots = [x for x in procs if ppid(x) not in procs]
    if roots != [m]:
        bad.append("masters (roots) %s, pid file names %d" % (roots, m))
    if os.path.exists(PIDF + ".oldbin"):
        bad.append(".oldbin exists")
    ws = children(m)
    if len(ws) != WORKERS:
        bad.append("master %d has %d children %s" % (m, len(ws), ws))
    for x in procs:
        y = x
        while y is not None and y != m and y in procs:
            y = ppid(y)
        if y != m:
            bad.append("process %d does not descend from %d (%s)" % (
                x, m, describe(x)))
    return bad


def cleanup(server):
    for f in (PIDF + ".oldbin", PIDF):
        kill(read_pid(f), signal.SIGTERM)
    poll(10, lambda: not ours())
    for x in ours():
        kill(x, signal.SIGKILL)
    for d in drivers:
        if d.poll() is None:
            d.kill()
            d.wait()
    if server is not None and server.poll() is None:
        server.kill()
        server.wait()


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join("    " + l for l in f.readlines()[-n:])
    except OSError:
        return ""


def main():
    os.makedirs(WWW)
    with open(os.path.join(WWW, "index.html"), "w") as f:
        f.write("chaos\n")
    shutil.copy(FENIX, BIN)
    # Two distinct new binaries: fenix with a marker appended.
    for mark in "AB":
        with open(FENIX, "rb") as f, open(os.path.join(T, mark), "wb") as o:
            o.write(f.read() + mark.encode() + b"\n")
        os.chmod(os.path.join(T, mark), 0o755)
    port = free_port()
    server = subprocess.Popen(
        [BIN, "server", "-l", "127.0.0.1:%d" % port, "-r", WWW,
         "-w", str(WORKERS), "-p", PIDF, "-e", ERRF],
        stdin=subprocess.DEVNULL, cwd=T, start_new_session=True)
    load = None
    violations = []
    counts = {k: [0, 0] for k in KINDS}
    getfail = 0
    try:
        if not poll(10, lambda: master() == server.pid) or \
                not poll(5, lambda: get(port) is True):
            print("chaos: the server did not start\n" + tail(ERRF))
            return 1
        stop = os.path.join(T, "load.stop")
        ready = os.path.join(T, "load.ready")
        load = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "integration", "load.py"),
             str(port), "--conns", "4", "--seconds", "86400",
             "--stop", stop, "--ready", ready],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        poll(15, lambda: os.path.exists(ready))
        t0 = time.monotonic()
        for i in range(1, a.faults + 1):
            kind = rnd.choice(KINDS)
            del exited[:]
            what, bad = FAULTS[kind]()
            server.poll()
            g = get(port)
            probs = [bad] if bad else []
            # Drivers that all exited by themselves, not all refused:
            # the upgrade is over, one generation is left.
            if exited and set(exited) != {20} and \
                    all(isinstance(x, int) and x >= 0 for x in exited) \
                    and not poll(5, settled):
                probs.append("drivers exited %s but %s" % (
                    "/".join(map(str, exited)),
                    ".oldbin is left" if os.path.exists(PIDF + ".oldbin")
                    else "the state file is left" if os.path.exists(
                        PIDF + ".upgrade") else "no master"))
            if g is not True:
                getfail += 1
                probs.append("GET: %s" % g)
            if master() is None:
                # Give a rollback in progress a moment to rename .oldbin.
                if not poll(5, master):
                    probs.append("no live master named by the pid file")
            counts[kind][0] += 1
            if probs:
                counts[kind][1] += 1
                violations.append("fault %d %s: %s" % (
                    i, kind, "; ".join(probs)))
            print("%4d %-16s %-58s %s" % (
                i, kind, what, "FAIL: " + "; ".join(probs) if probs
                else "ok"), flush=True)
        took = time.monotonic() - t0
        # Settle: one more run resolves any leftover, then the workers
        # of killed generations finish their drain.
        rc = wait_driver(driver(0))
        print("settle: fenix upgrade exit %s" % rc, flush=True)
        if rc not in (0, 15):
            violations.append("settle: fenix upgrade exit %s" % rc)
        poll(SETTLE, lambda: not end_state(), 0.1)
        end = end_state()
        st = subprocess.run([FENIX, "status", "-p", PIDF],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, timeout=30)
        if st.returncode != 0:
            end.append("fenix status exit %d: %s" % (
                st.returncode, st.stdout.strip()[:200]))
        rc = wait_driver(driver(0))
        if rc != 0:
            end.append("final fenix upgrade exit %s" % rc)
        m = master()
        try:
            same = m is not None and subprocess.run(
                ["cmp", "-s", BIN, "/proc/%d/exe" % m]).returncode == 0
        except OSError:
            same = False
        if not same:
            end.append("%s is not the binary master %s runs" % (BIN, m))
        if not end:
            end = end_state()
        for e in end:
            violations.append("end: " + e)
        open(stop, "w").close()
        out = load.communicate(timeout=60)[0].strip()
        load = None
        print("\nchaos: seed %d, %d faults in %.0f s" % (seed, a.faults, took))
        for k in KINDS:
            print("  %-16s %4d run, %d failed" % (k, counts[k][0],
                                                  counts[k][1]))
        print("  fresh GET failures: %d of %d" % (getfail, a.faults))
        print("  end state: %s" % ("ok" if not end else "; ".join(end)))
        print("  load (4 keep-alive connections, informational): " +
              out.replace("\n", "; "))
        if violations:
            print("chaos: %d violation(s), seed %d:" % (len(violations), seed))
            for v in violations:
                print("  " + v)
            print("server log tail:\n" + tail(ERRF) +
                  "upgrade log tail:\n" + tail(DRVLOG, 30))
            return 1
        print("chaos: no violation")
        return 0
    except KeyboardInterrupt:
        print("chaos: interrupted")
        return 1
    finally:
        if load is not None:
            load.kill()
            load.wait()
        cleanup(server)
        if os.environ.get("CHAOS_KEEP"):
            print("chaos: kept " + T)
        else:
            shutil.rmtree(T, ignore_errors=True)


sys.exit(main())
