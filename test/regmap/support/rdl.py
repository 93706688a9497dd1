# Compiles a SystemRDL file with systemrdl-compiler and prints every register (path, byte
# address, fields with software and hardware access) as JSON; with a second argument, also
# writes PeakRDL's C header of it there. Used by test/regmap/systemrdl.test.ts.
import json
import sys

from systemrdl import RDLCompiler
from systemrdl.node import RegNode

rdlc = RDLCompiler()
rdlc.compile_file(sys.argv[1])
root = rdlc.elaborate()
regs = []
for node in root.top.descendants(unroll=True):
    if isinstance(node, RegNode):
        fields = []
        for f in node.fields():
            reset = f.get_property("reset")
            fields.append({
                "name": f.inst_name, "lsb": f.lsb, "width": f.width,
                "sw": f.get_property("sw").name, "hw": f.get_property("hw").name,
                "reset": reset if isinstance(reset, int) else None,
                "onwrite": (f.get_property("onwrite").name if f.get_property("onwrite") else None),
            })
        regs.append({"path": node.get_path(), "address": node.absolute_address, "fields": fields})
if len(sys.argv) > 2:
    from peakrdl_cheader.exporter import CHeaderExporter
    CHeaderExporter().export(root, sys.argv[2])
print(json.dumps({"size": root.top.size, "regs": regs}))
