#!/usr/bin/env python3
"""Writes malformed Ethernet frames to an interface (AF_PACKET), for the
bad-input test of our stack: python3 raw-frames.py IFACE DST_MAC SRC_IP DST_IP."""
import socket, struct, sys

iface, dst_mac, src_ip, dst_ip = sys.argv[1:5]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
dst = bytes.fromhex(dst_mac.replace(':', ''))
src = s.getsockname()[4]

def csum(b):
    if len(b) % 2: b += b'\0'
    n = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while n >> 16: n = (n & 0xffff) + (n >> 16)
    return ~n & 0xffff

def ipv4(proto, payload, total=None, bad_sum=False):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total or 20 + len(payload), 1, 0, 64, proto, 0,
                    socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    c = csum(h) ^ (0x1234 if bad_sum else 0)
    return h[:10] + struct.pack('!H', c) + h[12:] + payload

def pseudo(proto, seg):
    return socket.inet_aton(src_ip) + socket.inet_aton(dst_ip) + struct.pack('!BBH', 0, proto, len(seg))

def udp(data, bad_sum=False):
    seg = struct.pack('!HHHH', 40000, 7, 8 + len(data), 0) + data
    c = csum(pseudo(17, seg) + seg) ^ (0x00ff if bad_sum else 0)
    return seg[:6] + struct.pack('!H', c) + seg[8:]

def tcp(flags, offset_words=5, bad_sum=False):
    seg = struct.pack('!HHIIBBHHH', 40001, 7, 1000, 0, offset_words << 4, flags, 65535, 0, 0)
    c = csum(pseudo(6, seg) + seg) ^ (0x00ff if bad_sum else 0)
    return seg[:16] + struct.pack('!H', c) + seg[18:]

def frame(ethertype, payload):
    return dst + src + struct.pack('!H', ethertype) + payload

frames = [
    frame(0x0800, b''),                                   # IPv4 with no header
    frame(0x0800, ipv4(17, udp(b'x'), bad_sum=True)),     # bad header checksum
    frame(0x0800, ipv4(17, udp(b'x'), total=1400)),       # total length beyond the frame
    frame(0x0800, ipv4(17, udp(b'never echoed', bad_sum=True))),
    frame(0x0800, ipv4(6, tcp(0x02, bad_sum=True))),      # SYN with a bad checksum
    frame(0x0800, ipv4(6, tcp(0x02, offset_words=15))),   # data offset past the segment
    frame(0x0806, b'\x00\x01'),                           # truncated ARP
    frame(0x0800, ipv4(17, udp(b'y' * 2900))),            # bigger than the MTU we were given
]
for f in frames:
    s.send(f)
print(len(frames))
