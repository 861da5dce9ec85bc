// The .d.ts that wasm-bindgen writes (with the types generated from the Rust types) is valid
// TypeScript under tsc --strict, for every build.
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));

for (const build of ['web', 'node', 'web-full', 'node-full']) {
  test(`pkg/${build}/netfence_wasm.d.ts compiles under tsc --strict`, () => {
    execFileSync(process.execPath, [
      'node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--lib', 'es2022,dom', '--target', 'es2022',
      `pkg/${build}/netfence_wasm.d.ts`,
    ], { cwd: dir, stdio: 'inherit' });
  });
}
