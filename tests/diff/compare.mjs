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
//    either side: the module is skipped.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const isExhausted = (l) => l === 'exhausted' || l === 'init exhausted';
const isLimit = (l) => l === 'load limit' || l === 'init limit';
const lines = (text) => text.split('\n').filter((l) => l !== '');

// Returns { kind: 'same' | 'skip' | 'diff', calls, reason }.
export function compare(oursText, theirsText, { theirsTimeout = false, oursStatus = 0 } = {}) {
    const ours = lines(oursText), theirs = lines(theirsText);
    let i = 0;
    const done = (kind, reason = '') =>
        ({ kind, reason, calls: ours.slice(0, i).filter((l) => l.startsWith('call ')).length });

    if (oursStatus !== 0) return done('diff', `our driver exited with status ${oursStatus} (crash or hang)`);
    if (ours.some(isLimit) || theirs.some(isLimit)) return done('skip', 'implementation limit');
    for (; i < ours.length && i < theirs.length; i++) {
        const a = ours[i], b = theirs[i];
        if (a === b) {
            if (isExhausted(a)) return done('same', 'both exhausted');
            continue;
        }
        if (isExhausted(a) || isExhausted(b)) return done('same', `exhausted on one side at line ${i + 1}`);
        return done('diff', `at line ${i + 1}: ours "${a}", V8 "${b}"`);
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

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
    const [oursFile, theirsFile, ...opts] = process.argv.slice(2);
    const at = opts.indexOf('--ours-status');
    const v = compare(readFileSync(oursFile, 'utf8'), readFileSync(theirsFile, 'utf8'), {
        theirsTimeout: opts.includes('--theirs-timeout'),
        oursStatus: at >= 0 ? Number(opts[at + 1]) : 0,
    });
    console.log(verdictLine(v));
    process.exit(v.kind === 'same' ? 0 : v.kind === 'skip' ? 3 : 1);
}
