// Writes the data directory @yowasp/yosys ships (its gen/resources-yosys.js:
// a tree of file contents, the biggest files as URLs of files beside it) to
// a host directory, to be preopened as /share (the Yosys build's datdir).
// bench/run-apps.sh runs it on the package it fetched and checked.
//
//   node bench/apps/yosys-share.mjs PACKAGE/gen/resources-yosys.js DEST
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [resources, dest] = process.argv.slice(2);
if (!resources || !dest) {
  process.stderr.write('usage: yosys-share.mjs RESOURCES.js DEST\n');
  process.exit(2);
}
const { filesystem } = await import(pathToFileURL(resolve(resources)).href);
if (!filesystem || typeof filesystem.share !== 'object') {
  process.stderr.write(`yosys-share: ${resources} has no filesystem.share tree\n`);
  process.exit(1);
}

function writeTree(tree, dir) {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(tree)) {
    if (name.includes('/') || name === '..' || name === '.') throw new Error(`bad name ${name} in ${dir}`);
    const path = `${dir}/${name}`;
    if (typeof value === 'string' || value instanceof Uint8Array) writeFileSync(path, value);
    else if (value instanceof URL) copyFileSync(fileURLToPath(value), path);
    else writeTree(value, path);
  }
}
writeTree(filesystem.share, dest);
