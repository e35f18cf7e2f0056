// gen_wat.mjs: a generator of random modules (as .wat text) for what
// binaryen 108's -ttf never emits: table.get/set/size/grow/fill/copy/init,
// elem.drop, several tables of both reference types, memory.size/grow,
// data.drop, call_indirect through any table, typed select, br_table with
// values, and bulk memory near the bounds. Every statement logs what it
// computes through fuzzing-support.log-i32 (so the comparison sees it), and
// indices are biased towards the edges (size - 1, size, size + 1, huge).
//
//   node gen_wat.mjs SEED > out.wat          (loop.mjs imports genWat)
import { pathToFileURL } from 'node:url';

export function genWat(seed) {
    let s = (BigInt(seed) * 0x9e3779b97f4a7c15n + 7n) & 0xffffffffffffffffn;
    const rand = (n) => {
        s ^= s >> 12n; s ^= (s << 25n) & 0xffffffffffffffffn; s ^= s >> 27n;
        return Number(((s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 33n) % n;
    };
    const pick = (a) => a[rand(a.length)];
    const out = ['(import "fuzzing-support" "log-i32" (func $log (param i32)))',
        '(import "fuzzing-support" "log-i64" (func $log64 (param i64)))'];
    const sigs = ['(param i32) (result i32)', '(result i32)', '(param i32 i32) (result i32)',
        '(result i32 i32)', '(param i64) (result i64)'];

    // tables: 1-4, funcref or externref, small sizes, maybe a maximum
    const tables = [];
    const ntables = 1 + rand(4);
    for (let t = 0; t < ntables; t++) {
        const type = t === 0 || rand(3) ? 'funcref' : 'externref';
        const min = rand(10) ? 1 + rand(6) : 0, max = rand(3) ? min + rand(8) : null;
        tables.push({ type, min });
        out.push(`(table $t${t} (export "t${t}") ${min}${max === null ? '' : ' ' + max} ${type})`);
    }
    const funcTables = tables.map((t, i) => (t.type === 'funcref' ? i : -1)).filter((i) => i >= 0);
    const memMin = rand(3), memMax = rand(2) ? memMin + rand(4) : null;
    out.push(`(memory (export "mem") ${memMin}${memMax === null ? '' : ' ' + memMax})`);
    sigs.forEach((sig, i) => out.push(`(type $s${i} (func ${sig}))`));

    // small callees of each signature, referenced from element segments
    const callees = [];
    for (let i = 0; i < 6; i++) {
        const sig = rand(sigs.length), k = rand(1000);
        const body = [
            `(i32.add (local.get 0) (i32.const ${k}))`, `(i32.const ${k})`,
            `(i32.sub (local.get 0) (local.get 1))`, `(i32.const ${k}) (i32.const ${k + 1})`,
            `(i64.mul (local.get 0) (i64.const ${k}))`][sig];
        out.push(`(func $c${i} (type $s${sig}) ${body})`);
        callees.push({ name: `$c${i}`, sig });
    }
    // element segments: active (into funcref tables), passive, declarative
    const elems = [];
    for (let e = 0; e < 1 + rand(4); e++) {
        const kind = rand(3);
        let n = rand(5);
        const items = () => Array.from({ length: n }, () => (rand(4) ? `(ref.func ${pick(callees).name})` : '(ref.null func)'));
        if (kind === 0 && funcTables.length) {
            const t = pick(funcTables);
            let off = rand(3) + tables[t].min; // out of bounds, one time in ten
            if (rand(10)) {
                n = Math.min(n, tables[t].min);
                off = rand(tables[t].min - n + 1);
            }
            out.push(`(elem $e${e} (table $t${t}) (i32.const ${off}) funcref ${items().join(' ')})`);
        } else if (kind === 2) {
            out.push(`(elem $e${e} declare funcref ${items().join(' ')})`);
        } else {
            out.push(`(elem $e${e} funcref ${items().join(' ')})`);
        }
        elems.push({ n, type: 'funcref' });
    }
    if (rand(2)) { // a passive externref segment (nulls only: wasm makes no other externref)
        out.push(`(elem $e${elems.length} externref ${'(ref.null extern) '.repeat(rand(4))})`);
        elems.push({ type: 'externref' });
    }
    // every callee may be named by ref.func in code
    out.push(`(elem declare func ${callees.map((c) => c.name).join(' ')})`);
    const datas = [];
    for (let d = 0; d < 1 + rand(3); d++) {
        const bytes = Array.from({ length: rand(12) }, () => '\\' + rand(256).toString(16).padStart(2, '0')).join('');
        if (rand(2) && memMin > 0) out.push(`(data $d${d} (i32.const ${rand(5) ? rand(64) : memMin * 65536 - rand(16)}) "${bytes}")`);
        else out.push(`(data $d${d} "${bytes}")`);
        datas.push(d);
    }

    // expressions
    const edge = () => (rand(10) < 7 ? rand(5) : pick([5, 7, 8, 16, 255, 65535, 65536, 0x7fffffff, -1, -2,
        0x80000000 | 0])).toString();
    const i32 = (depth = 0) => {
        const r = rand(depth > 2 ? 3 : 8);
        switch (r) {
        case 0: case 1: return `(i32.const ${edge()})`;
        case 2: return '(local.get $x)';
        case 3: return `(table.size $t${rand(ntables)})`;
        case 4: return '(memory.size)';
        case 5: return `(i32.add ${i32(depth + 1)} ${i32(depth + 1)})`;
        case 6: return `(i32.sub (table.size $t${rand(ntables)}) (i32.const ${rand(3)}))`;
        default: return `(i32.mul (memory.size) (i32.const 65536))`;
        }
    };
    // operands of table and memory instructions: mostly in bounds, sometimes
    // at or past the edge
    const idx = (t) => {
        const r = rand(10);
        if (r < 6) return `(i32.const ${rand(tables[t].min + (rand(4) ? 0 : 2)) || 0})`;
        if (r < 8) return `(i32.sub (table.size $t${t}) (i32.const ${rand(2)}))`;
        return i32();
    };
    const addr = () => {
        const r = rand(10);
        if (r < 6) return `(i32.const ${rand(memMin ? 65536 : 8)})`;
        if (r < 8) return `(i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const ${rand(20)}))`;
        return i32();
    };
    const len = () => (rand(10) < 7 ? `(i32.const ${rand(5)})` : i32());
    const ref = (t) => {
        if (tables[t].type === 'externref') return '(ref.null extern)';
        const r = rand(4);
        if (r === 0) return '(ref.null func)';
        if (r === 1) {
            const u = pick(funcTables);
            return `(table.get $t${u} ${idx(u)})`;
        }
        return `(ref.func ${pick(callees).name})`;
    };
    const sameType = (t) => tables.map((u, i) => (u.type === tables[t].type ? i : -1)).filter((i) => i >= 0);
    const argsOf = (sig) => ['(local.get $x)', '', '(local.get $x) (i32.const 3)', '', '(i64.const -5)'][sig];
    const logResults = (sig) => ['(call $log)', '(call $log)', '(call $log)',
        '(call $log) (call $log)', '(call $log64)'][sig];

    const stmt = () => {
        const t = rand(ntables);
        switch (rand(16)) {
        case 0: return `(call $log (table.size $t${t}))`;
        case 1: return `(call $log (table.grow $t${t} ${ref(t)} ${rand(2) ? `(i32.const ${rand(4)})` : i32()}))`;
        case 2: return `(table.fill $t${t} ${idx(t)} ${ref(t)} ${len()})`;
        case 3: {
            const u = pick(sameType(t));
            return `(table.copy $t${t} $t${u} ${idx(t)} ${idx(u)} ${len()})`;
        }
        case 4: {
            const e = rand(elems.length);
            const u = elems[e].type === 'externref' ? tables.findIndex((x) => x.type === 'externref') : pick(funcTables);
            if (u < 0) return `(elem.drop $e${e})`;
            return `(table.init $t${u} $e${e} ${idx(u)} (i32.const ${rand(4)}) ${len()})`;
        }
        case 5: return `(elem.drop $e${rand(elems.length)})`;
        case 6: return `(call $log (ref.is_null (table.get $t${t} ${idx(t)})))`;
        case 7: return `(table.set $t${t} ${idx(t)} ${ref(t)})`;
        case 8: case 9: {
            const sig = rand(sigs.length), u = pick(funcTables);
            return `(call_indirect $t${u} (type $s${sig}) ${argsOf(sig)} ${idx(u)}) ${logResults(sig)}`;
        }
        case 10: return `(call $log (memory.grow ${rand(2) ? `(i32.const ${rand(3)})` : i32()}))`;
        case 11: return `(memory.fill ${addr()} (i32.const ${rand(256)}) ${len()})`;
        case 12: return `(memory.copy ${addr()} ${addr()} ${len()})`;
        case 13: return rand(3) ? `(memory.init $d${pick(datas)} ${addr()} (i32.const ${rand(4)}) ${len()})` : `(data.drop $d${pick(datas)})`;
        case 14: return `(i32.store offset=${pick([0, 0, 1, 3, 65535])} ${addr()} ${i32()}) ` +
            `(call $log (i32.load16_s offset=${pick([0, 0, 2, 65534])} ${addr()}))`;
        default: {
            // typed select and br_table carrying a value
            const u = pick(funcTables);
            return `(call $log (ref.is_null (select (result funcref) ${ref(u)} ${ref(u)} ${i32()})))` +
                ` (call $log (block $b0 (result i32) (block $b1 (result i32) (block $b2 (result i32)` +
                ` (br_table $b0 $b1 $b2 (i32.const ${rand(100)}) ${rand(2) ? `(i32.const ${rand(4)})` : i32()}))` +
                ` (i32.const 1) (i32.add))` +
                ` (i32.const 2) (i32.add)))`;
        }
        }
    };
    const nfuncs = 3 + rand(8);
    for (let f = 0; f < nfuncs; f++) {
        const body = Array.from({ length: 1 + rand(5) }, stmt).join('\n    ');
        out.push(`(func $f${f} (export "f${f}") (param $x i32)\n    ${body})`);
    }
    return `(module\n  ${out.join('\n  ')}\n)\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
    process.stdout.write(genWat(process.argv[2] ?? 1));
