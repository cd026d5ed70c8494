#!/usr/bin/env python3
"""The TUI under an output flood, in a real terminal (tmux): shisa's memory over time, and
how fast keys are answered while a step prints SIZE bytes, against the same keys answered
on the idle screen just before (the baseline).

    python3 benches/tui_flood.py [SIZE]        # default 1e9 bytes (1.35 GB of base64 output)

Key latency is from tmux send-keys to capture-pane showing the change, so it includes
tmux's own delay and the 5 ms polling; it is the same in the baseline.
"""
import json, os, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = sys.argv[1] if len(sys.argv) > 1 else "1000000000"
subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
BIN = os.path.join(ROOT, "target/release/shisa")
work = tempfile.mkdtemp()
SOCK, RUNS, RB = f"{work}/tmux.sock", f"{work}/runs", f"{work}/flood.yaml"
open(RB, "w").write(f"""version: 1
name: Flood
steps:
  - id: flood
    kind: precheck
    title: Print {SIZE} random bytes as base64
    run: head -c {SIZE} /dev/urandom | base64
""")

def tmux(*a):
    return subprocess.run(["tmux", "-S", SOCK, *a], capture_output=True, text=True).stdout

def screen():
    return tmux("capture-pane", "-p", "-t", "t")

class Timeout(Exception):
    pass

def wait(pred, timeout=60):
    t = time.time()
    while time.time() - t < timeout:
        if pred(screen()):
            return time.time() - t
        time.sleep(0.005)
    raise Timeout(screen())

def probe():
    """Open and close the help, then the note dialog; four latencies in ms."""
    out = []
    for key, shown in (("?", "┏ Keys"), ("n", "Note for the journal")):
        tmux("send-keys", "-t", "t", key)
        out.append(wait(lambda s: shown in s, 10))
        tmux("send-keys", "-t", "t", "Escape")
        out.append(wait(lambda s: shown not in s, 10))
    return [round(x * 1000) for x in out]

def stats(v):
    v = sorted(v)
    return v[len(v) // 2], v[int(len(v) * 0.9)], v[-1]

tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "30", "-s", "t",
     f"cd {ROOT} && SHISA_JOURNAL_DIR={RUNS} {BIN} run {RB}; sleep 600")
try:
    wait(lambda s: "Press Enter to begin" in s)
    shell = tmux("display", "-p", "-t", "t", "#{pane_pid}").strip()
    pid = subprocess.run(["ps", "-o", "pid=", "--ppid", shell], capture_output=True, text=True).stdout.split()[0]
    rss = lambda: int(open(f"/proc/{pid}/status").read().split("VmRSS:")[1].split()[0])
    idle = [x for _ in range(5) for x in probe()]
    rss0 = rss()
    tmux("send-keys", "-t", "t", "Enter")
    t0, busy, samples, last = time.time(), [], [], 0.0
    journal = None
    while True:
        now = time.time() - t0
        samples.append(rss())
        runs = os.listdir(RUNS)
        journal = os.path.join(RUNS, runs[0], "journal.jsonl") if runs else None
        if journal and '"step_finished"' in open(journal).read():
            break
        if now - last > 0.3:
            try:
                busy += probe()
            except Timeout:
                pass  # the run ended mid-probe and its last screen took over
            last = now
        time.sleep(0.1)
    dur = time.time() - t0
    done = [json.loads(l) for l in open(journal) if '"command_finished"' in l][0]["data"]
    bi, bb = stats(idle), stats(busy)
    print(f"flood: {done['bytes']} bytes in {dur:.1f} s; shisa RSS {rss0 // 1024} MiB before, max {max(samples) // 1024} MiB during")
    print("| what | under the flood | idle screen (baseline) | ratio |")
    print("|---|---|---|---|")
    print(f"| key to screen, median / p90 / max | {bb[0]} / {bb[1]} / {bb[2]} ms ({len(busy)} probes) "
          f"| {bi[0]} / {bi[1]} / {bi[2]} ms ({len(idle)} probes) | **{bb[0] / max(bi[0], 1):.2f}×** median |")
finally:
    subprocess.run(["tmux", "-S", SOCK, "kill-server"], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
