// The register map as LiteX's csr.csv, so LiteX's own host tools (litex_server --udp with
// litex_cli --regs / --read / --write, RemoteClient) reach the forwarding plane's registers by
// name: `peer3_ctrl`, `id_build_id`. Names are group, element and register joined by `_`.
// Pop registers are left out: reading one takes a word from the host-port queue, and a
// register dump must not do that.
import { type RegisterMap, registerInstances } from '../../spec/forwarding/regmap.ts';

export function litexCsrCsv(map: RegisterMap): string {
  const lines = [
    '#--------------------------------------------------------------------------------',
    `# ${map.name} ${map.version.major}.${map.version.minor}: generated from spec/forwarding/registers.ts (host/device/litex-csv.ts)`,
    '#--------------------------------------------------------------------------------',
    `csr_base,${map.name},0x00000000,,`,
    'constant,config_csr_data_width,32,,',
    'constant,config_bus_address_width,32,,',
  ];
  for (const it of registerInstances(map)) {
    if (it.reg.kind === 'pop') continue;
    const name = `${it.group.name}${it.group.count > 1 ? it.index : ''}_${it.reg.name}`;
    const mode = it.reg.fields.every((f) => f.access === 'ro') ? 'ro' : 'rw';
    lines.push(`csr_register,${name},0x${it.address.toString(16).padStart(8, '0')},1,${mode}`);
  }
  return `${lines.join('\n')}\n`;
}
