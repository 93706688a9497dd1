#!/usr/bin/env python3
# Sends UDP datagrams with a forged source address (a raw socket: root only), so a benchmark
# can play an off-path attacker who floods a daemon "from" its neighbour's address and never
# sees the replies (they go to the real neighbour). Used by bench/hardening-bench.ts; Node
# has no raw sockets.
#
#   spoof-udp.py SRC_IP:PORT DST_IP:PORT PAYLOADS COUNT RATE
#
# PAYLOADS: a file of datagrams, each as u16 big-endian length then the bytes; they are sent
# in turn, COUNT in all; RATE datagrams per second (0: as fast as possible). Prints the number
# sent and the seconds it took.
import socket, struct, sys, time

def main():
    src, dst, path, count, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
    sip, sport = src.rsplit(':', 1)
    dip, dport = dst.rsplit(':', 1)
    data = open(path, 'rb').read()
    payloads, at = [], 0
    while at + 2 <= len(data):
        (n,) = struct.unpack_from('!H', data, at)
        payloads.append(data[at + 2:at + 2 + n])
        at += 2 + n
    if not payloads:
        sys.exit('no payloads in ' + path)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    packets = []
    for p in payloads:
        udp = struct.pack('!HHHH', int(sport), int(dport), 8 + len(p), 0) + p  # checksum 0: none (IPv4)
        ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                         socket.inet_aton(sip), socket.inet_aton(dip))
        packets.append(ip + udp)
    t0 = time.monotonic()
    for i in range(count):
        if rate > 0:
            due = t0 + i / rate
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
        try:
            s.sendto(packets[i % len(packets)], (dip, 0))
        except BlockingIOError:
            pass
    print(count, round(time.monotonic() - t0, 3))

main()
