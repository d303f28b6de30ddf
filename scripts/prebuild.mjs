#!/usr/bin/env node
// prepack: build piwave's own player for every board and mode into prebuilt/
// (host/prebuilt.ts), so the published package's first build starts no
// compiler. Needs the compiled lib/ (npm run build) and the Debian tools.
const { makePrebuilt } = await import(new URL("../lib/host/prebuilt.js", import.meta.url).href);
const t0 = performance.now();
const r = await makePrebuilt({ log: (line) => process.stderr.write(line + "\n") });
process.stderr.write(`prebuilt: ${r.variants} player builds in ${r.dest} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
