//! Resource decoding and connectivity (`netfence::api::analyze`): the same manifests give the
//! same answer twice, and the answer does not depend on the order of the documents, which
//! Kubernetes semantics say cannot matter (a cluster is a set of objects; inputs where two
//! documents define the same object are not such a set and are left out of that property).
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::api::{AnalyzeRequest, Source, analyze};
use netfence_fuzz::{document_pieces, duplicate_objects, permutation, seed_of};

fn run(sources: Vec<Source>) -> Result<netfence::api::AnalyzeResponse, netfence::Error> {
    analyze(&AnalyzeRequest { sources, ..AnalyzeRequest::default() })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let whole = run(vec![Source::named("in.yaml", text)]);
    assert_eq!(whole, run(vec![Source::named("in.yaml", text)]), "the same input analyzed differently");
    let Some(pieces) = document_pieces(text) else { return };
    if pieces.len() < 2 || duplicate_objects(&pieces) {
        return;
    }
    let named = |order: &[usize]| order.iter().map(|&i| Source::named(format!("doc{i}.yaml"), pieces[i])).collect();
    let in_order: Vec<usize> = (0..pieces.len()).collect();
    let shuffled = permutation(pieces.len(), seed_of(data));
    match (run(named(&in_order)), run(named(&shuffled))) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.connectivity.endpoints, b.connectivity.endpoints, "endpoints depend on document order {shuffled:?}");
            assert_eq!(a.connectivity.connections, b.connectivity.connections, "connectivity depends on document order {shuffled:?}");
            assert_eq!(a.errors.len(), b.errors.len(), "unreadable documents depend on document order");
        }
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        (a, b) => panic!("one order fails, the other not: {a:?} / {b:?}"),
    }
});
