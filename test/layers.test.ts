// The import layers of scripts/layers.ts hold for the whole tree, a wrong-way import fails
// naming both files, and the README's layer table is the one the check enforces.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, importsOf, layerOf, layerTable, sourceFiles } from '../scripts/layers.ts';

describe('import layers', () => {
  const tree = sourceFiles();

  it('hold for every source file of the tree', () => {
    expect(tree.size).toBeGreaterThan(100);
    expect(checkLayers(tree).map((v) => v.message)).toEqual([]);
  });

  it.each([
    ['host/crypto/planted.ts', "import { Module } from '../../rtl-gen/ir/module.ts';", 'rtl-gen/ir/module.ts', 'host/crypto/ may import only spec/'],
    ['rtl-gen/cam/planted.ts', "import { TableManager } from '../../host/table/manager.ts';", 'host/table/manager.ts', 'rtl-gen/ may import only spec/, constraints/'],
    ['spec/planted.ts', "export { Link } from '../host/link/session.ts';", 'host/link/session.ts', 'spec/ may import nothing of ours'],
    ['host/link/planted.ts', "const m = await import('../mesh/node.ts');", 'host/mesh/node.ts', 'host/link/ may import only'],
    ['bench/planted.ts', "import '../test/layers.test.ts';", 'test/layers.test.ts', 'bench/ may import anything but test/'],
  ])('fail on a planted wrong-way import in %s, naming both files', (file, line, target, rule) => {
    const planted = new Map(tree);
    planted.set(file, `// planted\n${line}\n`);
    const v = checkLayers(planted);
    expect(v).toHaveLength(1);
    expect(v[0]!.file).toBe(file);
    expect(v[0]!.imports).toBe(target);
    expect(v[0]!.message).toContain(`${file} imports ${target}`);
    expect(v[0]!.message).toContain(rule);
  });

  it('refuses a folder that has no layer', () => {
    const planted = new Map(tree);
    planted.set('newfolder/a.ts', "import '../spec/bytes.ts';\n");
    expect(checkLayers(planted).map((v) => v.message)).toEqual(['newfolder/a.ts: its folder newfolder/ has no layer in scripts/layers.ts; add one']);
  });

  it('reads static, re-export, side-effect and dynamic imports, and nothing in strings', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export * from './c.ts';",
      "import './d.ts';",
      "const e = await import('./e.ts');",
      "import { f } from 'node:fs';",
      "const s = 'from ./not-an-import.ts';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts', './e.ts']);
    expect(layerOf('host/mesh/node.ts')!.folder).toBe('host/mesh');
    expect(layerOf('vitest.config.ts')).toBeUndefined();
  });

  it('are the table the README shows', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    expect(readme.includes(layerTable()), 'README.md: the layer table differs from scripts/layers.ts; paste the output of `npm run -s check:layers -- --table`').toBe(true);
  });
});
