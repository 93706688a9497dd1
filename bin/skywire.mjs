#!/usr/bin/env node
// Launcher for the skywire CLI: registers tsx so the TypeScript sources run as they are,
// then hands the arguments to the CLI's main and exits with its code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../host/cli/skywire.ts');
process.exitCode = await main(process.argv.slice(2));
