import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where `npm run build` writes the dashboard's bundle (gateway/dashboard/build.mjs). The same path from the
 * compiled gateway (dist/dashboard) and from its sources (src/dashboard), so tests serve what users get.
 */
export const DEFAULT_DASHBOARD_DIST = resolve(__dirname, '../../dashboard/dist');

/**
 * The page's Content-Security-Policy. No inline script or style and nothing from another origin: an injected
 * `<script>` or a rogue CDN cannot run in a page that holds an API key. uPlot and Preact set styles through the
 * CSSOM (`element.style`), which `style-src 'self'` does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** One file of the bundle, held in memory: a handful of small files, served on every page load. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The bundle's files by name; names are fixed so the server never maps a request path onto the disk. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The bundle, or why it cannot be served (not built yet). */
export type DashboardBundle =
  | { readonly built: true; readonly files: ReadonlyMap<string, DashboardAsset> }
  | { readonly built: false; readonly reason: string };

/** Reads the bundle once; a missing file means the dashboard was not built, which `/` then says. */
export function loadDashboardBundle(dir: string = DEFAULT_DASHBOARD_DIST): DashboardBundle {
  const files = new Map<string, DashboardAsset>();
  for (const [name, contentType] of Object.entries(FILES)) {
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch (err) {
      return {
        built: false,
        reason: `${join(dir, name)} cannot be read (${String((err as { code?: unknown }).code ?? err)}): run \`npm run build\``,
      };
    }
    files.set(name, {
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    });
  }
  return { built: true, files };
}
