// Deliberate mistakes: `tsc --strict` must report an error on every line marked `// mistake:`
// and on no other line (test/types.test.mjs). Never run.
import { validate, analyze, parse, explain, reviewAsync, call, NetfenceError } from 'netfence';
import type { ValidateResponse } from 'netfence';

validate({ sources: 'policies/' }); // mistake: `sources` is a list of sources
validate({ sources: [{ txt: 'kind: List' }] }); // mistake: a misspelt source field
validate({ source: [] }); // mistake: a misspelt request field
analyze({ sources: [], filter: { focusDirection: 'inbound' } }); // mistake: a value outside the enum
parse({ sources: [], options: { strict: 'yes' } }); // mistake: a nested field of the wrong type
explain({ sources: [], from: 'shop/frontend' }); // mistake: `to` left out
const namespaces: string = parse({ sources: [] }).counts.namespaces; // mistake: a number is not a string
parse({ sources: [] }).counts.namespace; // mistake: a misspelt result field
const review: ValidateResponse = await reviewAsync({ sources: [] }); // mistake: another operation's response
try { validate({ sources: [] }); } catch (e) { console.log(e.code); } // mistake: `e` is unknown until narrowed
try { validate({ sources: [] }); } catch (e) { if (e instanceof NetfenceError) { const code: number = e.code; } } // mistake: the code is a string
new NetfenceError(); // mistake: the constructor takes the payload
call('parse'); // mistake: no request
export { namespaces, review };
