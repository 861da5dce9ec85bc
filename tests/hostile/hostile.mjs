// The hostile inputs of the JavaScript runtimes (docs/reliability.md): the Node binding's tests
// and the WASM package's tests in Node and in Chromium run these same cases. Each case runs
// against a netfence module object (`nf`: `call` and the operation functions) and must give
// a response or a NetfenceError with the expected code, after which the module still works.
// No imports: the browser test loads this file as a module of its own.

const NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n';

function bomb() {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

function namespaceWith(text) {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n  annotations:\n    text: "${text}"\n`;
}

/** Pseudo-random characters 0-255 (NUL included), the same on every run. */
function garbage(n) {
  let x = 0x2545f491;
  let out = '';
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out += String.fromCharCode((x >>> 0) & 0xff);
  }
  return out;
}

function nested(depth) {
  let value = { sources: [] };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function cycle() {
  const request = { sources: [] };
  request.self = request;
  return request;
}

const text = (t, options) => (options ? { sources: [{ text: t }], options } : { sources: [{ text: t }] });

/**
 * The cases: `throws` is the code of the error the call throws; `unreadable` the code of the
 * response's first unreadable document; neither means a clean response; `check` looks further.
 */
export const CASES = [
  { name: 'alias bomb', run: (nf) => nf.validate(text(bomb())), unreadable: 'NF-E003' },
  { name: 'alias bomb, strict', run: (nf) => nf.validate(text(bomb(), { strict: true })), throws: 'NF-E003' },
  { name: 'deep flow nesting', run: (nf) => nf.parse(text('['.repeat(100000) + ']'.repeat(100000))), unreadable: 'NF-E003' },
  { name: 'deep JSON nesting', run: (nf) => nf.parse(text('{"a":'.repeat(50000) + '1' + '}'.repeat(50000))), unreadable: 'NF-E003' },
  { name: 'maxDepth over the supported', run: (nf) => nf.parse(text('a: 1', { maxDepth: 1e7 })), throws: 'NF-E011' },
  {
    name: 'the deepest nesting admitted, in every operation that reads manifests',
    run: (nf) => ['parse', 'validate', 'lint', 'analyze'].map((op) => nf.call(op, text('['.repeat(999) + ']'.repeat(999), { maxDepth: 1000 }))),
    check: (responses) => responses.every((r) => r.errors[0].code === 'NF-E006'),
  },
  { name: 'a request nested 100,000 deep', run: (nf) => nf.parse(nested(100000)), throws: 'NF-E011' },
  { name: 'request text nested 100,000 deep', run: (nf) => nf.call('parse', `{"sources": ${'['.repeat(100000)}${']'.repeat(100000)}}`), throws: 'NF-E011' },
  { name: 'a 30 MB string', run: (nf) => nf.validate(text(namespaceWith('x'.repeat(30000000)))), check: (r) => r.valid === true },
  { name: 'over the size limit', run: (nf) => nf.validate(text(namespaceWith('x'.repeat(33 * 1024 * 1024)))), throws: 'NF-E001' },
  { name: 'binary garbage', run: (nf) => nf.parse(text(garbage(100000))), throws: 'NF-E004' },
  // JSON.stringify escapes a lone surrogate (`\ud800`), which is not a character: refused
  { name: 'lone surrogates in a request object', run: (nf) => nf.parse(text(NAMESPACE.replace('{name: a}', '{name: "\uD800"}'))), throws: 'NF-E011' },
  // JS text handed over as it is: the runtime makes it UTF-8, a lone surrogate becoming U+FFFD
  {
    name: 'lone surrogates in request text',
    run: (nf) => nf.call('parse', `{"sources": [{"text": "apiVersion: v1\\nkind: Namespace\\nmetadata: {name: \uD800x}\\n"}]}`),
    check: (r) => r.counts.namespaces === 1 && r.resources[0].name === '\uFFFDx',
  },
  {
    name: 'huge numbers in a manifest',
    run: (nf) => nf.validate(text('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 1e999999}, {port: 99999999999999999999999999999}]}]}\n')),
    unreadable: 'NF-E005',
  },
  { name: 'huge numbers in the request', run: (nf) => nf.parse(text('a: 1', { maxNodes: 1e300 })), throws: 'NF-E011' },
  { name: 'Infinity in the request (JSON null)', run: (nf) => nf.parse(text('a: 1', { maxNodes: Infinity })), throws: 'NF-E011' },
  { name: 'a request that is an array', run: (nf) => nf.parse([]), throws: 'NF-E011' },
  { name: 'request text that is an array', run: (nf) => nf.call('parse', '[]'), throws: 'NF-E011' },
  { name: 'a cyclic request', run: (nf) => nf.parse(cycle()), throws: 'NF-E011' },
  { name: 'a BigInt in the request', run: (nf) => nf.parse({ sources: [], n: 10n ** 30n }), throws: 'NF-E011' },
  { name: 'a manifest that is an array', run: (nf) => nf.validate(text('[1, 2, {kind: [x]}]')), unreadable: 'NF-E006' },
];

/** Runs case `index` on `nf` and describes what happened (plain data, so it leaves a browser). */
export function runCase(nf, index) {
  const c = CASES[index];
  let outcome;
  try {
    const response = c.run(nf);
    outcome = {
      threw: false,
      errors: (Array.isArray(response) ? [] : response.errors ?? []).map((e) => e.code),
      checked: c.check ? c.check(response) === true : null,
    };
  } catch (e) {
    outcome = { threw: true, isError: e instanceof Error, name: e?.name, code: e?.code, payloadCode: e?.payload?.code, message: String(e?.message).slice(0, 300) };
  }
  // the module still works
  try {
    outcome.after = nf.parse(text(NAMESPACE)).counts.namespaces === 1;
  } catch (e) {
    outcome.after = `threw ${e?.name}: ${e?.message}`;
  }
  return outcome;
}

/** What `runCase` must have given for case `index`: a list of problems (empty when right). */
export function problems(index, outcome) {
  const c = CASES[index];
  const out = [];
  if (c.throws) {
    if (!outcome.threw) out.push(`expected ${c.throws} thrown, got a response`);
    else if (!(outcome.isError && outcome.name === 'NetfenceError' && outcome.code === c.throws && outcome.payloadCode === c.throws)) {
      out.push(`expected a NetfenceError ${c.throws}, got ${JSON.stringify(outcome)}`);
    }
  } else if (outcome.threw) {
    out.push(`expected a response, got ${JSON.stringify(outcome)}`);
  } else {
    if (c.unreadable && outcome.errors[0] !== c.unreadable) out.push(`expected ${c.unreadable} first, got ${outcome.errors}`);
    if (!c.unreadable && !c.check && outcome.errors.length) out.push(`unexpected errors ${outcome.errors}`);
    if (c.check && outcome.checked !== true) out.push('the response is not as expected');
  }
  if (outcome.after !== true) out.push(`the next call failed: ${outcome.after}`);
  return out;
}
