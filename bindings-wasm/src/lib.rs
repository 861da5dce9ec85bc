//! WebAssembly binding of netfence: the operations of `netfence::api` as JS functions that
//! take and return plain objects, plus a generic `call(operation, request)`.
//!
//! Two builds: the core build (the package's main entry: parse, validate, lint, build, analyze,
//! explain, diff, check, plan — under the size budget) and, with the cargo feature `full`, every
//! operation (`netfence-wasm/full`: adds review, the flow-log operations and schema). Each
//! operation is called through its own entry point (`netfence::api::json`), so the core build's
//! module holds none of the other operations' code.
//!
//! A thin adapter: the request goes through `JSON.stringify` into the operation's JSON entry
//! point and the response comes back through `JSON.parse`; an [`ErrorPayload`] is thrown as a JS
//! `Error` with `code`, `help`, `location` and `payload` properties. The TypeScript types of the
//! requests and responses (`src/types.d.ts`) are generated from the JSON Schemas of the Rust
//! types by `cargo xtask bindings-codegen`.

use js_sys::{JSON, Reflect};
use netfence::api::{OPERATIONS, unknown_operation};
use netfence::{Error, ErrorCode, ErrorPayload};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The module is built with `panic = "abort"`: a panic (none is expected; the core denies
/// them) traps, the call throws a `WebAssembly.RuntimeError`, and the instance's memory is in
/// an unknown state. The hook has wasm-bindgen start a fresh instance before the next call,
/// so a page keeps working (docs/reliability.md).
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|_| wasm_bindgen::handler::schedule_reinit()));
}

/// The operation name that panics on purpose, for the recovery test
/// (`test/hostile.test.mjs`); not an operation.
const PANIC_FOR_TESTS: &str = "__panic_for_tests";

/// Runs `operation` on `request` (an object, or its JSON text) and returns the response object.
///
/// Throws an `Error` with `code` (e.g. `NF-E011`), `help`, `location` and `payload` (the whole
/// `ErrorPayload`) when the request cannot be processed.
#[wasm_bindgen(js_name = call, unchecked_return_type = "unknown")]
pub fn call(
    operation: &str,
    #[wasm_bindgen(unchecked_param_type = "object | string")] request: JsValue,
) -> Result<JsValue, JsValue> {
    let text = match request.as_string() {
        Some(text) => text,
        None => request_text(&request).map_err(|e| thrown(&e.payload()))?,
    };
    #[allow(clippy::panic)] // the recovery test's panic
    if operation == PANIC_FOR_TESTS {
        panic!("a panic for the recovery test");
    }
    let Some(run) = entry(operation) else {
        return Err(thrown(&missing(operation)));
    };
    let response = run(&text).map_err(|e| thrown(&e))?;
    JSON::parse(&response).map_err(|_| thrown(&Error::new(ErrorCode::Output, "cannot decode the response").payload()))
}

/// The operations this build knows, in the order of the cycle.
#[wasm_bindgen(js_name = operations)]
#[must_use]
pub fn operations() -> Vec<String> {
    bound().map(|op| (*op).to_owned()).collect()
}

fn bound() -> impl Iterator<Item = &'static &'static str> {
    OPERATIONS.iter().filter(|op| entry(op).is_some())
}

/// The error for an operation this build does not have: one of the full build's, or unknown.
fn missing(operation: &str) -> ErrorPayload {
    let known: Vec<&str> = bound().copied().collect();
    if FULL.iter().any(|op| *op == operation || camel(op) == operation) {
        return Error::new(
            ErrorCode::InvalidRequest,
            format!("operation `{operation}` is not in the core build of netfence-wasm"),
        )
        .with_help(format!("import `netfence-wasm/full` for every operation; this build has: {}", known.join(", ")))
        .payload();
    }
    unknown_operation(operation, &known)
}

/// `flow_map` → `flowMap`, the name the functions have in JS.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn request_text(request: &JsValue) -> Result<String, Error> {
    let bad = |why: &str| {
        Error::new(ErrorCode::InvalidRequest, format!("invalid request: {why}"))
            .with_help("pass a plain object (or its JSON text) as described in docs/api.md")
    };
    if !request.is_object() {
        return Err(bad("expected an object"));
    }
    match JSON::stringify(request) {
        Ok(text) => text.as_string().ok_or_else(|| bad("expected an object")),
        Err(e) => {
            let why = e.dyn_ref::<js_sys::Error>().map_or_else(|| "not JSON".to_owned(), |e| String::from(e.message()));
            Err(bad(&format!("cannot encode it as JSON: {why}")))
        }
    }
}

/// The payload as a JS `Error` object with `code`, `help`, `location` and `payload`.
fn thrown(payload: &ErrorPayload) -> JsValue {
    let error = js_sys::Error::new(&payload.message);
    error.set_name("NetfenceError");
    // through JSON text, as responses are: one serializer in the module
    let whole =
        serde_json::to_string(payload).ok().and_then(|text| JSON::parse(&text).ok()).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| Reflect::get(&whole, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    for (name, value) in [
        ("code", JsValue::from_str(payload.code.as_str())),
        ("help", field("help")),
        ("location", field("location")),
        ("payload", whole.clone()),
    ] {
        // Setting a property on a fresh Error object cannot fail.
        let _ = Reflect::set(&error, &JsValue::from_str(name), &value);
    }
    error.into()
}

/// One typed JS function per operation: `rust_name => jsName("RequestType") -> "ResponseType";`,
/// in two groups: `core` (always) and `full` (with the cargo feature `full`). The list
/// (`src/operations.rs`) is generated by `cargo xtask bindings-codegen`; an operation of
/// `netfence::api::OPERATIONS` missing from it, or in both groups, fails the build.
macro_rules! operations {
    (
        core { $($op:ident => $js:tt($request:tt) -> $response:tt;)* }
        full { $($fop:ident => $fjs:tt($frequest:tt) -> $fresponse:tt;)* }
    ) => {
        $(
            /// Runs the operation of the same name (see docs/api.md); throws an `Error` with `code` and `payload` on bad input.
            #[wasm_bindgen(js_name = $js, unchecked_return_type = $response)]
            pub fn $op(#[wasm_bindgen(unchecked_param_type = $request)] request: JsValue) -> Result<JsValue, JsValue> {
                call(stringify!($op), request)
            }
        )*
        $(
            /// Runs the operation of the same name (see docs/api.md); throws an `Error` with `code` and `payload` on bad input.
            /// On the core build it always throws `NF-E011`, naming `netfence-wasm/full`.
            #[cfg_attr(feature = "full", wasm_bindgen(js_name = $fjs, unchecked_return_type = $fresponse))]
            #[cfg_attr(not(feature = "full"), wasm_bindgen(js_name = $fjs, unchecked_return_type = "never"))]
            pub fn $fop(#[wasm_bindgen(unchecked_param_type = $frequest)] request: JsValue) -> Result<JsValue, JsValue> {
                call(stringify!($fop), request)
            }
        )*

        /// The JSON entry point of an operation this build has, by its name or its JS name.
        fn entry(operation: &str) -> Option<fn(&str) -> Result<String, ErrorPayload>> {
            $(
                if operation == stringify!($op) || operation == stringify!($js) {
                    // the core build links no renderer: its operations answer `format` with NF-E011
                    #[cfg(not(feature = "full"))]
                    return Some(netfence::api::json::unrendered::$op);
                    #[cfg(feature = "full")]
                    return Some(netfence::api::json::$op);
                }
            )*
            $(
                #[cfg(feature = "full")]
                if operation == stringify!($fop) || operation == stringify!($fjs) {
                    return Some(netfence::api::json::$fop);
                }
            )*
            None
        }

        const CORE: &[&str] = &[$(stringify!($op)),*];
        const FULL: &[&str] = &[$(stringify!($fop)),*];
    };
}

include!("operations.rs");

const _: () = assert!(
    partition(CORE, FULL, OPERATIONS),
    "bindings-wasm: the `operations!` groups must name every operation of `netfence::api::OPERATIONS` exactly once"
);

/// Whether every name of `all` is in exactly one of `a` and `b`, and they name nothing else.
#[allow(clippy::indexing_slicing)] // bounds checked by the loop
const fn partition(a: &[&str], b: &[&str], all: &[&str]) -> bool {
    if a.len() + b.len() != all.len() {
        return false;
    }
    let mut i = 0;
    while i < all.len() {
        let name = all[i];
        if contains(a, name) == contains(b, name) {
            return false;
        }
        i += 1;
    }
    true
}

#[allow(clippy::indexing_slicing)] // bounds checked by the loops; `get` is not const-callable on slices of slices
const fn contains(names: &[&str], name: &str) -> bool {
    let mut i = 0;
    while i < names.len() {
        let (x, y) = (names[i].as_bytes(), name.as_bytes());
        if x.len() == y.len() {
            let mut j = 0;
            while j < x.len() && x[j] == y[j] {
                j += 1;
            }
            if j == x.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// The quick starts of docs/api.md; the Rust one runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../docs/api.md")]
pub struct ApiDocs;
