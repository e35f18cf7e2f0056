// compare.mjs: compares diff_run's output (our engine) with v8_run.mjs's
// (V8) for one module.
//
//   node compare.mjs OURS.txt THEIRS.txt [--theirs-timeout] [--ours-status N]
//
// Prints one line, "same calls=N", "skip calls=N REASON" or "diff calls=N
// REASON" (N = calls compared), and exits 0, 3 or 1. tests/diff/loop.mjs
// imports compare() directly.
//
// The outputs must be equal line for line, except:
//  * "exhausted" (fuel or call stack) on either side ends the comparison:
//    the engines' limits differ, so neither what was logged after the other
//    side's exhaustion point nor any later state can be compared;
//  * V8 stopped by the time limit while our engine ran out of fuel in the
//    same call (or start function) is "both ran out";
//  * "load limit" / "init limit" (an implementation limit, not the spec) on
//    either side: the module is skipped;
//  * NaN bits: where the spec lets an operation return any quiet NaN, V8 and
//    our engine pick different ones (V8's f32.min returns the canonical NaN,
//    ours the quietened operand). Floats print as "nan", but the bits show
//    through i32/i64 reinterpretation and in memory. When the first
//    difference is two integers that are both quiet NaN patterns (as f32 for
//    i32, f64 for i64), or memory whose differing bytes are all covered by
//    quiet NaNs on both sides (nanExplainsMemory, used by loop.mjs), the
//    comparison ends there as "same": nothing after it is comparable.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const isExhausted = (l) => l === 'exhausted' || l === 'init exhausted';
const isLimit = (l) => l === 'load limit' || l === 'init limit';
const lines = (text) => text.split('\n').filter((l) => l !== '');

// Two NaNs the spec lets an arithmetic operation choose between: both quiet,
// and one of them canonical or the two differing in the sign only. (Plain
// "both quiet NaN patterns" would accept -1 against -2 as i32.)
const quietNan32 = (v) => (v & 0x7fc00000) === 0x7fc00000;
const quietNan64 = (v) => (v & 0x7ff8000000000000n) === 0x7ff8000000000000n;
const nanPair32 = (x, y) => quietNan32(x) && quietNan32(y) &&
    ((x & 0x7fffffff) === 0x7fc00000 || (y & 0x7fffffff) === 0x7fc00000 || ((x ^ y) >>> 0) === 0x80000000);
const MASK63 = 0x7fffffffffffffffn, CANON64 = 0x7ff8000000000000n;
const nanPair64 = (x, y) => quietNan64(x) && quietNan64(y) &&
    ((x & MASK63) === CANON64 || (y & MASK63) === CANON64 || (x ^ y) === 0x8000000000000000n);

// Lines that differ only in integers that are quiet NaN bit patterns.
function onlyNanBits(a, b) {
    const x = a.split(' '), y = b.split(' ');
    if (x.length !== y.length) return false;
    let seen = false;
    for (let k = 0; k < x.length; k++) {
        if (x[k] === y[k]) continue;
        const m = /^(i32|i64):(-?\d+)$/.exec(x[k]), n = /^(i32|i64):(-?\d+)$/.exec(y[k]);
        if (!m || !n || m[1] !== n[1]) return false;
        const ok = m[1] === 'i32'
            ? nanPair32(Number(m[2]) >>> 0, Number(n[2]) >>> 0)
            : nanPair64(BigInt.asUintN(64, BigInt(m[2])), BigInt.asUintN(64, BigInt(n[2])));
        if (!ok) return false;
        seen = true;
    }
    return seen;
}

// True when every run of differing bytes between two memories lies inside a
// 4- or 8-byte window that holds NaNs (f32 or f64) the spec lets differ.
export function nanExplainsMemory(a, b) {
    if (a.length !== b.length) return false;
    const da = new DataView(a.buffer, a.byteOffset, a.length);
    const db = new DataView(b.buffer, b.byteOffset, b.length);
    const covered = (lo, hi) => {
        for (const w of [4, 8])
            for (let s = Math.max(0, hi - w + 1); s <= lo && s + w <= a.length; s++) {
                const ok = w === 4
                    ? nanPair32(da.getUint32(s, true), db.getUint32(s, true))
                    : nanPair64(da.getBigUint64(s, true), db.getBigUint64(s, true));
                if (ok) return true;
            }
        return false;
    };
    let found = false;
    for (let i = 0; i < a.length; i++) {
        if (a[i] === b[i]) continue;
        let hi = i; // a run: differing bytes less than 8 apart
        for (let j = i + 1; j < a.length && j < hi + 8; j++) if (a[j] !== b[j]) hi = j;
        if (!covered(i, hi)) return false;
        found = true;
        i = hi;
    }
    return found;
}

// Returns { kind: 'same' | 'skip' | 'diff', calls, reason }.
export function compare(oursText, theirsText, { theirsTimeout = false, oursStatus = 0 } = {}) {
    const ours = lines(oursText), theirs = lines(theirsText);
    let i = 0;
    // line: where the outputs first differ (0-based), for loop.mjs
    const done = (kind, reason = '', line = -1) =>
        ({ kind, reason, line, calls: ours.slice(0, i).filter((l) => l.startsWith('call ')).length });

    if (oursStatus !== 0) return done('diff', `our driver exited with status ${oursStatus} (crash or hang)`);
    if (ours.some(isLimit) || theirs.some(isLimit)) return done('skip', 'implementation limit');
    for (; i < ours.length && i < theirs.length; i++) {
        const a = ours[i], b = theirs[i];
        if (a === b) {
            if (isExhausted(a)) return done('same', 'both exhausted');
            continue;
        }
        if (isExhausted(a) || isExhausted(b)) return done('same', `exhausted on one side at line ${i + 1}`);
        if (onlyNanBits(a, b)) return done('same', `NaN bits differ at line ${i + 1} (allowed)`);
        return done('diff', `at line ${i + 1}: ours "${a}", V8 "${b}"`, i);
    }
    if (ours.length === theirs.length) return done('same');
    if (i === theirs.length && theirsTimeout) {
        // V8 was stopped: it printed whole calls only, so ours must run out
        // of fuel within the next call (or the start function) to be equal.
        let calls = 0;
        for (let k = i; k < ours.length; k++) {
            if (isExhausted(ours[k])) return done('same', 'both ran out (V8 by the time limit)');
            if (ours[k].startsWith('call ') ? ++calls > 1 : !ours[k].startsWith('log ')) break;
        }
        return done('diff', `V8 timed out at line ${i + 1}, where ours has "${ours[i]}"`);
    }
    if (i === ours.length) return done('diff', `ours ends at line ${i + 1}, V8 goes on with "${theirs[i]}"`);
    return done('diff', `V8 ends at line ${i + 1}, ours goes on with "${ours[i]}"`);
}

export const verdictLine = (v) => `${v.kind} calls=${v.calls}` + (v.reason ? ` ${v.reason}` : '');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const [oursFile, theirsFile, ...opts] = process.argv.slice(2);
    const at = opts.indexOf('--ours-status');
    const v = compare(readFileSync(oursFile, 'utf8'), readFileSync(theirsFile, 'utf8'), {
        theirsTimeout: opts.includes('--theirs-timeout'),
        oursStatus: at >= 0 ? Number(opts[at + 1]) : 0,
    });
    console.log(verdictLine(v));
    process.exit(v.kind === 'same' ? 0 : v.kind === 'skip' ? 3 : 1);
}
