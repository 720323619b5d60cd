#!/usr/bin/env node
// Composition root of the `lifeboat` command: the CLI from src/ plus the virtual iPhone's commands from
// sim/ (src/ never imports sim/). Compiled code lives in dist/, built by `npm ci` through `prepare`.
import { runCli } from '../dist/src/cli/main.js';
import { registerSimCommands } from '../dist/sim/cli.js';

process.exitCode = await runCli(process.argv, [registerSimCommands]);
