// Compiled (not run) by types.test.mjs: the generated index.d.ts types real use.
import { validate, validateAsync, parse, call, NetfenceError, OPERATIONS } from 'netfence';
import type { ValidateResponse, Finding, ErrorPayload } from 'netfence';

const report: ValidateResponse = validate({ sources: [{ name: 'a.yaml', text: 'kind: List' }], options: { strict: true } });
const first: Finding | undefined = report.findings[0];
const pointer: string | undefined = first?.location?.pointer;
const namespaces: number = parse('{"sources": []}').counts.namespaces;
const later: Promise<ValidateResponse> = validateAsync({ sources: [] });
const anything: unknown = call(OPERATIONS[0], {});
function describe(e: NetfenceError): ErrorPayload { return e.payload; }
// @ts-expect-error: `sources` must be a list of sources
validate({ sources: 'not a list' });
export { pointer, namespaces, later, anything, describe };
