// Where LiteX's Python tools are: the project's .venv (scripts/bootstrap.mjs installs litex
// and liteeth there). Tests that need them are skipped with this reason when they are absent.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const VENV_PYTHON = join(ROOT, '.venv', 'bin', 'python3');
export const LITEX_SERVER = join(ROOT, '.venv', 'bin', 'litex_server');

export const hasLitex: boolean = existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import litex.tools.remote.etherbone, liteeth'], { stdio: 'ignore' }).status === 0;
export const NO_LITEX_REASON = '.venv has no litex/liteeth (run `npm run bootstrap`, which installs them)';
