// v8_run.mjs: runs one module on Node's V8 and prints what it observably does
// in the canonical form tests/diff/diff_run.c prints for our engine (see that
// file and docs/engine.md, "Differential testing"). Keep the two in step.
//
//   node --experimental-wasm-type-reflection --wasm-max-mem-pages=1024 \
//        --wasm-max-table-size=100000 v8_run.mjs FILE.wasm
//
// The type-reflection flag gives the types of imports and exports, which the
// stand-in imports and the arguments need. Output is written synchronously
// after every call, so a run killed by a timeout keeps what it printed.
// tests/diff/loop.mjs runs this file as a worker thread (workerData.file),
// where the output goes to the parent as messages, for the same reason.
import { readFileSync, writeFileSync, writeSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

let buf = '';
const emit = (s) => { buf += s + '\n'; };
const flush = () => {
    if (!buf) return;
    if (isMainThread) writeSync(1, buf);
    else parentPort.postMessage(buf);
    buf = '';
};
const warn = (s) => { if (isMainThread) process.stderr.write(s); else parentPort.postMessage({ err: s }); };

// Names: every byte outside [A-Za-z0-9_.-] of the UTF-8 encoding as \xx.
function putName(s) {
    let r = '';
    for (const c of Buffer.from(s, 'utf8')) {
        const ch = String.fromCharCode(c);
        r += /[A-Za-z0-9_.-]/.test(ch) ? ch : '\\' + c.toString(16).padStart(2, '0');
    }
    return r;
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const hex = (v, n) => v.toString(16).padStart(n, '0');

function putValue(type, v) {
    switch (type) {
    case 'i32': return 'i32:' + (v | 0);
    case 'i64': return 'i64:' + BigInt.asIntN(64, BigInt(v));
    case 'f32':
        if (Number.isNaN(v)) return 'f32:nan';
        f32[0] = v; return 'f32:0x' + hex(u32[0], 8);
    case 'f64':
        if (Number.isNaN(v)) return 'f64:nan';
        f64[0] = v; return 'f64:0x' + hex(u64[0], 16);
    case 'funcref': case 'anyfunc': return v === null ? 'ref:null' : 'ref:func';
    case 'externref': return v === null ? 'ref:null' : 'ref:extern';
    default: return type;
    }
}

const putValues = (types, vals) => types.map((t, i) => ' ' + putValue(t, vals[i])).join('');

function zeroOf(type) {
    switch (type) {
    case 'i64': return 0n;
    case 'i32': case 'f32': case 'f64': return 0;
    default: return null;
    }
}

// Trap messages of V8 mapped onto diff_run.c's classes.
function trapClass(e) {
    const m = String(e && e.message);
    if (e instanceof RangeError && /call stack size/.test(m)) return 'exhausted';
    if (!(e instanceof WebAssembly.RuntimeError)) return 'unknown:' + String(e).replace(/\s+/g, '_');
    const map = [
        [/^unreachable/, 'unreachable'],
        [/divide by zero|remainder by zero/, 'div-by-zero'],
        [/divide result unrepresentable|float unrepresentable/, 'overflow'],
        [/memory access out of bounds|data segment/, 'memory-oob'],
        [/table index is out of bounds|element segment|table access/, 'table-oob'],
        [/signature mismatch|null function/, 'indirect-call'],
    ];
    for (const [re, cls] of map) if (re.test(m)) return cls;
    return 'unknown:' + m.replace(/\s+/g, '_');
}

// ---- arguments (the same tables as diff_run.c) ------------------------------
const i32Vals = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 2, 65536, 255, 0xffff0000, 42, 8, 1024];
const i64Vals = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x8000000000000000n,
    0x100000000n, 42n, 0xffffffff00000000n, 65535n];
const f32Vals = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 1, 0x7f7fffff,
    0x4f000000, 0xcf000000, 0x3fc00000, 0x80800000, 0x5f000000];
const f64Vals = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n,
    0x7ff0000000000000n, 0xfff0000000000000n, 1n, 0x7fefffffffffffffn, 0x41e0000000000000n,
    0xc1e0000000000000n, 0x3ff8000000000000n, 0x8010000000000000n, 0x43e0000000000000n,
    0x41dfffffffc00000n];

function argValue(type, set, j) {
    if (set === 0) return zeroOf(type);
    const k = set * 7 + j * (set === 1 ? 3 : 5);
    const pick = (t) => t[k % t.length];
    switch (type) {
    case 'i32': return pick(i32Vals) | 0;
    case 'i64': return BigInt.asIntN(64, pick(i64Vals));
    case 'f32': u32[0] = pick(f32Vals); return f32[0];
    case 'f64': u64[0] = pick(f64Vals); return f64[0];
    default: return null;
    }
}

// ---- imports -----------------------------------------------------------------
function label(imp) {
    if (imp.module === 'fuzzing-support' || imp.module === 'spectest') return putName(imp.name);
    return 'import ' + putName(imp.module) + '.' + putName(imp.name);
}

function globalInit(imp) {
    const t = imp.type.value;
    if (imp.module === 'spectest') {
        if (t === 'i32' && imp.name === 'global_i32') return 666;
        if (t === 'i64' && imp.name === 'global_i64') return 666n;
        if (t === 'f32' && imp.name === 'global_f32') return 666.6;
        if (t === 'f64' && imp.name === 'global_f64') return 666.6;
    }
    return zeroOf(t);
}

function makeImport(imp) {
    switch (imp.kind) {
    case 'function': {
        const { parameters, results } = imp.type;
        const name = label(imp);
        const fn = (...args) => {
            emit('log ' + name + putValues(parameters, args));
            const r = results.map(zeroOf);
            return r.length === 1 ? r[0] : r.length ? r : undefined;
        };
        return new WebAssembly.Function(imp.type, fn);
    }
    case 'global':
        return new WebAssembly.Global(imp.type, globalInit(imp));
    case 'memory': {
        const d = { initial: imp.type.minimum };
        if (imp.type.maximum !== undefined) d.maximum = imp.type.maximum;
        return new WebAssembly.Memory(d);
    }
    case 'table': {
        const d = { element: imp.type.element, initial: imp.type.minimum };
        if (imp.type.maximum !== undefined) d.maximum = imp.type.maximum;
        return new WebAssembly.Table(d, null);
    }
    }
    throw new Error('unknown import kind ' + imp.kind);
}

// ---- state -------------------------------------------------------------------
function hashMemory(mem) {
    const w = new Uint32Array(mem.buffer);
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i], 16777619);
    return hex(h >>> 0, 8);
}

// For triage: DIFF_DUMP_DIR=DIR writes each exported memory after call N to
// DIR/N.NAME.bin, as diff_run does.
let callNumber = 0;

function putState(exps, inst) {
    for (const e of exps) {
        const x = inst.exports[e.name];
        if (e.kind === 'memory') {
            emit(`memory ${putName(e.name)} ${x.buffer.byteLength / 65536} ${hashMemory(x)}`);
            if (process.env.DIFF_DUMP_DIR)
                writeFileSync(`${process.env.DIFF_DUMP_DIR}/${callNumber}.${e.name.slice(0, 200)}.bin`,
                    new Uint8Array(x.buffer));
        } else if (e.kind === 'global') {
            emit(`global ${putName(e.name)} ${putValue(e.type.value, x.value)}`);
        } else if (e.kind === 'table') {
            let h = 2166136261;
            for (let i = 0; i < x.length; i++) h = Math.imul(h ^ (x.get(i) !== null ? 1 : 0), 16777619);
            emit(`table ${putName(e.name)} ${x.length} ${hex(h >>> 0, 8)}`);
        }
    }
}

// ---- the run -----------------------------------------------------------------
function run(bytes) {
    let mod;
    try {
        mod = new WebAssembly.Module(bytes);
    } catch (e) {
        // V8's implementation limits (sizes, counts) are not validity
        if (/implementation limit|larger than|exceeds|maximum/.test(String(e.message))) emit('load limit');
        else emit('load error');
        warn('v8_run: ' + e + '\n');
        return;
    }
    emit('load ok');
    flush();
    let inst;
    try {
        const imports = {};
        for (const imp of WebAssembly.Module.imports(mod)) {
            imports[imp.module] ??= {};
            imports[imp.module][imp.name] = makeImport(imp);
        }
        inst = new WebAssembly.Instance(mod, imports);
    } catch (e) {
        if (e instanceof WebAssembly.LinkError) emit('init unlinkable');
        else if (e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/.test(e.message))) {
            const c = trapClass(e);
            emit(c === 'exhausted' ? 'init exhausted' : 'init trap ' + c);
        } else if (e instanceof RangeError) emit('init limit');
        else emit('init unknown:' + String(e).replace(/\s+/g, '_'));
        warn('v8_run: instantiate: ' + e + '\n');
        return;
    }
    emit('init ok');
    const exps = WebAssembly.Module.exports(mod);
    putState(exps, inst);
    flush();
    const hang = exps.find((e) => e.name === 'hangLimitInitializer' && e.kind === 'function' &&
        e.type.parameters.length === 0 && e.type.results.length === 0);
    const hangFn = hang ? inst.exports.hangLimitInitializer : null;
    for (const e of exps) {
        if (e.kind !== 'function') continue;
        const fn = inst.exports[e.name];
        const { parameters, results } = e.type;
        if (parameters.length > 1024 || results.length > 1024) continue;
        if (hangFn && fn === hangFn) continue;
        for (let set = 0; set < 3; set++) {
            if (hangFn) hangFn();
            const args = parameters.map((t, j) => argValue(t, set, j));
            callNumber++;
            emit('call ' + putName(e.name) + putValues(parameters, args));
            let ok = true;
            try {
                let r = fn(...args);
                if (results.length === 0) r = [];
                else if (results.length === 1) r = [r];
                emit('result' + putValues(results, r));
            } catch (err) {
                const c = trapClass(err);
                emit(c === 'exhausted' ? 'exhausted' : 'trap ' + c);
                warn('v8_run: trap: ' + err + '\n');
                ok = c !== 'exhausted';
            }
            putState(exps, inst);
            flush();
            if (!ok) return;
        }
    }
    emit('end');
}

run(readFileSync(isMainThread ? process.argv[2] : workerData.file));
flush();
