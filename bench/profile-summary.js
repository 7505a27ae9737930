// Self time of a V8 .cpuprofile by package (or by our own folder): node bench/profile-summary.js <file> [top]
/* global process, console */
const fs = require('node:fs');

const profile = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 25);
const self = new Map();
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++)
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0));
const where = (url) => {
  if (!url) return '(native/gc/idle)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url;
};
let total = 0;
const byFn = new Map();
for (const node of profile.nodes) {
  const us = dt.get(node.id) ?? 0;
  if (node.callFrame.functionName === '(idle)') continue;
  total += us;
  const k = where(node.callFrame.url);
  self.set(k, (self.get(k) ?? 0) + us);
  const f = `${node.callFrame.functionName || '(anon)'} ${k}`;
  byFn.set(f, (byFn.get(f) ?? 0) + us);
}
const print = (m) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, v]) =>
      console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}`),
    );
console.log(`busy ${(total / 1000).toFixed(0)} ms\n-- by package / file`);
print(self);
console.log('-- by function');
print(byFn);
