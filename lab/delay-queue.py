#!/usr/bin/python3
# Holds each packet of one NFQUEUE for a delay (± jitter) and drops a share of them: user-space netem for lab hosts.
#
# The lab kernel has no `tc netem`, so lab/delay.ts sends a host's eth0 traffic (both directions) to an
# NFQUEUE inside the host's network namespace and runs this program there. It speaks the nfnetlink_queue
# protocol over a raw AF_NETLINK socket, so it needs nothing beyond the Python standard library.
#
# Usage: delay-queue.py QUEUE_NUM DELAY_MS [JITTER_MS [LOSS_PCT]]
# Prints "ready" on stdout once the queue is bound; SIGTERM/SIGINT accept every held packet and exit.
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
SOL_NETLINK = 270
NETLINK_NO_ENOBUFS = 5

NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2

NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQA_CFG_MASK = 4
NFQA_CFG_FLAGS = 5
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_CFG_F_FAIL_OPEN = 1

NLM_F_REQUEST = 1
NLM_F_ACK = 4
NLMSG_ERROR = 2

NF_DROP = 0
NF_ACCEPT = 1


def attr(kind: int, payload: bytes) -> bytes:
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * ((4 - length % 4) % 4)


def message(msg_type: int, queue: int, attrs: bytes, flags: int = NLM_F_REQUEST, seq: int = 0) -> bytes:
    # nfgenmsg: family AF_UNSPEC, version 0, resource id = queue number (big-endian)
    body = struct.pack('=BBH', socket.AF_UNSPEC, 0, socket.htons(queue)) + attrs
    return struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0) + body


def parse_attrs(data: bytes, offset: int, end: int) -> dict:
    attrs = {}
    while offset + 4 <= end:
        length, kind = struct.unpack_from('=HH', data, offset)
        if length < 4:
            break
        attrs[kind & 0x7FFF] = data[offset + 4 : offset + length]
        offset += (length + 3) & ~3
    return attrs


def configure(sock: socket.socket, queue: int) -> None:
    """Binds the queue, asks for metadata only (no payload copies) and fail-open when the queue is full."""
    requests = [
        attr(NFQA_CFG_CMD, struct.pack('=BBH', NFQNL_CFG_CMD_BIND, 0, socket.htons(socket.AF_INET))),
        attr(NFQA_CFG_PARAMS, struct.pack('>IB', 0, NFQNL_COPY_META)),
        attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack('>I', 8192)),
        attr(NFQA_CFG_FLAGS, struct.pack('>I', NFQA_CFG_F_FAIL_OPEN)) + attr(NFQA_CFG_MASK, struct.pack('>I', NFQA_CFG_F_FAIL_OPEN)),
    ]
    for seq, attrs in enumerate(requests, start=1):
        sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK, seq))
        reply = sock.recv(65536)
        length, msg_type = struct.unpack_from('=IH', reply, 0)
        if msg_type == NLMSG_ERROR:
            (err,) = struct.unpack_from('=i', reply, 16)
            if err != 0:
                raise OSError(-err, f'nfqueue config step {seq} on queue {queue}: {os.strerror(-err)}')


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit('usage: delay-queue.py QUEUE_NUM DELAY_MS [JITTER_MS [LOSS_PCT]]')
    queue = int(sys.argv[1])
    delay = float(sys.argv[2]) / 1000
    jitter = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.0
    loss = float(sys.argv[4]) / 100 if len(sys.argv) > 4 else 0.0

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS, 1)
    sock.bind((0, 0))
    configure(sock, queue)

    # Held packets in arrival order: (release time, packet id, verdict). Release times never decrease,
    # so packets leave in the order they came (no reordering within a flow, or at all).
    held: list = []
    head = 0
    last_release = 0.0
    stopping = False

    def stop(_sig, _frame):
        nonlocal stopping
        stopping = True

    # Python retries select() after a signal handler returns, so a wakeup fd is what ends the wait.
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print('ready', flush=True)

    def send_verdicts(items) -> None:
        out = b''.join(
            message(NFQNL_MSG_VERDICT, queue, attr(NFQA_VERDICT_HDR, struct.pack('>II', verdict, packet_id)))
            for _, packet_id, verdict in items
        )
        if out:
            sock.send(out)

    while not stopping:
        now = time.monotonic()
        due = head
        while due < len(held) and held[due][0] <= now:
            due += 1
        if due > head:
            send_verdicts(held[head:due])
            head = due
            if head > 4096:
                del held[:head]
                head = 0
        timeout = max(0.0, held[head][0] - now) if head < len(held) else None
        try:
            ready, _, _ = select.select([sock, wake_r], [], [], timeout)
        except InterruptedError:
            continue
        if sock not in ready:
            continue
        try:
            data = sock.recv(1 << 20)
        except BlockingIOError:
            continue
        now = time.monotonic()
        offset = 0
        while offset + 16 <= len(data):
            length, msg_type = struct.unpack_from('=IH', data, offset)
            if length < 16:
                break
            if msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                attrs = parse_attrs(data, offset + 20, offset + length)
                header = attrs.get(NFQA_PACKET_HDR)
                if header is not None:
                    (packet_id,) = struct.unpack_from('>I', header, 0)
                    verdict = NF_DROP if loss > 0 and random.random() < loss else NF_ACCEPT
                    wait = delay + (random.uniform(-jitter, jitter) if jitter > 0 else 0.0)
                    release = max(now + max(0.0, wait), last_release)
                    last_release = release
                    held.append((release, packet_id, verdict))
            offset += (length + 3) & ~3

    # Let everything still held through, so removing the delay loses no packets.
    send_verdicts([(0, pid, NF_ACCEPT) for _, pid, _ in held[head:]])
    sock.close()


if __name__ == '__main__':
    main()
