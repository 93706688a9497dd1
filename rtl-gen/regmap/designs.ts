// The register-map designs committed under rtl/: the forwarding plane's CSR block.
import { FWD_DEFAULTS, type FwdParams, fwdParams } from '../../spec/forwarding/params.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import type { Module } from '../ir/module.ts';
import { cHeader } from './c-header.ts';
import { csrBlock } from './csr.ts';
import { systemRdl } from './systemrdl.ts';

/** The C header of the committed map, its path under firmware/. */
export const FP_C_HEADER = 'include/skywire_fp_regs.h';
/** The SystemRDL of the committed map, its path under firmware/. */
export const FP_RDL = 'skywire_fp.rdl';

/** The forwarding plane's CSR block for `params` (named by ports and peers). */
export function fpCsr(params: Partial<FwdParams> = FWD_DEFAULTS): Module {
  const p = fwdParams(params);
  const map = fpRegisterMap(p);
  const buildId = map.groups[0]!.regs.find((r) => r.name === 'build_id')!.fields[0]!.value!;
  return csrBlock(map, `fp_csr_p${p.ports}_n${p.peers}`, { build_id: `0x${buildId.toString(16).padStart(8, '0')}` });
}

export function regmapDesigns(): Module[] {
  return [fpCsr()];
}

/** Files `npm run gen` writes under firmware/ from the register map: path to text. */
export function firmwareFiles(): Map<string, string> {
  const p = fwdParams(FWD_DEFAULTS);
  const map = fpRegisterMap(p);
  return new Map([
    [FP_C_HEADER, cHeader(map, p, 'skywire_fp_regs.h')],
    [FP_RDL, systemRdl(map)],
  ]);
}
