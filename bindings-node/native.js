'use strict';
// Loads the native module built for this platform, `netfence.<platform>-<arch>.node`: in the
// npm tarball (`cargo xtask dist`), or written by `install.js` (`npm install ./bindings-node`
// from a checkout) or `cargo xtask bindings node`.

const { existsSync } = require('node:fs');
const { join } = require('node:path');

const name = `netfence.${process.platform}-${process.arch}.node`;
const file = join(__dirname, name);
if (!existsSync(file)) {
  const error = new Error(
    `netfence: no native module for ${process.platform}-${process.arch} (\`${name}\`); ` +
      'install a tarball built on this platform (`cargo xtask dist`) or build from a checkout ' +
      '(`npm install ./bindings-node`, which runs cargo)',
  );
  error.code = 'NETFENCE_NO_NATIVE_MODULE';
  throw error;
}
module.exports = require(file);
