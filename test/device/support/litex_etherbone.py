# LiteX's own Etherbone packet code as a reference for host/device/etherbone.ts: reads one JSON
# request per line on stdin, answers one JSON line on stdout.
#   {"encode": {"probe": bool, "records": [{"writes": {"base": n, "data": [..]}, "reads": {"returnBase": n, "addresses": [..]}}]}}
#     -> {"hex": "..."}   (packet bytes as litex.tools.remote.etherbone encodes them)
#   {"decode": "hex"}
#     -> {"probe": bool, "probeReply": bool, "records": [{"writes": {...}, "reads": {"addresses": [..]}}]}
import json
import sys

from litex.tools.remote.etherbone import EtherbonePacket, EtherboneReads, EtherboneRecord, EtherboneWrites


def encode(spec):
    p = EtherbonePacket(32)
    p.pf = 1 if spec.get("probe") else 0
    for r in spec["records"]:
        rec = EtherboneRecord(4)
        if "writes" in r:
            rec.writes = EtherboneWrites(4, base_addr=r["writes"]["base"], datas=r["writes"]["data"])
        if "reads" in r:
            rec.reads = EtherboneReads(4, base_ret_addr=r["reads"]["returnBase"], addrs=r["reads"]["addresses"])
        p.records.append(rec)
    p.encode()
    return {"hex": bytes(p.bytes).hex()}


def decode(h):
    p = EtherbonePacket(32, bytes.fromhex(h))
    p.decode()
    out = {"probe": bool(p.pf), "probeReply": bool(p.pr), "records": []}
    for rec in p.records:
        r = {"byteEnable": rec.byte_enable}
        if rec.wcount:
            r["writes"] = {"base": rec.writes.base_addr, "data": rec.writes.get_datas()}
        if rec.rcount:
            # litex's decoder drops the return address (it only encodes it); the addresses are compared.
            r["reads"] = {"addresses": rec.reads.get_addrs()}
        out["records"].append(r)
    return out


for line in sys.stdin:
    req = json.loads(line)
    res = encode(req["encode"]) if "encode" in req else decode(req["decode"])
    sys.stdout.write(json.dumps(res) + "\n")
    sys.stdout.flush()
