#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner, one process per file (isolation),
// and prints node's own summary lines, which CI reads. Usage: node scripts/run-tests.js [filter substring]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const filter = process.argv[2] ?? '';
const roots = ['dist/src', 'dist/sim', 'dist/test'];
const files = [];
function walk(dir) {
  let entries;
  try { entries = readdirSync(dir); } catch { return; }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js') && path.includes(filter)) files.push(path);
  }
}
roots.forEach(walk);
files.sort();
if (files.length === 0) {
  console.error(`no test files matched "${filter}"`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
