#!/usr/bin/env node
// Composition root of the `lifeboat` command: the CLI from src/ plus the virtual iPhone's commands from
// sim/ (src/ never imports sim/). Compiled code lives in dist/, built by `npm ci` through `prepare`.
import { setFlagsFromString } from 'node:v8';

// Performance: keep V8's young generation at its initial size. Loading the CLI grows it to 16 MiB, and
// V8 then starts a full (mark-compact) collection whenever the old generation's headroom is smaller
// than the young generation — during a backup every ~12 MB received, because every TLS record arrives
// in a buffer of its own: ~200 full collections for 2.3 GB, a third of the host's CPU time. With the
// young generation left small those buffers die in cheap scavenges (measured: 200 → 2–9 full
// collections, ~11.9 → ~7 s of CPU for 2.3 GB). It must be set before the modules load, hence the
// dynamic imports below.
setFlagsFromString('--semi-space-growth-factor=1');

const { runCli } = await import('../dist/src/cli/main.js');
const { registerSimCommands } = await import('../dist/sim/cli.js');

process.exitCode = await runCli(process.argv, [registerSimCommands]);
