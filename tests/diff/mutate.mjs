// mutate.mjs: deterministic byte-level mutation of a module, for the
// differential loop (tests/diff/run.sh). The result is usually malformed or
// invalid, which tests that both engines agree on what loads; sometimes it
// still loads and runs differently from its parent. loop.mjs imports mutate().
//
//   node mutate.mjs SEED IN.wasm OUT.wasm
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Returns a mutated copy of bytes (a Buffer); the seed decides everything.
export function mutate(seed, bytes) {
    let s = (BigInt(seed) * 0x9e3779b97f4a7c15n + 1n) & 0xffffffffffffffffn;
    const rand = (n) => { // xorshift64*, good enough and reproducible
        s ^= s >> 12n; s ^= (s << 25n) & 0xffffffffffffffffn; s ^= s >> 27n;
        return Number(((s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 33n) % n;
    };
    const b = Array.from(bytes);
    const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x41, 0x0b, 0x0f, 0x20, 0x6f, 0x70, 0x7b];
    const count = 1 + rand(4);
    for (let k = 0; k < count && b.length > 9; k++) {
        const at = 8 + rand(b.length - 8); // keep the header
        switch (rand(6)) {
        case 0: b[at] ^= 1 << rand(8); break;
        case 1: b[at] = interesting[rand(interesting.length)]; break;
        case 2: b[at] = rand(256); break;
        case 3: b.splice(at, 0, rand(256)); break;
        case 4: b.splice(at, 1); break;
        default: { // copy a short run of bytes elsewhere
            const len = 1 + rand(8), from = 8 + rand(b.length - 8);
            b.splice(at, 0, ...b.slice(from, from + len));
        }
        }
    }
    return Buffer.from(b);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const [seed, inFile, outFile] = process.argv.slice(2);
    writeFileSync(outFile, mutate(seed, readFileSync(inFile)));
}
