// The FPGA route table behind the ForwardingTable interface: rules go through host/table's
// manager, which keeps the shadow copy and turns each change into CAM management commands
// (in an order that keeps every lookup consistent) for the device driver to write. Lookups
// answer from the shadow copy, which is what the hardware holds once the commands are written.
import type { CamCommand } from '../../spec/route-table/geometry.ts';
import type { RouteAction as CamAction } from '../../spec/route-table/layout.ts';
import { TableFullError, type TableManager } from '../table/manager.ts';
import { checkRouteAction, ForwardingTableFullError, type ForwardingTable, type RouteAction } from './forwarding.ts';

function toCam(a: RouteAction): CamAction {
  return a.kind === 'forward'
    ? { kind: 'forward', port: a.port, nextRoute: BigInt(a.nextRoute), qos: a.qos }
    : { kind: 'local', channel: BigInt(a.channel), qos: a.qos };
}

function fromCam(a: CamAction): RouteAction {
  return a.kind === 'forward' ? { kind: 'forward', port: a.port, nextRoute: Number(a.nextRoute), qos: a.qos } : { kind: 'local', channel: Number(a.channel), qos: a.qos };
}

export class CamForwardingTable implements ForwardingTable {
  constructor(
    readonly manager: TableManager,
    /** Writes commands to the device (or a model of it), in order. */
    private readonly write: (commands: CamCommand[]) => void,
  ) {}

  install(routeId: number, action: RouteAction): void {
    checkRouteAction(routeId, action);
    const key = BigInt(routeId);
    let cmds: CamCommand[];
    try {
      cmds = this.manager.has(key) ? this.manager.updateRoute(key, toCam(action)) : this.manager.insertRoute(key, toCam(action));
    } catch (e) {
      if (e instanceof TableFullError) throw new ForwardingTableFullError(this.capacity);
      throw e;
    }
    this.write(cmds);
  }

  remove(routeId: number): void {
    const key = BigInt(routeId);
    if (this.manager.has(key)) this.write(this.manager.delete(key));
  }

  lookup(routeId: number): RouteAction | undefined {
    const a = this.manager.route(BigInt(routeId));
    return a && fromCam(a);
  }

  has(routeId: number): boolean {
    return this.manager.has(BigInt(routeId));
  }

  get size(): number {
    return this.manager.size;
  }

  get capacity(): number {
    return this.manager.geometry.capacity;
  }
}
