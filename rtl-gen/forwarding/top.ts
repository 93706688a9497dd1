// The forwarding plane as a device: the plane (plane.ts), its CSR block printed from the
// register map (rtl-gen/regmap/csr.ts; a Wishbone slave, so LiteX's Etherbone reaches every
// register), and the host-port mailbox (mailbox.ts). Its ports are the bus and the network
// ports; everything else is a register.
import { SLOTS_PER_PEER } from '../../spec/key-slots.ts';
import { type FwdParams, fwdParams } from '../../spec/forwarding/params.ts';
import { fpRegisterMap } from '../../spec/forwarding/registers.ts';
import { group, reg } from '../../spec/forwarding/regmap.ts';
import { type Expr, concat, constant, or, sliceRef } from '../ir/expr.ts';
import { Module } from '../ir/module.ts';
import { csrBlock, csrSignalName } from '../regmap/csr.ts';
import { hostMailbox } from './mailbox.ts';
import { type PlaneParams, forwardingPlane } from './plane.ts';

export function fpTop(given: Partial<PlaneParams> & Pick<PlaneParams, 'aead'>, name?: string): Module {
  const fp = fwdParams(Object.fromEntries(Object.entries(given).filter(([k]) => !['aead', 'ingressBeats', 'bufferBeats', 'ram'].includes(k))) as Partial<FwdParams>);
  const P = fp.ports;
  const N = fp.peers;
  const map = fpRegisterMap(fp);
  const buildId = reg(map, 'id', 'build_id').fields[0]!.value!;
  const csrMod = csrBlock(map, `fp_csr_p${P}_n${N}`, { build_id: `0x${buildId.toString(16).padStart(8, '0')}` });
  const plane = forwardingPlane(given);
  const mbox = hostMailbox({ beats: 512 });
  const m = new Module(name ?? `fp_top_p${P}_n${N}_r${fp.routeEntries}`, { name: 'forwarding/top', version: '1.0.0', params: { plane: plane.name, csr: csrMod.name, build_id: `0x${buildId.toString(16).padStart(8, '0')}` } });
  m.describe(
    `Skywire forwarding plane device: ${P} network port(s), ${N} peers; registers on a Wishbone bus (docs/registers.md), the host port as a register mailbox.`,
  );
  m.clock();
  m.reset();
  // CSR signal names by (group, register, field, element).
  const n = (g: string, r: string, f?: string, i = 0): string => {
    const gd = group(map, g);
    const rd = reg(map, g, r);
    return csrSignalName(gd, i, rd, f ? rd.fields.find((x) => x.name === f) : undefined);
  };
  const csrIns: Record<string, Expr> = {};
  for (const pn of ['adr_i', 'dat_i', 'sel_i', 'cyc_i', 'stb_i', 'we_i']) csrIns[`wb_${pn}`] = m.input(`wb_${pn}`, csrMod.ports.find((q) => q.name === `wb_${pn}`)!.width);
  // Outputs of the CSR block used below; it is instantiated last, with its inputs.
  const out = (s: string): Expr => ({ kind: 'ref', name: `csr_${s}`, width: csrMod.ports.find((q) => q.name === s)!.width });
  const cfgV = (r: string, f: string | undefined, w: number, count: number, g = 'peer'): Expr => concat(...Array.from({ length: count }, (_, i) => {
    const e = out(`cfg_${n(g, r, f, i)}`);
    return e.width === w ? e : sliceRef(e as never, w - 1, 0);
  }).reverse());
  const macOf = (g: string, count: number): Expr => concat(...Array.from({ length: count }, (_, i) => concat(out(`cfg_${n(g, 'mac_hi', undefined, i)}`), out(`cfg_${n(g, 'mac_lo', undefined, i)}`))).reverse());
  const planeIns: Record<string, Expr> = {
    cfg_forward_enable: out(`cfg_${n('ctrl', 'ctrl')}`),
    cfg_port_mac: macOf('port', P), cfg_port_ip: cfgV('ip', undefined, 32, P, 'port'), cfg_port_udp: cfgV('udp_port', undefined, 16, P, 'port'),
    cfg_peer_enabled: cfgV('ctrl', 'enabled', 1, N), cfg_peer_session: cfgV('ctrl', 'session', 1, N), cfg_peer_up: cfgV('ctrl', 'up', 1, N), cfg_peer_pad32: cfgV('ctrl', 'pad32', 1, N),
    cfg_peer_tx_valid: cfgV('ctrl', 'tx_valid', 1, N), cfg_peer_tx_slot: cfgV('ctrl', 'tx_slot', 1, N), cfg_peer_rx_valid: cfgV('ctrl', 'rx_valid', 1, N), cfg_peer_rx_slot: cfgV('ctrl', 'rx_slot', 1, N),
    cfg_peer_port: cfgV('ctrl', 'port', 4, N), cfg_peer_local_id: cfgV('local_id', undefined, 32, N), cfg_peer_remote_id: cfgV('remote_id', undefined, 32, N),
    cfg_peer_mac: macOf('peer', N), cfg_peer_ip: cfgV('ip', undefined, 32, N), cfg_peer_udp_port: cfgV('udp_port', undefined, 16, N),
    cfg_peer_ttl: cfgV('ip_opts', 'ttl', 8, N), cfg_peer_tos: cfgV('ip_opts', 'tos', 8, N), cfg_peer_df: cfgV('ip_opts', 'df', 1, N),
    key_cmd_valid: out(`cmd_${n('key', 'key_cmd')}_valid`), key_cmd_slot: out(`cmd_${n('key', 'key_cmd', 'slot')}`), key_cmd_op: out(`cmd_${n('key', 'key_cmd', 'op')}`),
    key_words: concat(...Array.from({ length: 8 }, (_, w) => out(`cfg_${n('key', `key${w}`)}`)).reverse()), key_generation: out(`cfg_${n('key', 'key_generation')}`),
    route_cmd_valid: out(`cmd_${n('route', 'route_cmd')}_valid`), route_cmd_op: out(`cmd_${n('route', 'route_cmd')}`), route_cmd_slot: out(`cfg_${n('route', 'route_slot')}`),
    route_cmd_key: concat(out(`cfg_${n('route', 'route_key_hi')}`), out(`cfg_${n('route', 'route_key_lo')}`)),
    route_cmd_value: concat(out(`cfg_${n('route', 'route_value_hi')}`), out(`cfg_${n('route', 'route_value_lo')}`)),
    counter_cmd_valid: out(`cmd_${n('counter', 'counter_cmd')}_valid`), counter_cmd_bank: out(`cmd_${n('counter', 'counter_cmd', 'bank')}`),
    counter_cmd_index: out(`cmd_${n('counter', 'counter_cmd', 'index')}`), counter_cmd_clear: out(`cmd_${n('counter', 'counter_cmd', 'clear')}`),
    // The mailbox's up side takes every frame (one that does not fit is dropped whole there).
    m_host_tready: constant(1, 1),
    s_host_tdata: { kind: 'ref', name: 'mbox_m_host_tdata', width: 64 }, s_host_tkeep: { kind: 'ref', name: 'mbox_m_host_tkeep', width: 8 },
    s_host_tvalid: { kind: 'ref', name: 'mbox_m_host_tvalid', width: 1 }, s_host_tlast: { kind: 'ref', name: 'mbox_m_host_tlast', width: 1 },
  };
  for (let i = 0; i < P; i++) {
    for (const f of ['tdata', 'tkeep', 'tvalid', 'tlast']) planeIns[`s_axis_rx${i}_${f}`] = m.input(`s_axis_rx${i}_${f}`, f === 'tdata' ? 64 : f === 'tkeep' ? 8 : 1);
    planeIns[`m_axis_tx${i}_tready`] = m.input(`m_axis_tx${i}_tready`, 1);
  }
  const pl = m.instance(plane, 'plane', planeIns);
  const mb = m.instance(mbox, 'mbox', {
    s_host_tdata: pl.m_host_tdata!, s_host_tkeep: pl.m_host_tkeep!, s_host_tvalid: pl.m_host_tvalid!, s_host_tlast: pl.m_host_tlast!,
    rx_pop: out(`pop_${n('host', 'host_rx_data')}`),
    tx_data: out(`cmd_${n('host', 'host_tx_data')}`), tx_data_valid: out(`cmd_${n('host', 'host_tx_data')}_valid`),
    tx_commit: out(`cmd_${n('host', 'host_tx_commit')}_valid`), tx_commit_length: out(`cmd_${n('host', 'host_tx_commit')}`),
    m_host_tready: pl.s_host_tready!,
  });
  for (let i = 0; i < P; i++) {
    m.output(`s_axis_rx${i}_tready`, 1).drive(pl[`s_axis_rx${i}_tready`]!);
    for (const f of ['tdata', 'tkeep', 'tvalid', 'tlast']) m.output(`m_axis_tx${i}_${f}`, f === 'tdata' ? 64 : f === 'tkeep' ? 8 : 1).drive(pl[`m_axis_tx${i}_${f}`]!);
  }
  const linkUp = m.input('link_up', P, 'per network port: the PHY has a link');
  // CSR inputs: status and events.
  const st = (s: string): string => `status_${s}`;
  csrIns[st(n('ctrl', 'status', 'route_ready'))] = pl.status_route_ready!;
  csrIns[st(n('ctrl', 'status', 'key_busy'))] = pl.status_key_busy!;
  csrIns[st(n('ctrl', 'status', 'counter_busy'))] = pl.status_counter_busy!;
  csrIns[st(n('ctrl', 'status', 'counters_ready'))] = pl.status_counters_ready!;
  csrIns[`event_${n('ctrl', 'errors', 'route_overrun')}`] = pl.event_route_overrun!;
  csrIns[`event_${n('ctrl', 'errors', 'key_overrun')}`] = pl.event_key_overrun!;
  csrIns[`event_${n('ctrl', 'errors', 'counter_overrun')}`] = pl.event_counter_overrun!;
  csrIns[`event_${n('ctrl', 'errors', 'host_tx_bad')}`] = or(pl.event_host_tx_bad!, mb.event_down_dropped!);
  csrIns[`event_${n('ctrl', 'errors', 'host_rx_dropped')}`] = mb.event_up_dropped!;
  csrIns[`event_${n('ctrl', 'errors', 'counter_lost')}`] = pl.status_counter_lost!;
  csrIns[st(n('key', 'key_status'))] = pl.status_key_busy!;
  csrIns[st(n('counter', 'counter_status'))] = pl.status_counter_busy!;
  csrIns[st(n('counter', 'counter_frames'))] = pl.status_counter_frames!;
  csrIns[st(n('counter', 'counter_bytes_lo'))] = m.slice(pl.status_counter_bytes!, 31, 0);
  csrIns[st(n('counter', 'counter_bytes_hi'))] = m.slice(pl.status_counter_bytes!, 47, 32);
  csrIns[st(n('host', 'host_rx_status', 'avail'))] = mb.rx_avail!;
  csrIns[st(n('host', 'host_rx_status', 'length'))] = mb.rx_length!;
  csrIns[st(n('host', 'host_rx_data'))] = mb.rx_data!;
  csrIns[st(n('host', 'host_tx_status'))] = mb.tx_free_words!;
  for (let i = 0; i < P; i++) csrIns[st(n('port', 'status', undefined, i))] = m.slice(linkUp, i, i);
  const slots = N * SLOTS_PER_PEER;
  for (let s = 0; s < slots; s++) {
    csrIns[st(n('keyslot', 'state', undefined, s))] = m.slice(pl.status_key_slot_valid!, s, s);
    csrIns[st(n('keyslot', 'generation', undefined, s))] = m.slice(pl.status_key_slot_gen!, 32 * s + 31, 32 * s);
  }
  for (let q = 0; q < N; q++) {
    csrIns[st(n('peer', 'tx_counter_lo', undefined, q))] = m.slice(pl.status_tx_counter!, 52 * q + 31, 52 * q);
    csrIns[st(n('peer', 'tx_counter_hi', undefined, q))] = m.slice(pl.status_tx_counter!, 52 * q + 51, 52 * q + 32);
  }
  const csr = m.instance(csrMod, 'csr', csrIns, { unused: [`cfg_${n('id', 'scratch')}`] });
  m.output('status_busy', 1, 'a frame is inside the plane or the host mailbox\'s way down (for simulation and debug)').drive(or(pl.status_busy!, mb.m_host_tvalid!));
  m.output('wb_dat_o', 32).drive(csr.wb_dat_o!);
  m.output('wb_ack_o', 1).drive(csr.wb_ack_o!);
  m.output('wb_err_o', 1).drive(csr.wb_err_o!);
  return m;
}
