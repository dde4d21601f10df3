#!/usr/bin/env node
// The `nymote` command. Runs the TypeScript CLI through tsx's loader, so the
// sources are the program (no separate compile step to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// Build tooling may leave handles open; the command is over.
process.exit(code);
