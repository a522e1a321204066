#!/usr/bin/python3
"""A user-space slow link between two network namespaces (the kernel here has no netem).

Opens a TUN device inside each of two named namespaces (/run/netns/NAME) and copies every IPv4
packet read from one to the other after a fixed delay (a timer heap; non-blocking reads drained on
each wakeup). The caller gives the devices addresses and routes (ip -n NS ...) once this prints

    ready <tun name> <delay ms>

on stdout. Standard library only. Control on stdin, one command a line:

    delay <ms>   change the one-way delay of packets read from now on  -> "ok delay <ms>"
    stats        -> "stats <packets a->b> <packets b->a> <dropped> <max lateness us> <late>"
                    (lateness: how long after its due time a packet was written; the maximum and
                    the count of packets more than 100 us late are since the previous "stats")
    quit         exit (the TUN devices vanish with this process)

It also exits when stdin closes (its parent died), on SIGTERM/SIGINT, and after --max-seconds, so
it cannot outlive the test that started it. Packets touch only the two namespaces given.
"""
import argparse
import ctypes
import errno
import fcntl
import heapq
import os
import select
import signal
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
PR_SET_PDEATHSIG = 1
MAX_READS_PER_WAKEUP = 512
MAX_QUEUE = 100_000

libc = ctypes.CDLL(None, use_errno=True)


def setns(fd: int) -> None:
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


def open_tun_in(ns: str, name: str) -> int:
    """Enters the namespace, opens a TUN device there, returns its fd (non-blocking)."""
    nsfd = os.open(f"/run/netns/{ns}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        setns(nsfd)
    finally:
        os.close(nsfd)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_CLOEXEC)
    ifr = struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    os.set_blocking(fd, False)
    return fd


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns-a", required=True)
    ap.add_argument("--ns-b", required=True)
    ap.add_argument("--tun", default="slink0")
    ap.add_argument("--delay-ms", type=float, default=2.0, help="one-way delay, each direction")
    ap.add_argument("--max-seconds", type=float, default=1800.0, help="hard lifetime cap")
    a = ap.parse_args()
    if len(a.tun) > 15:
        print("slow-link: --tun name longer than 15 characters", file=sys.stderr)
        return 2

    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    stop = False

    def on_signal(_sig, _frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    # A signal wakes the select() below at once (PEP 475 would otherwise resume the wait).
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)

    home = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        fa = open_tun_in(a.ns_a, a.tun)
        fb = open_tun_in(a.ns_b, a.tun)
    except OSError as e:
        print(f"slow-link: cannot open the TUN devices: {e}", file=sys.stderr)
        return 1
    finally:
        try:
            setns(home)
        except OSError:
            pass
        os.close(home)

    delay_ns = int(a.delay_ms * 1e6)
    other = {fa: fb, fb: fa}
    sent = {fa: 0, fb: 0}
    dropped = 0
    max_late_ns = 0
    late_count = 0
    heap: list = []  # (due ns, seq, destination fd, packet)
    seq = 0
    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    pending_cmd = b""
    deadline = time.monotonic_ns() + int(a.max_seconds * 1e9)

    print(f"ready {a.tun} {a.delay_ms:g}", flush=True)

    while not stop:
        now = time.monotonic_ns()
        if now >= deadline:
            print("slow-link: --max-seconds reached, exiting", file=sys.stderr)
            break
        # Deliver what is due.
        while heap and heap[0][0] <= now:
            due, _, dst, pkt = heapq.heappop(heap)
            max_late_ns = max(max_late_ns, now - due)
            if now - due > 100_000:
                late_count += 1
            try:
                os.write(dst, pkt)
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EIO, errno.EINVAL):
                    raise
                dropped += 1
        timeout = None
        if heap:
            timeout = max(0.0, (heap[0][0] - time.monotonic_ns()) / 1e9)
        timeout = min(timeout if timeout is not None else 1.0, 1.0, max(0.0, (deadline - now) / 1e9))
        try:
            readable, _, _ = select.select([fa, fb, stdin, wake_r], [], [], timeout)
        except InterruptedError:
            continue
        for fd in readable:
            if fd == wake_r:
                try:
                    os.read(wake_r, 64)
                except BlockingIOError:
                    pass
                continue
            if fd == stdin:
                try:
                    chunk = os.read(stdin, 4096)
                except BlockingIOError:
                    continue
                if not chunk:  # parent gone
                    stop = True
                    break
                pending_cmd += chunk
                while b"\n" in pending_cmd:
                    line, pending_cmd = pending_cmd.split(b"\n", 1)
                    words = line.decode(errors="replace").split()
                    if not words:
                        continue
                    if words[0] == "delay" and len(words) == 2:
                        try:
                            ms = float(words[1])
                            if not 0 <= ms <= 10_000:
                                raise ValueError
                        except ValueError:
                            print(f"error bad delay {words[1]}", flush=True)
                            continue
                        delay_ns = int(ms * 1e6)
                        print(f"ok delay {ms:g}", flush=True)
                    elif words[0] == "stats":
                        print(
                            f"stats {sent[fb]} {sent[fa]} {dropped} {max_late_ns // 1000} {late_count}",
                            flush=True,
                        )
                        max_late_ns = 0
                        late_count = 0
                    elif words[0] == "quit":
                        stop = True
                    else:
                        print(f"error unknown command {words[0]}", flush=True)
                continue
            t_read = time.monotonic_ns()
            for _ in range(MAX_READS_PER_WAKEUP):
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                if not pkt:
                    break
                if pkt[0] >> 4 != 4:  # IPv4 only: router solicitations and the like stay home
                    continue
                if len(heap) >= MAX_QUEUE:
                    dropped += 1
                    continue
                seq += 1
                heapq.heappush(heap, (t_read + delay_ns, seq, other[fd], pkt))
                sent[other[fd]] += 1
    os.close(fa)
    os.close(fb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
