// Runs a wasm32-wasi command module on Node's V8 with node:wasi: the
// benchmarks' reference engine. Run it as `node --no-warnings` (node:wasi
// is still marked experimental and says so on stderr otherwise).
//
//   node --no-warnings bench/node-wasi.mjs FILE.wasm [ARGS...]
//       runs _start with ARGS; exits with the program's exit status
//   node --no-warnings bench/node-wasi.mjs --load-only FILE.wasm
//       compiles and instantiates the module without running it, and prints
//       "compile_ms=X instantiate_ms=Y" (wall-clock, this process)
//   node --no-warnings bench/node-wasi.mjs [--dir HOST::GUEST]... [--argv0 NAME] FILE.wasm [ARGS...]
//       the options `enarx run` takes for the real programs (bench/run-apps.sh):
//       preopen HOST as GUEST, and the program's argv[0] (default FILE.wasm)
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WASI } from 'node:wasi';

const usage = 'usage: node-wasi.mjs [--load-only] [--dir HOST::GUEST]... [--argv0 NAME] FILE.wasm [ARGS...]\n';
const argv = process.argv.slice(2);
const preopens = {};
let loadOnly = false;
let argv0 = null;
while (argv.length > 0 && argv[0].startsWith('--')) {
  const option = argv.shift();
  if (option === '--load-only') {
    loadOnly = true;
  } else if ((option === '--dir' || option === '--argv0') && argv.length > 0) {
    const value = argv.shift();
    if (option === '--argv0') {
      argv0 = value;
      continue;
    }
    const split = value.indexOf('::');
    preopens[split < 0 ? value : value.slice(split + 2)] = split < 0 ? value : value.slice(0, split);
  } else {
    process.stderr.write(`node-wasi: bad option ${option}\n` + usage);
    process.exit(2);
  }
}
if (argv.length < 1) {
  process.stderr.write(usage);
  process.exit(2);
}

const file = argv[0];
let bytes;
try {
  bytes = readFileSync(file);
} catch (e) {
  process.stderr.write(`node-wasi: cannot read ${file}: ${e.message}\n`);
  process.exit(2);
}

if (argv0 !== null) argv[0] = argv0;
const wasi = new WASI({ version: 'preview1', args: argv, env: {}, preopens, returnOnExit: true });
try {
  const t0 = performance.now();
  const module = await WebAssembly.compile(bytes);
  const t1 = performance.now();
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  const t2 = performance.now();
  if (loadOnly) {
    process.stdout.write(`compile_ms=${(t1 - t0).toFixed(3)} instantiate_ms=${(t2 - t1).toFixed(3)}\n`);
    process.exit(0);
  }
  process.exitCode = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: ${file}: ${e.message}\n`);
  process.exitCode = 70;
}
