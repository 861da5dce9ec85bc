// The generated index.d.ts is valid TypeScript and types a real program (tsc --strict).
import { test } from 'node:test';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));

test('index.d.ts compiles and types a program under tsc --strict', () => {
  execFileSync(process.execPath, [
    'node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16',
    '--target', 'es2022', 'index.d.ts', 'test/typed-usage.ts',
  ], { cwd: dir, stdio: 'inherit' });
});
