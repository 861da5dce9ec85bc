// Reads the shared test vectors (tests/vectors/<operation>/<case>/) for the JavaScript runners
// (bindings-node, bindings-wasm in Node and in Chromium). Each vector has `request.json` and
// either `response.json` (the expected response) or `error.json` (the expected ErrorPayload).
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS_DIR = dirname(fileURLToPath(import.meta.url));

const subdirs = (dir) => readdirSync(dir).filter((n) => statSync(join(dir, n)).isDirectory()).sort();

/** Every vector as `{ operation, name, request, response?, error? }`. */
export function loadVectors() {
  const vectors = [];
  for (const operation of subdirs(VECTORS_DIR)) {
    for (const name of subdirs(join(VECTORS_DIR, operation))) {
      const dir = join(VECTORS_DIR, operation, name);
      const read = (file) => (existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : undefined);
      vectors.push({ operation, name, request: read('request.json'), response: read('response.json'), error: read('error.json') });
    }
  }
  return vectors;
}

/** `check_requirements` → `checkRequirements`. */
export const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The error the WASM core build answers a request with a `format` with: it links no renderer. */
export const NO_RENDERERS = {
  code: 'NF-E011',
  message: 'this build of netfence has no renderers: `format` cannot be answered',
  help: 'leave `format` out and render the JSON response, or use a build with renderers (`netfence-wasm/full`)',
};

/** A vector as a build answers it: the core build of netfence-wasm has no renderers. */
export const asAnsweredBy = (build, v) =>
  build === 'core' && v.request && v.request.format !== undefined && !v.error
    ? { ...v, response: undefined, error: NO_RENDERERS }
    : v;
