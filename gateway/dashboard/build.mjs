// Bundles the dashboard (gateway/dashboard/src) into gateway/dashboard/dist: app.js, app.css and index.html,
// which the gateway serves at `/`. Run by the root `npm run build` after the type check (`tsc -p
// gateway/dashboard`): esbuild strips types without checking them.
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.tsx' },
  bundle: true,
  minify: true,
  format: 'esm',
  // Browsers of the last two years: no down-levelling of classes, async or optional chaining.
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  outdir: dist,
  logLevel: 'warning',
});
copyFileSync(join(here, 'index.html'), join(dist, 'index.html'));

const sizes = ['app.js', 'app.css', 'index.html'].map((name) => {
  const body = readFileSync(join(dist, name));
  return `${name} ${(body.length / 1024).toFixed(1)} KiB (gzip ${(gzipSync(body, { level: 9 }).length / 1024).toFixed(1)} KiB)`;
});
process.stdout.write(`[dashboard] built ${dist}: ${sizes.join(', ')}\n`);
