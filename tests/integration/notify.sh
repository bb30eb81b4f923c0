#!/bin/sh
# SPDX-License-Identifier: MIT
# systemd's Type=notify, played by a stand-in (issue 12, point 18): a
# datagram socket named in NOTIFY_SOCKET that the test reads, and a
# manager that starts `fenix server -s` as configs/fenix.service does,
# keeps its main pid, runs 5 upgrades, then stops it.  READY=1 must come
# only once the workers answer; the main pid must outlive every upgrade.
. "$(dirname "$0")/lib.sh"
plan 7
optional APPLET_UPGRADE
if under_qemu; then
	t_skip_rest "qemu-user: prctl PR_SET_CHILD_SUBREAPER is EINVAL in qemu 7.2"
	exit 0
fi

unset NGINX FENIX_GENERATION FENIX_OLD_MASTER LISTEN_FDS LISTEN_PID
W=$T_DIR/www
mkdir -p "$W"
printf 'notify test\n' >"$W/index.html"
port=$(free_port)

# manager.py FENIX PORT DIR: prints one line per check.
cat >"$T_DIR/manager.py" <<'PY'
import os, signal, socket, subprocess, sys, time, urllib.request
fenix, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
path = os.path.join(d, "notify.sock")
n = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
n.bind(path)
n.settimeout(0.05)
env = dict(os.environ, NOTIFY_SOCKET=path)
pidf = os.path.join(d, "fenix.pid")
main = subprocess.Popen([fenix, "server", "-s", "-l", "127.0.0.1:%d" % port,
                         "-r", os.path.join(d, "www"), "-w", "2",
                         "-p", pidf, "-e", os.path.join(d, "err")],
                        env=env, stdin=subprocess.DEVNULL,
                        stderr=open(os.path.join(d, "init.log"), "w"))
msgs = []
ready_ok = ready_bad = 0


def answers():
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/" % port,
                                    timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def drain(until=None, seconds=20):
    """Read datagrams; check the port at each READY=1."""
    global ready_ok, ready_bad
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            m = n.recv(4096).decode()
        except socket.timeout:
            if until is None:
                return True
            continue
        msgs.append(m)
        if "READY=1" in m.split("\n"):
            if answers():
                ready_ok += 1
            else:
                ready_bad += 1
        if until is not None and until in m.split("\n"):
            return True
    return until is None


first = drain("READY=1")
print("first READY=1, the port answering: %s" %
      ("yes" if first and ready_ok == 1 and ready_bad == 0 else
       "no (%s)" % msgs))
up_rc, alive = [], True
for i in range(5):
    rc = subprocess.call([fenix, "upgrade", "-p", pidf, "-w", "0"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    up_rc.append(rc)
    drain()
    alive = alive and main.poll() is None
print("5 upgrades exit %s" % " ".join(map(str, up_rc)))
print("main pid %d alive after each: %s" % (main.pid, "yes" if alive else "no"))
drain()
print("READY=1 each time with the port answering: %s" %
      ("yes" if ready_ok >= 6 and ready_bad == 0 else
       "no: %d ok %d not answering" % (ready_ok, ready_bad)))
print("RELOADING=1 at each upgrade: %s" %
      ("yes" if sum("RELOADING=1" in m for m in msgs) >= 5 else
       "no (%s)" % msgs))
main.send_signal(signal.SIGTERM)
try:
    rc = main.wait(20)
except subprocess.TimeoutExpired:
    rc = "still running"
drain()
print("STOPPING=1 after TERM: %s" %
      ("yes" if any("STOPPING=1" in m for m in msgs) else "no"))
print("exit %s" % rc)
PY

python3 "$T_DIR/manager.py" "$FENIX" "$port" "$T_DIR" >"$T_DIR/m.out" \
    2>&1 &
m_pid=$!
T_PIDS="$T_PIDS $m_pid"
wait "$m_pid"
line() {
	sed -n "${1}p" "$T_DIR/m.out"
}
t_case "notify: READY=1 comes once the workers answer" 'line 1' \
    "first READY=1, the port answering: yes"
t_case "notify: 5 upgrades under the manager exit 0" 'line 2' \
    "5 upgrades exit 0 0 0 0 0"
t_ok "notify: the main pid stays alive across the 5 upgrades" \
    'line 3 | grep -q "alive after each: yes$"'
t_case "notify: READY=1 after each upgrade, the port answering" 'line 4' \
    "READY=1 each time with the port answering: yes"
t_case "notify: RELOADING=1 at each upgrade" 'line 5' \
    "RELOADING=1 at each upgrade: yes"
t_case "notify: STOPPING=1 after TERM" 'line 6' "STOPPING=1 after TERM: yes"
t_case "notify: TERM ends the service with 0" 'line 7' "exit 0"

t_exit
