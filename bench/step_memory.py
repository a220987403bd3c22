#!/usr/bin/python3
"""Each step's time and peak memory in one `mlpipe run`: step_memory.py MLPIPE_ARGS...

Samples the process's resident set (/proc/PID/status VmRSS) every 5 ms and reads the step lines
mlpipe prints as each step ends ("  [3/6] features  ok  2.10s ..."). A step's peak is the largest
sample since the previous step ended, so it is exact for a pipeline whose steps run one at a
time (as the card-fraud ones do) and an upper bound where steps overlap. Prints a Markdown
table, then the run's peak (wait4's ru_maxrss, which the 5 ms samples can miss).
"""
import os
import re
import subprocess
import sys
import threading
import time

STEP = re.compile(r"^\s+\[\d+/\d+\]\s+(\S+)\s+(\S+)\s+([0-9.]+)s")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0.0]
    lock = threading.Lock()
    done = threading.Event()

    def sample():
        path = f"/proc/{p.pid}/status"
        while not done.is_set():
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            mb = int(line.split()[1]) / 1024
                            with lock:
                                peak[0] = max(peak[0], mb)
                            break
            except (FileNotFoundError, ProcessLookupError):
                return
            time.sleep(0.005)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    rows = []
    for line in p.stderr:
        m = STEP.match(line)
        if m:
            with lock:
                rows.append((m.group(1), m.group(2), float(m.group(3)), peak[0]))
                peak[0] = 0.0
    _, status, usage = os.wait4(p.pid, 0)
    done.set()
    code = os.waitstatus_to_exitcode(status)
    print("| step | status | s | peak MiB while it ran |")
    print("|---|---|---|---|")
    for name, st, secs, mb in rows:
        print(f"| {name} | {st} | {secs:.2f} | {mb:.0f} |")
    print(f"\nrun: exit {code}, peak {usage.ru_maxrss / 1024:.0f} MiB (ru_maxrss)")
    sys.exit(code)


if __name__ == "__main__":
    main()
