// A process that holds a client tunnel network (host/netif ClientNetwork) for the netif
// tests, so they can kill it the hard way: `up <json options>` brings it up, prints "up"
// and holds it until stdin closes (then takes it down); `undo <journal>` undoes a journal,
// as the daemon does when it starts after a crash, and prints what it undid.
import { ClientNetwork } from '../../host/netif/networks.ts';
import { Journal } from '../../host/netif/system.ts';

const [mode, arg] = process.argv.slice(2);
if (mode === 'undo') {
  console.log(JSON.stringify(new Journal(arg).undoAll()));
} else {
  const o = JSON.parse(arg);
  const net = await ClientNetwork.up({ ...o, journal: new Journal(o.journal) });
  console.log(JSON.stringify({ up: true, pinned: net.pinned }));
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => void net.down().then(() => process.exit(0)));
}
