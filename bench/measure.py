#!/usr/bin/python3
# Runs one benchmark command and prints its wall time, the CPU time and peak memory of its whole process tree, as JSON.
#
# Why not /usr/bin/time: Ansible's SSH ControlMaster processes daemonize (they leave the process tree),
# so their CPU time (all the SSH crypto) would go uncounted. This wrapper makes itself a child
# subreaper: orphaned descendants are re-parented to it, it stops the masters after the command
# (`ssh -O exit` on each control socket), reaps everything, and then RUSAGE_CHILDREN covers it all.
#
# Usage: measure.py [--control-dir DIR] [--log FILE] -- COMMAND ARGS...
# The command's stdout and stderr go to FILE (default: inherited). Output on stdout, one JSON line:
#   {"wallMs", "userMs", "sysMs", "cpuMs", "maxRssKb" (largest single process), "peakTreeRssKb" (sampled sum), "exitCode"}
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import threading
import time

PR_SET_CHILD_SUBREAPER = 36
PAGE_KB = os.sysconf('SC_PAGE_SIZE') // 1024


def descendants_rss_kb(root: int) -> int:
    """Sum of RSS over every process under `root` (one pass over /proc: this kernel has no /proc/PID/task/TID/children)."""
    parents = {}
    rss = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat', 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b')') + 2 :].split()
        pid = int(entry)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * PAGE_KB
    total = 0
    for pid in rss:
        p = pid
        while p > 1:
            p = parents.get(p, 0)
            if p == root:
                total += rss[pid]
                break
    return total


def main() -> None:
    args = sys.argv[1:]
    control_dir = None
    log = None
    while args and args[0] != '--':
        if args[0] == '--control-dir':
            control_dir = args[1]
            args = args[2:]
        elif args[0] == '--log':
            log = open(args[1], 'wb')
            args = args[2:]
        else:
            sys.exit(f'measure.py: unknown option {args[0]}')
    command = args[1:]
    if not command:
        sys.exit('usage: measure.py [--control-dir DIR] [--log FILE] -- COMMAND ARGS...')

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit('measure.py: prctl(PR_SET_CHILD_SUBREAPER) failed')

    me = os.getpid()
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        # Every 200 ms: frequent enough for runs of a second or more, cheap enough not to disturb them.
        while not done.is_set():
            peak[0] = max(peak[0], descendants_rss_kb(me))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT if log else None)
    sampler.start()
    code = child.wait()
    wall_ms = (time.perf_counter() - started) * 1000
    done.set()
    sampler.join()

    # Stop SSH ControlMasters left by the command, so their CPU time is reaped and counted here.
    if control_dir and os.path.isdir(control_dir):
        for name in os.listdir(control_dir):
            subprocess.run(['ssh', '-o', f'ControlPath={os.path.join(control_dir, name)}', '-O', 'exit', 'bench-master'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
    # Reap every remaining orphan (give them 10 s, then end them).
    deadline = time.monotonic() + 10
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            if time.monotonic() > deadline:
                for entry in os.listdir('/proc'):
                    if entry.isdigit():
                        try:
                            with open(f'/proc/{entry}/stat', 'rb') as f:
                                stat = f.read()
                            if int(stat[stat.rindex(b')') + 2 :].split()[1]) == me:
                                os.kill(int(entry), signal.SIGKILL)
                        except OSError:
                            pass
            time.sleep(0.05)

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        'wallMs': round(wall_ms, 1),
        'userMs': round(usage.ru_utime * 1000, 1),
        'sysMs': round(usage.ru_stime * 1000, 1),
        'cpuMs': round((usage.ru_utime + usage.ru_stime) * 1000, 1),
        'maxRssKb': usage.ru_maxrss,
        'peakTreeRssKb': peak[0],
        'exitCode': code,
    }
    print(json.dumps(result), flush=True)


if __name__ == '__main__':
    main()
