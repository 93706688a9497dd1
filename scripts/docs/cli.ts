// `npm run docs`: writes the generated documents in docs/ from the code. `--check` writes
// nothing and exits 1 naming every stale file (the drift tests in test/ do the same in CI).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { generateProtocolDoc } from './protocol.ts';
import { generateRegistersDoc } from './registers.ts';
import { generateRouteTableDoc } from './route-table.ts';

/** Every generated document: its path from the project root and its generator. */
export const GENERATED_DOCS: readonly { path: string; generate: () => string }[] = [
  { path: 'docs/protocol.md', generate: generateProtocolDoc },
  { path: 'docs/route-table.md', generate: generateRouteTableDoc },
  { path: 'docs/registers.md', generate: generateRegistersDoc },
];

export const docPath = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

function committed(path: string): string | undefined {
  try {
    return readFileSync(docPath(path), 'utf8');
  } catch {
    return undefined;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  new Command('docs')
    .description('write the generated documents in docs/ from the code')
    .option('--check', 'write nothing; exit 1 if any document differs from what the code generates')
    .action((o: { check?: boolean }) => {
      let stale = 0;
      for (const d of GENERATED_DOCS) {
        const text = d.generate();
        if (committed(d.path) === text) continue;
        stale++;
        if (o.check) console.error(`${d.path} is stale: run \`npm run docs\``);
        else {
          writeFileSync(docPath(d.path), text);
          console.log(`wrote ${d.path}`);
        }
      }
      if (o.check && stale) process.exit(1);
    })
    .parse();
}
