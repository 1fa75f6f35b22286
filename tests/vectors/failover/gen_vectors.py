#!/usr/bin/env python3
"""Builds the failover codec's test vectors from the ISC dhcpd 4.4.3 captures.

Reads each captures/NAME.pcap (pcapng, Ethernet, IPv4, TCP 647), reassembles
the TCP streams, cuts them into failover messages, and checks the result
against the decode beside it (NAME.txt): the per-type message counts, and the
raw bytes of every message in its Part 1.  Then writes NAME.vec here:

  msg DIR HEX          one captured message, DIR is the sender's ip:port
  hdr TYPE LEN TIME XID   expected header, from the .txt decode
  opt CODE HEX         expected option, in wire order, from the .txt decode
  end

Part 1 messages carry the .txt expectations; the other vectors (every
message that is not BNDUPD/BNDACK, and the first few of each distinct
option layout of those) carry only the raw bytes, which the test decodes
and re-encodes.  No third-party module is needed: the pcapng reader and the
reassembly are below.

  usage: gen_vectors.py [CAPTURE_DIR] [--streams OUTDIR]

--streams also writes every message of every capture, one file per capture
(concatenated messages, each self-delimited by its length), for a full pass
of the unit test with FO_STREAMS=OUTDIR.  Those files are not committed.
"""
import collections
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CAPTURES = os.path.join(HERE, "..", "..", "..", "..", "shared", "failover", "captures")
TYPES = {1: "POOLREQ", 2: "POOLRESP", 3: "BNDUPD", 4: "BNDACK", 5: "CONNECT", 6: "CONNECTACK",
         7: "UPDREQALL", 8: "UPDDONE", 9: "UPDREQ", 10: "STATE", 11: "CONTACT", 12: "DISCONNECT"}
SAMPLES_PER_LAYOUT = 3


def pcapng_frames(path):
    """Yields the captured bytes of each Enhanced Packet Block."""
    data = open(path, "rb").read()
    off, endian = 0, "<"
    while off + 12 <= len(data):
        if data[off:off + 4] == b"\x0a\x0d\x0d\x0a":
            endian = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(endian + "II", data, off)
        if blen < 12:
            raise SystemExit(f"{path}: bad block length at {off}")
        if btype == 6:
            caplen = struct.unpack_from(endian + "I", data, off + 20)[0]
            yield data[off + 28:off + 28 + caplen]
        off += blen


def tcp_segments(path):
    """Yields (flow, seq, payload) for each IPv4/TCP frame with data."""
    for frame in pcapng_frames(path):
        if len(frame) < 14 or struct.unpack_from("!H", frame, 12)[0] != 0x0800:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        total = struct.unpack_from("!H", ip, 2)[0]
        if ip[9] != 6:
            continue
        src, dst = ip[12:16], ip[16:20]
        tcp = ip[ihl:total]
        sport, dport, seq = struct.unpack_from("!HHI", tcp, 0)
        payload = tcp[(tcp[12] >> 4) * 4:]
        if payload:
            flow = ("%d.%d.%d.%d:%d" % (*src, sport), "%d.%d.%d.%d:%d" % (*dst, dport))
            yield flow, seq, payload


def contiguous_runs(segments):
    """Orders one direction's segments and joins them into gap-free runs."""
    runs, cur, expect = [], b"", None
    for seq, payload in sorted(set(segments)):
        if expect is not None and seq <= expect:
            cur += payload[expect - seq:]	# retransmission or overlap
        else:
            if cur:
                runs.append(cur)
            cur = payload
        expect = max(expect or 0, seq + len(payload))
    if cur:
        runs.append(cur)
    return runs


def split_messages(run):
    """Cuts a run into whole messages; stops where the framing is lost (the
    captures are trimmed, so a run may start or end inside a message)."""
    out, off = [], 0
    while off + 12 <= len(run):
        length, mtype, payoff = struct.unpack_from("!HBB", run, off)
        if not 12 <= length <= 2048 or mtype not in TYPES or payoff != 12:
            break
        if off + length > len(run):
            break
        out.append(run[off:off + length])
        off += length
    return out


def capture_messages(path):
    flows = collections.defaultdict(list)
    for flow, seq, payload in tcp_segments(path):
        flows[flow].append((seq, payload))
    msgs = []
    for flow, segs in flows.items():
        for run in contiguous_runs(segs):
            msgs.extend((flow[0], m) for m in split_messages(run))
    return msgs


def layout(msg):
    """The option codes and lengths of a message, in wire order."""
    out, off = [], 12
    while off + 4 <= len(msg):
        code, olen = struct.unpack_from("!HH", msg, off)
        out.append((code, olen))
        off += 4 + olen
    return (msg[2], tuple(out))


def parse_txt_part1(path):
    """The Part 1 decodes: dicts with sender, header fields, options, raw."""
    entries, cur = [], None
    for line in open(path, encoding="utf-8"):
        if line.startswith("--- Part 2"):
            break
        m = re.match(r"#\d+\s+frame \d+\s+\S+\s+(\S+) -> (\S+)", line)
        if m:
            cur = {"src": m.group(1), "opts": []}
            entries.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"\s+\S+ \(type (\d+)\)\s+length (\d+)\s+payload-offset (\d+)\s+time (\d+).*xid 0x([0-9a-f]+)", line)
        if m:
            cur.update(type=int(m.group(1)), len=int(m.group(2)), time=int(m.group(4)),
                       xid=int(m.group(5), 16))
            continue
        m = re.match(r"\s+opt\s+(\d+) \S+\s+len (\d+)\s+([0-9a-f]*)", line)
        if m:
            if len(m.group(3)) != 2 * int(m.group(2)):
                raise SystemExit(f"{path}: option hex does not match its length: {line}")
            cur["opts"].append((int(m.group(1)), m.group(3)))
            continue
        m = re.match(r"\s+raw: ([0-9a-f]+)", line)
        if m:
            cur["raw"] = bytes.fromhex(m.group(1))
    return entries


def txt_counts(path):
    for line in open(path, encoding="utf-8"):
        if line.startswith("message counts in this file:"):
            return dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", line))
    raise SystemExit(f"{path}: no message counts line")


def write_vec(out, src, raw, expect=None):
    out.write(f"msg {src} {raw.hex()}\n")
    if expect:
        out.write("hdr %d %d %d 0x%08x\n" % (expect["type"], expect["len"], expect["time"], expect["xid"]))
        for code, value in expect["opts"]:
            out.write(f"opt {code} {value}\n")
    out.write("end\n")


def one_capture(capdir, name, streams):
    msgs = capture_messages(os.path.join(capdir, name + ".pcap"))
    counts = collections.Counter(TYPES[m[2]] for _, m in msgs)
    want = txt_counts(os.path.join(capdir, name + ".txt"))
    if dict(counts) != want:
        raise SystemExit(f"{name}: extracted {dict(counts)}, the .txt says {want}")
    part1 = parse_txt_part1(os.path.join(capdir, name + ".txt"))
    have = collections.Counter(msgs)
    for e in part1:
        if have[(e["src"], e["raw"])] == 0:
            raise SystemExit(f"{name}: Part 1 message not found in the pcap: {e['raw'].hex()}")
    chosen = {(e["src"], e["raw"]) for e in part1}
    per_layout = collections.Counter()
    with open(os.path.join(HERE, name + ".vec"), "w", encoding="ascii") as out:
        out.write(f"# {name}: {len(msgs)} messages in the pcap; Part 1 of {name}.txt with its\n"
                  "# decodes, then samples (every non-BNDUPD/BNDACK, a few of each layout).\n"
                  "# Generated by gen_vectors.py: do not edit.\n")
        for e in part1:
            write_vec(out, e["src"], e["raw"], e)
        for src, raw in msgs:
            lay = layout(raw)
            limit = SAMPLES_PER_LAYOUT if raw[2] in (3, 4) else 1 << 30
            if (src, raw) in chosen or per_layout[lay] >= limit:
                continue
            per_layout[lay] += 1
            chosen.add((src, raw))
            write_vec(out, src, raw)
    if streams:
        os.makedirs(streams, exist_ok=True)
        with open(os.path.join(streams, name + ".stream"), "wb") as f:
            for _, raw in msgs:
                f.write(raw)
    print(f"{name}: {len(msgs)} messages ({', '.join(f'{k}={v}' for k, v in sorted(counts.items()))}), "
          f"{len(part1)} checked against Part 1, {len(chosen)} vectors")


def main(argv):
    streams = None
    if "--streams" in argv:
        i = argv.index("--streams")
        streams = argv[i + 1]
        del argv[i:i + 2]
    capdir = argv[0] if argv else DEFAULT_CAPTURES
    names = sorted(f[:-5] for f in os.listdir(capdir) if f.endswith(".pcap"))
    for name in names:
        one_capture(capdir, name, streams)


if __name__ == "__main__":
    main(sys.argv[1:])
