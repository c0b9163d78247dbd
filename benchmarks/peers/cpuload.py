"""Measure how busy the rest of the machine is, to flag contaminated benchmark numbers.

other_cpu_load = (system busy CPU seconds - this process's CPU seconds) / wall seconds, from /proc/stat and
os.times(). 0 = nothing else ran; 1.0 = other processes used one full core on average during the interval.
"""
import os
import time

_HZ = os.sysconf("SC_CLK_TCK")


def system_busy_seconds():
    """CPU seconds all processes have been busy since boot (every core summed)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _HZ  # user nice system idle iowait irq softirq steal


def _own_cpu_seconds():
    t = os.times()
    return t.user + t.system


def children_cpu_seconds():
    """CPU seconds of this process's waited-for children (os.times), for timing a subprocess."""
    t = os.times()
    return t.children_user + t.children_system


class OtherLoad:
    """with OtherLoad() as m: ...; m.value -> other processes' average CPU load during the block."""

    def __enter__(self):
        self.t0, self.s0, self.o0 = time.perf_counter(), system_busy_seconds(), _own_cpu_seconds()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.t0
        other = (system_busy_seconds() - self.s0) - (_own_cpu_seconds() - self.o0)
        self.value = round(max(0.0, other) / wall, 3) if wall > 0 else None
        return False


def wait_idle(max_other_load=0.15, settle_seconds=3, timeout_seconds=0.0):
    """Block until the machine (everything but us) used less than max_other_load cores for settle_seconds
    consecutive 1-second samples, or timeout_seconds passed (0 = do not wait). Returns seconds waited."""
    start = time.perf_counter()
    ok = 0
    while timeout_seconds > 0 and time.perf_counter() - start < timeout_seconds:
        with OtherLoad() as m:
            time.sleep(1.0)
        ok = ok + 1 if m.value < max_other_load else 0
        if ok >= settle_seconds:
            break
    return round(time.perf_counter() - start, 1)
