#!/usr/bin/env python3
"""What watchers cost while a run runs, in figures that do not move with the machine's load.

    benches/watcher_cost.py SHISA_BIN [WATCHERS] [strace]

One 200-step run (the `benches/bench.sh` watchers row's runbook) with WATCHERS (20) headless
watchers. A watcher's start-up (reading the runbook, replaying the journal) is over when it
prints `hold`; what it uses after that is what the run pays for while it runs. Prints:
- each watcher's CPU and voluntary / involuntary context switches (its wakes) at `hold`
  (per-thread /proc schedstat and status) and in all (wait4's rusage), and the difference;
- the run's share thread (the pacer and every connection), the same way: sampled every
  10 ms until the run exits, so its last figure is at most 10 ms early;
- with `strace`, the first watcher runs under `strace -c -f`: its system calls, counted.
Wall time is printed too, for what it is worth on a quiet machine only.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

shisa = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
traced = len(sys.argv) > 3 and sys.argv[3] == "strace"
work = tempfile.mkdtemp()
env = dict(os.environ, SHISA_JOURNAL_DIR=f"{work}/runs", SHISA_SOCKET_DIR=f"{work}/sock", NO_COLOR="1")
os.makedirs(f"{work}/sock")
os.chmod(f"{work}/sock", 0o1777)
y = "version: 1\nname: watched\nsteps:\n  - id: hold\n    kind: manual\n    instructions: start when the watchers are in\n"
y += "".join(f"  - id: s{i}\n    kind: precheck\n    run: /bin/true\n" for i in range(200))
open(f"{work}/w.yaml", "w").write(y)


def read(path):
    with open(path) as f:
        return f.read()


def threads(pid):
    """(comm, CPU ms, voluntary, involuntary) of each thread of `pid` still alive."""
    out = []
    for t in glob.glob(f"/proc/{pid}/task/*"):
        try:
            status = dict(l.split(":", 1) for l in read(f"{t}/status").splitlines() if ":" in l)
            out.append((read(f"{t}/comm").strip(), int(read(f"{t}/schedstat").split()[0]) / 1e6,
                        int(status["voluntary_ctxt_switches"]), int(status["nonvoluntary_ctxt_switches"])))
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


def total(pid):
    ts = threads(pid)
    return tuple(sum(t[i] for t in ts) for i in (1, 2, 3))


op = subprocess.Popen([shisa, "run", f"{work}/w.yaml", "--headless"], stdin=subprocess.PIPE,
                      stdout=open(f"{work}/op.out", "w"), stderr=subprocess.STDOUT, env=env)
while "answer `done`" not in read(f"{work}/op.out"):
    time.sleep(0.02)
run_id = [f[:-5] for f in os.listdir(f"{work}/sock") if f.endswith(".sock")][0]
watchers = []
for w in range(n):
    cmd = [shisa, "watch", run_id, "--headless"]
    if traced and w == 0:
        cmd = ["strace", "-c", "-f", "-o", f"{work}/strace.txt"] + cmd
    watchers.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=open(f"{work}/w{w}.out", "w"),
                                     stderr=subprocess.STDOUT, env=env))
for w in range(n):
    while "hold" not in read(f"{work}/w{w}.out"):
        time.sleep(0.02)
time.sleep(0.1)
at_hold = [total(p.pid) for p in watchers]
share_at_hold = [t for t in threads(op.pid) if t[0] == "share"]
began = time.time()
op.stdin.write(b"done\n")
op.stdin.close()
share = share_at_hold
while True:
    pid, _, run_usage = os.wait4(op.pid, os.WNOHANG)
    if pid:
        break
    share = [t for t in threads(op.pid) if t[0] == "share"] or share
    time.sleep(0.01)
wall = time.time() - began
rows = []
for p, hold in zip(watchers, at_hold):
    _, _, r = os.wait4(p.pid, 0)
    rows.append((hold, ((r.ru_utime + r.ru_stime) * 1000, r.ru_nvcsw, r.ru_nivcsw)))
print(f"the run: {1000 * wall:.0f} ms wall after `done`, CPU {(run_usage.ru_utime + run_usage.ru_stime) * 1000:.1f} ms "
      f"(its commands included)")
if share and share_at_hold:
    (_, cpu, vol, _), (_, cpu0, vol0, _) = share[0], share_at_hold[0]
    print(f"its share thread during the run: CPU {cpu - cpu0:.1f} ms, {vol - vol0} wakes (voluntary switches)")
rows = rows[1:] if traced else rows
if rows:
    k = len(rows)
    mean = lambda f: sum(f(r) for r in rows) / k
    print(f"each of {k} watchers (mean): start-up CPU {mean(lambda r: r[0][0]):.2f} ms; during the run CPU "
          f"{mean(lambda r: r[1][0] - r[0][0]):.2f} ms, {mean(lambda r: r[1][1] - r[0][1]):.1f} wakes, "
          f"{mean(lambda r: r[1][2] - r[0][2]):.1f} preemptions")
if traced:
    print(read(f"{work}/strace.txt"))
shutil.rmtree(work)
