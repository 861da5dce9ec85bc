'use strict';
// `npm install` of this folder from a checkout of the netfence repository: builds the native
// module in release mode with cargo (`cargo build --release -p netfence-node`) and copies it to
// `netfence.<platform>-<arch>.node`, which `native.js` loads. Does nothing when the module is
// already there (the npm tarball ships it) or when npm runs in this folder itself (a developer's
// `npm ci`; `cargo xtask bindings node` builds the module then).

const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync } = require('node:fs');
const { join, resolve } = require('node:path');

const here = __dirname;
const target = join(here, `netfence.${process.platform}-${process.arch}.node`);
const workspace = resolve(here, '..');

function main() {
  if (existsSync(target)) return 0;
  if (process.env.INIT_CWD && resolve(process.env.INIT_CWD) === here) return 0;
  if (!existsSync(join(workspace, 'Cargo.toml')) || !existsSync(join(here, 'Cargo.toml'))) {
    console.error(`netfence: no native module for ${process.platform}-${process.arch} and no Rust sources to build it from`);
    return 1;
  }
  console.error('netfence: building the native module with cargo (release; a few minutes the first time)');
  const cargo = process.env.CARGO || 'cargo';
  const args = ['build', '--release', '--locked', '-p', 'netfence-node', '--message-format=json-render-diagnostics'];
  const build = spawnSync(cargo, args, { cwd: workspace, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 28 });
  if (build.error || build.status !== 0) {
    console.error(`netfence: \`${cargo} ${args.join(' ')}\` failed${build.error ? `: ${build.error.message}` : ''}; is Rust installed (https://rustup.rs)?`);
    return 1;
  }
  // the cdylib cargo wrote, wherever the target directory is
  let library;
  for (const line of build.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason === 'compiler-artifact' && message.target.name === 'netfence_node') {
      library = message.filenames.find((f) => /\.(so|dylib|dll)$/.test(f));
    }
  }
  if (!library) {
    console.error('netfence: cargo built no native library for netfence-node');
    return 1;
  }
  copyFileSync(library, target);
  return 0;
}

process.exitCode = main();
