// Compiled (not run) by types.test.mjs: the generated index.d.ts types real use.
import { validate, validateAsync, parse, call, analyzeAsync, file, bytes, NetfenceError, OPERATIONS, SOURCE_OPERATIONS } from 'netfence';
import type { AnalyzeResponse } from 'netfence';
import type { ValidateResponse, Finding, ErrorPayload } from 'netfence';

const report: ValidateResponse = validate({ sources: [{ name: 'a.yaml', text: 'kind: List' }], options: { strict: true } });
const first: Finding | undefined = report.findings[0];
const pointer: string | undefined = first?.location?.pointer;
const namespaces: number = parse('{"sources": []}').counts.namespaces;
const later: Promise<ValidateResponse> = validateAsync({ sources: [] });
const anything: unknown = call(OPERATIONS[0], {});
function describe(e: NetfenceError): ErrorPayload { return e.payload; }
const dump: Promise<AnalyzeResponse> = analyzeAsync({ sources: [file('dump.json'), bytes(new Uint8Array([0x7b, 0x7d]), 'x.json')] });
const readers: readonly string[] = SOURCE_OPERATIONS;
// @ts-expect-error: `file` takes a path
file(42);
// @ts-expect-error: `sources` must be a list of sources
validate({ sources: 'not a list' });
export { pointer, namespaces, later, anything, describe, dump, readers };
