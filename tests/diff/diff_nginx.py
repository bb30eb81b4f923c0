#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""diff_nginx.py - the same raw requests to fenix and to nginx, side by side.

Starts fenix and nginx with equivalent settings (one worker, the same
document root, 127.0.0.1 on ports the kernel picks), sends each input on a
new connection (then half-closes it), and compares the status codes of the
answers.  Inputs: the golden requests (tests/unit/data/*.in) and the fuzz
corpora: http as raw requests, path as the request target, range as a
Range header, etag as If-None-Match, date as If-Modified-Since.

Every difference is printed with the reason the table (nginx-diff.txt)
gives for it; a difference the table does not explain is printed as
UNEXPLAINED and makes the exit status 1.
"""

import argparse
import concurrent.futures
import datetime
import fnmatch
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
NGINX_CONF = """daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx.err;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {d}/cb;
    proxy_temp_path {d}/px;
    fastcgi_temp_path {d}/fc;
    uwsgi_temp_path {d}/uw;
    scgi_temp_path {d}/sc;
    sendfile on;
    gzip_static on;
    keepalive_timeout 75;
    client_header_timeout 60;
    client_max_body_size 1m;
    server_tokens off;
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        root {root};
        index index.html;
    }}
}}
"""
FILES = {
    "index.html": b"<p>index</p>\n",
    "a.txt": b"hello, world\n",
    "empty.txt": b"",
    "dir/index.html": b"<p>dir</p>\n",
    "dir/b.css": b"p{}\n",
    "nodir/c.txt": b"c\n",
    ".hidden": b"secret\n",
    ".well-known/x.txt": b"wk\n",
    "big.bin": b"x" * 100000,
    "caf\u00e9.txt": b"utf8\n",
    "sp ace.txt": b"space\n",
}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, proc, name):
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit("diff-nginx: %s exited %d" % (name, proc.returncode))
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("diff-nginx: %s does not answer on %d" % (name, port))


STATUS = re.compile(rb"(?:^|\n)HTTP/1\.[01] (\d{3})")


def exchange(port, data, timeout):
    """Send data, half-close, read to EOF: the statuses, comma-separated."""
    try:
        s = socket.create_connection(("127.0.0.1", port), 2)
    except OSError as e:
        return "connect-failed(%s)" % e.__class__.__name__
    s.settimeout(timeout)
    got = b""
    tail = ""
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        tail = "timeout"
    except OSError:
        tail = "reset"
    finally:
        s.close()
    st = [m.decode() for m in STATUS.findall(got)]
    if tail and not (st and tail == "timeout"):
        st.append(tail)
    return ",".join(st) if st else "none"


TOKEN_FIELD = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*")


def frame(data):
    """Split data into request heads the way HTTP/1.1 frames them.

    Returns (heads, tail): tail is "head" if the last request's head has no
    end, "body" if its body is cut short, else "".
    """
    heads, pos = [], 0
    while pos < len(data):
        while data[pos:pos + 2] == b"\r\n" or data[pos:pos + 1] == b"\n":
            pos += 2 if data[pos:pos + 1] == b"\r" else 1
        if pos >= len(data):
            break
        m = re.search(rb"\r?\n\r?\n", data[pos:])
        if not m:
            return heads, "head"
        head = data[pos:pos + m.end()]
        heads.append(head)
        pos += m.end()
        te = re.search(rb"(?im)^transfer-encoding:[^\n]*chunked", head)
        cl = re.search(rb"(?im)^content-length:[ \t]*(\d+)[ \t]*\r?$", head)
        if te:
            m = re.search(rb"(?:^|\n)0+(?:;[^\n]*)?\r?\n(?:[^\n]+\n)*?\r?\n",
                          data[pos:])
            if not m:
                return heads, "body"
            pos += m.end()
        elif cl:
            n = int(cl.group(1))
            if len(data) - pos < n:
                return heads, "body"
            pos += n
    return heads, ""


def bad_field(data):
    """Does a head have a field line that is not token ":" value?"""
    for head in frame(data)[0]:
        for line in re.split(rb"\r?\n", head)[1:]:
            if line and not TOKEN_FIELD.fullmatch(line):
                return True
    return False


def field(data, name):
    m = re.search(rb"(?im)^" + name + rb":[ \t]*([^\r\n]*?)[ \t]*\r?$", data)
    return m.group(1) if m else None


def bad_utf8(data):
    """Is the target's path, percent-decoded, not valid UTF-8?"""
    m = re.match(rb"[^ ]+ ([^ ?#\r\n]*)", data)
    if not m:
        return False
    raw = re.sub(rb"%([0-9A-Fa-f]{2})",
                 lambda x: bytes([int(x.group(1), 16)]), m.group(1))
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


RANGE_SPEC = re.compile(rb"(?i)bytes=(?:[0-9]+-[0-9]*|-[0-9]+)"
                        rb"(?:[ \t]*,[ \t]*(?:[0-9]+-[0-9]*|-[0-9]+))*")


def range_invalid(data):
    """Is the Range value not a valid ranges-specifier (RFC 9110 14.1.1)?"""
    v = field(data, rb"range")
    if v is None:
        return False
    if not RANGE_SPEC.fullmatch(v):
        return True
    for a, b in re.findall(rb"([0-9]+)-([0-9]+)", v):
        if int(b) < int(a):		# last before first: invalid (14.1.1)
            return True
    return False


IMF = re.compile(rb"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) (Jan|Feb|Mar|"
                 rb"Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
                 rb"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT")


def date_valid(data):
    """Is If-Modified-Since an IMF-fixdate (RFC 9110 5.6.7)?"""
    v = field(data, rb"if-modified-since")
    m = IMF.fullmatch(v) if v is not None else None
    if not m:
        return False
    mon = IMF.pattern.split(b"(")[3].split(b"|").index(m.group(3)) + 1
    try:
        datetime.datetime(int(m.group(4)), mon, int(m.group(2)),
                          int(m.group(5)), int(m.group(6)),
                          min(int(m.group(7)), 59))
    except ValueError:
        return False
    return True


TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]+)(?:[ \t]*;[ \t]*" + TOKEN +
                        rb"(?:[ \t]*=[ \t]*(?:" + TOKEN +
                        rb'|"[^"\r\n]*"))?)*\r\n')


def bad_chunked(data):
    """Is the first request's chunked body malformed (RFC 9112 7.1)?"""
    m = re.search(rb"\r?\n\r?\n", data)
    if not m or not re.search(rb"(?im)^transfer-encoding:[^\n]*chunked",
                              data[:m.end()]):
        return False
    body, p = data[m.end():], 0
    while True:
        m = CHUNK_LINE.match(body, p)
        if not m:
            # A whole line that is not a chunk line, or bytes no chunk
            # line can hold.
            rest = body[p:]
            return b"\n" in rest or bool(re.search(rb"[^\x20-\x7e\t\r]",
                                                    rest))
        n = int(m.group(1), 16)
        p = m.end()
        if n == 0:
            break
        if len(body) - p < n + 2:
            return False		# cut short, not malformed
        if body[p + n:p + n + 2] != b"\r\n":
            return True
        p += n + 2
    while True:			# the trailer section
        e = body.find(b"\n", p)
        if e == -1:		# cut short: malformed only with a bare CR
            return bool(re.search(rb"\r[^\n]", body[p:]))
        line = body[p:e].rstrip(b"\r")
        if not line:
            return False
        if not TOKEN_FIELD.fullmatch(line):
            return True
        p = e + 1


PREDICATES = {
    "@bad-chunked": bad_chunked,
    "@bad-utf8": bad_utf8,
    "@range-invalid": range_invalid,
    "@date-valid": date_valid,
    "@incomplete-head": lambda d: frame(d)[1] == "head",
    "@incomplete-body": lambda d: frame(d)[1] == "body",
    "@bad-field": bad_field,
}


def status_match(pat, mine, other):
    """A status glob; "other+*" is the other's statuses and one more;
    "GLOB,same" a first status matching GLOB, then the other's after its
    first."""
    if pat == "other+*":
        a = [] if other == "none" else other.split(",")
        b = mine.split(",")
        return len(b) == len(a) + 1 and b[:-1] == a
    if pat.endswith(",same"):
        a, b = mine.split(","), other.split(",")
        return (len(a) > 1 and a[1:] == b[1:] and
                fnmatch.fnmatchcase(a[0], pat[:-5]))
    return fnmatch.fnmatchcase(mine, pat)


def load_table(path):
    rules = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        f = line.split(None, 4)
        if len(f) < 5:
            sys.exit("%s:%d: expected FENIX NGINX SOURCE REGEX REASON"
                     % (path, n))
        if f[3].startswith("@") and f[3] not in PREDICATES:
            sys.exit("%s:%d: unknown predicate %s" % (path, n, f[3]))
        rx = PREDICATES.get(f[3]) or re.compile(f[3].encode(), re.S).search
        rules.append((f[0], f[1], f[2], rx, f[4], n))
    return rules


def explain(rules, src, data, fx, ng):
    for f, g, s, rx, why, n in rules:
        if (status_match(f, fx, ng) and status_match(g, ng, fx) and
                fnmatch.fnmatchcase(src, s) and rx(data)):
            return why, n
    return None, 0


def req(target, extra=b""):
    return (b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n" + extra +
            b"Connection: close\r\n\r\n")


def inputs(limit):
    """(source, name, bytes) for every input, at most limit per corpus."""
    out = []
    for p in sorted(glob.glob(os.path.join(TOP, "tests/unit/data/*.in"))):
        out.append(("golden", os.path.basename(p), open(p, "rb").read()))

    def corpus(t):
        files = sorted(glob.glob(os.path.join(TOP, "tests/fuzz", t, "*")))
        files += sorted(glob.glob(os.path.join(TOP, "obj/fuzz/corpus", t,
                                               "*")))
        return [(os.path.basename(p), open(p, "rb").read())
                for p in files[:limit]]

    for name, d in corpus("http"):
        out.append(("http", name, d))
    for name, d in corpus("path"):
        out.append(("path", name, req(b"/" + d)))
    for name, d in corpus("range"):
        v = d[1:] if d[:1] and d[0] < 8 else d[8:]
        out.append(("range", name, req(b"/big.bin", b"Range: " + v +
                                       b"\r\n")))
    for name, d in corpus("etag"):
        v = d.split(b"\n", 1)[1] if b"\n" in d else b""
        out.append(("etag", name, req(b"/a.txt", b"If-None-Match: " + v +
                                      b"\r\n")))
    for name, d in corpus("date"):
        out.append(("date", name, req(b"/a.txt", b"If-Modified-Since: " +
                                      d + b"\r\n")))
    return out


def show(data):
    s = repr(data[:110])[2:-1]
    return s + ("..." if len(data) > 110 else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fenix", default=os.path.join(TOP, "obj/fenix"))
    ap.add_argument("--nginx", default=shutil.which("nginx") or
                    "/usr/sbin/nginx")
    ap.add_argument("--table", default=os.path.join(TOP,
                                                    "tests/diff/nginx-diff.txt"))
    ap.add_argument("--limit", type=int, default=3000,
                    help="inputs taken from each fuzz corpus")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print the explained differences too")
    a = ap.parse_args()
    if not os.access(a.nginx, os.X_OK):
        sys.exit("diff-nginx: no nginx (apt-get install nginx-light)")
    rules = load_table(a.table)

    d = tempfile.mkdtemp(prefix="fenix-diff.")
    os.chmod(d, 0o755)		# nginx's worker runs as nobody
    root = os.path.join(d, "www")
    for name, body in FILES.items():
        p = os.path.join(root, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(body)
    for p in ("cb", "px", "fc", "uw", "sc"):
        os.mkdir(os.path.join(d, p))
    mtime = 1700000000
    for dirpath, dirs, files in os.walk(root):
        for n in files:
            os.utime(os.path.join(dirpath, n), (mtime, mtime))

    fport, nport = free_port(), free_port()
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(NGINX_CONF.format(d=d, port=nport, root=root))
    procs = []
    try:
        fx = subprocess.Popen([a.fenix, "server", "-l",
                               "127.0.0.1:%d" % fport, "-r", root, "-w", "1",
                               "-p", os.path.join(d, "fenix.pid"), "-e",
                               os.path.join(d, "fenix.err")],
                              stdin=subprocess.DEVNULL)
        procs.append(fx)
        ng = subprocess.Popen([a.nginx, "-c", os.path.join(d, "nginx.conf"),
                               "-p", d], stdin=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        procs.append(ng)
        wait_port(fport, fx, "fenix")
        wait_port(nport, ng, "nginx")
        ins = inputs(a.limit)

        def both(item):
            src, name, data = item
            return (src, name, data, exchange(fport, data, a.timeout),
                    exchange(nport, data, a.timeout))

        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            results = list(ex.map(both, ins))
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(d, ignore_errors=True)

    counts = {}
    unexplained = 0
    ndiff = 0
    for src, name, data, f, g in results:
        if f == g:
            continue
        ndiff += 1
        why, n = explain(rules, src, data, f, g)
        if why is None:
            unexplained += 1
            print("UNEXPLAINED %s/%s: fenix %s, nginx %s: %s"
                  % (src, name, f, g, show(data)))
            continue
        counts[(n, why)] = counts.get((n, why), 0) + 1
        if a.verbose:
            print("%s/%s: fenix %s, nginx %s: %s (table line %d)"
                  % (src, name, f, g, why, n))
    for (n, why), c in sorted(counts.items()):
        print("%5d  %s (table line %d)" % (c, why, n))
    print("diff-nginx: %d inputs, %d differ, %d explained, %d unexplained"
          % (len(results), ndiff, ndiff - unexplained, unexplained))
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
