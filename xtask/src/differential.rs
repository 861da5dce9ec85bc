//! `cargo xtask differential [--count N] [--seed S] [--keep]`: netfence against netpol-analyzer
//! (np-guard, an independent implementation in Go) on random clusters.
//!
//! netpol-analyzer v1.4.2 is built from the Go module proxy (`tools/netpol-analyzer/`, a
//! scratch module that requires it); without Go the run is skipped with a message. Each
//! cluster (`generate`) has random namespaces with and without labels and policies, workloads
//! of every kind and bare pods with random labels and named and numeric container ports, and
//! policies with random selectors (every operator), peers (pod, namespace, both, ipBlock with
//! except), ports (numeric, named, endPort, every protocol) and policy types. Both tools
//! analyze it; netpol-analyzer's connlist text is turned into the canonical list
//! (`canonical_from_connlist`, the conversion of the conformance corpus) and compared with
//! netfence's `analyze` connections. Every difference must match a documented deviation of
//! netpol-analyzer (`DEVIATIONS`, docs/reliability.md, tests/differential/); an unexplained one
//! fails the run and is kept under `target/differential/failures/<seed>/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use netfence::api::{AnalyzeRequest, Source, analyze};
use netfence::engine::ConnectionRecord;
use netfence::model::Protocol;
use serde_json::{Map, Value, json};

/// The netpol-analyzer release the differential runs against (`tools/netpol-analyzer/go.mod`).
pub const NETPOL_ANALYZER: &str = "github.com/np-guard/netpol-analyzer v1.4.2";

pub fn command(root: &Path, args: &[String]) -> Result<(), String> {
    let mut count = 300usize;
    let mut seed = 1u64;
    let mut keep = false;
    let mut minimize = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = |name: &str| iter.next().ok_or_else(|| format!("`{name}` needs a value"));
        match arg.as_str() {
            "--count" => count = value("--count")?.parse().map_err(|_| "`--count` takes a number".to_owned())?,
            "--seed" => seed = value("--seed")?.parse().map_err(|_| "`--seed` takes a number".to_owned())?,
            "--keep" => keep = true,
            "--minimize" => {
                minimize =
                    Some(value("--minimize")?.parse::<u64>().map_err(|_| "`--minimize` takes a seed".to_owned())?);
            }
            other => {
                return Err(format!("unknown option `{other}` (--count N, --seed S, --keep, --minimize SEED)"));
            }
        }
    }
    let Some(oracle) = netpol_analyzer(root)? else {
        eprintln!("differential: skipped: `go` is not installed, so netpol-analyzer cannot be built");
        return Ok(());
    };
    if let Some(seed) = minimize {
        return minimize_seed(root, &oracle, seed);
    }
    check_repros(root, &oracle)?;
    let summary = differential(root, &oracle, seed, count, keep)?;
    eprintln!("{}", summary.text());
    if summary.unexplained.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} cluster(s) with unexplained differences: seeds {:?} (kept under target/differential/failures/)",
            summary.unexplained.len(),
            summary.unexplained
        ))
    }
}

/// Builds netpol-analyzer's `netpolicy` into `target/netpol-analyzer/` unless it is there and
/// newer than the module's `go.sum`; `None` without Go.
pub fn netpol_analyzer(root: &Path) -> Result<Option<PathBuf>, String> {
    if Command::new("go").arg("version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Ok(None);
    }
    let module = root.join("tools/netpol-analyzer");
    let out = root.join("target/netpol-analyzer/netpolicy");
    let time = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if time(&out).is_some() && time(&out) >= time(&module.join("go.sum")) {
        return Ok(Some(out));
    }
    let out_text = out.to_string_lossy().into_owned();
    crate::bindings::run_in(&module, "go", &["mod", "download"], &[])?;
    crate::bindings::run_in(
        &module,
        "go",
        &["build", "-o", &out_text, "github.com/np-guard/netpol-analyzer/cmd/netpolicy"],
        &[("GOFLAGS", "-mod=mod")],
    )?;
    Ok(Some(out))
}

/// What a run found.
#[derive(Default)]
pub struct Summary {
    pub clusters: usize,
    pub equal: usize,
    /// Clusters whose differences all match a deviation, by deviation id.
    pub explained: BTreeMap<&'static str, usize>,
    /// Clusters netpol-analyzer failed on, by kind of failure.
    pub oracle_failures: BTreeMap<&'static str, usize>,
    /// Clusters netpol-analyzer refused for a documented reason, then compared without the
    /// construct it refuses, by deviation id.
    pub refused: BTreeMap<&'static str, usize>,
    /// Seeds of clusters with a difference no deviation explains.
    pub unexplained: Vec<u64>,
    pub seconds: f64,
}

impl Summary {
    pub fn text(&self) -> String {
        let mut out = format!(
            "differential against netpol-analyzer ({NETPOL_ANALYZER}): {} clusters in {:.0}s: {} equal, {} explained, {} unknown netpol-analyzer failures, {} unexplained\n",
            self.clusters,
            self.seconds,
            self.equal,
            self.explained.values().sum::<usize>(),
            self.oracle_failures.values().sum::<usize>(),
            self.unexplained.len()
        );
        for (id, n) in &self.explained {
            out.push_str(&format!("  {n:>6}  {id}\n"));
        }
        for (id, n) in &self.refused {
            out.push_str(&format!("  {n:>6}  refused by netpol-analyzer ({id}), compared without the construct\n"));
        }
        for (what, n) in &self.oracle_failures {
            out.push_str(&format!("  {n:>6}  netpol-analyzer: {what}\n"));
        }
        out
    }
}

pub fn differential(root: &Path, oracle: &Path, seed: u64, count: usize, keep: bool) -> Result<Summary, String> {
    let started = Instant::now();
    let work = root.join("target/differential");
    // one folder per run: runs may go on side by side
    let scratch = work.join(format!("cluster-{}", std::process::id()));
    let mut summary = Summary::default();
    for i in 0..count {
        let seed = seed.wrapping_add(i as u64);
        let cluster = generate(seed);
        let dir = if keep { work.join("clusters").join(seed.to_string()) } else { scratch.clone() };
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let (cluster, outcome, refused) = compare_repaired(cluster, oracle, &dir)?;
        for why in refused {
            *summary.refused.entry(why).or_insert(0) += 1;
        }
        summary.clusters += 1;
        match &outcome {
            Outcome::Equal => summary.equal += 1,
            // a failure no deviation accounts for is not explained
            Outcome::OracleFailed(what, _) => {
                *summary.oracle_failures.entry(what).or_insert(0) += 1;
                summary.unexplained.push(seed);
            }
            Outcome::Differs { explained: Some(id), .. } => *summary.explained.entry(id).or_insert(0) += 1,
            Outcome::Differs { explained: None, .. } => summary.unexplained.push(seed),
        }
        if !matches!(outcome, Outcome::Equal) {
            let kept = work.join("failures").join(seed.to_string());
            let _ = std::fs::remove_dir_all(&kept);
            std::fs::create_dir_all(&kept).map_err(|e| format!("cannot create {}: {e}", kept.display()))?;
            let _ = std::fs::write(kept.join("cluster.yaml"), &cluster.yaml);
            let _ = std::fs::write(kept.join("outcome.txt"), outcome.describe());
            if let Ok(out) = Command::new(oracle).args(["list", "--dirpath"]).arg(&kept).args(["-o", "txt"]).output() {
                let _ = std::fs::write(kept.join("netpol-analyzer.txt"), [out.stdout, out.stderr].concat());
            }
        }
        if (i + 1) % 100 == 0 {
            eprintln!("    {} clusters, {} unexplained", i + 1, summary.unexplained.len());
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// One cluster's result.
enum Outcome {
    Equal,
    /// netpol-analyzer crashed or refused the input: (kind, its output).
    OracleFailed(&'static str, String),
    Differs {
        /// In netfence's answer only.
        netfence_only: Vec<ConnectionRecord>,
        /// In netpol-analyzer's answer only.
        oracle_only: Vec<ConnectionRecord>,
        explained: Option<&'static str>,
    },
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Self::Equal => "equal\n".to_owned(),
            Self::OracleFailed(what, output) => format!("netpol-analyzer failed ({what}):\n{output}\n"),
            Self::Differs { netfence_only, oracle_only, explained } => {
                let mut out = format!("explained by: {}\n", explained.unwrap_or("nothing (unexplained)"));
                out.push_str("netfence only:\n");
                for r in netfence_only {
                    out.push_str(&format!("  {} => {} {} {:?}\n", r.src, r.dst, r.protocol.as_str(), r.ports));
                }
                out.push_str("netpol-analyzer only:\n");
                for r in oracle_only {
                    out.push_str(&format!("  {} => {} {} {:?}\n", r.src, r.dst, r.protocol.as_str(), r.ports));
                }
                out
            }
        }
    }
}

/// [`compare`], and what netpol-analyzer refuses or crashes on (named ports in egress rules
/// to addresses, pods of one owner with different labels) compared again without it: the
/// cluster compared last, its outcome, and why netpol-analyzer failed before.
fn compare_repaired(
    mut cluster: Cluster,
    oracle: &Path,
    dir: &Path,
) -> Result<(Cluster, Outcome, Vec<&'static str>), String> {
    let mut outcome = compare(&cluster, oracle, dir)?;
    let mut refused = Vec::new();
    for _ in 0..2 {
        let Outcome::OracleFailed(why, _) = outcome else { break };
        let Some(repaired) = cluster.without(why) else { break };
        refused.push(why);
        cluster = repaired;
        outcome = compare(&cluster, oracle, dir)?;
    }
    Ok((cluster, outcome, refused))
}

/// netfence's canonical list for a cluster.
fn netfence_answer(cluster: &Cluster) -> Result<BTreeSet<ConnectionRecord>, String> {
    let source = Source::named("cluster.yaml", cluster.yaml.clone());
    let ours = analyze(&AnalyzeRequest { sources: vec![source], ..AnalyzeRequest::default() })
        .map_err(|e| format!("netfence failed on seed {}: {e}", cluster.seed))?;
    if !ours.errors.is_empty() {
        return Err(format!("netfence cannot read the generated cluster of seed {}: {:?}", cluster.seed, ours.errors));
    }
    Ok(ours.connectivity.connections.into_iter().collect())
}

/// netpol-analyzer's canonical list for the cluster in `dir`, or why it gave none: (kind, output).
fn oracle_answer(
    oracle: &Path,
    dir: &Path,
) -> Result<Result<BTreeSet<ConnectionRecord>, (&'static str, String)>, String> {
    let out = Command::new(oracle)
        .args(["list", "--dirpath"])
        .arg(dir)
        .args(["-o", "txt"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", oracle.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panic:") {
        let what = if stderr.contains("selectorContainsGapLabel") { GAP_LABEL_CRASH } else { "crash: other panic" };
        return Ok(Err((what, stderr.into_owned())));
    }
    if !out.status.success() {
        let what = if stderr.contains("cannot convert named port for an IP destination") {
            NAMED_PORT_TO_IP
        } else if stderr.contains("Found Pods of the same owner workload") {
            GAP_LABELS_REFUSED
        } else {
            "refused the input"
        };
        return Ok(Err((what, format!("{stdout}{stderr}"))));
    }
    Ok(Ok(canonical_from_connlist(&stdout)?.into_iter().collect()))
}

/// How many more times netpol-analyzer runs on a cluster where its first answer differs from
/// netfence's (it is not deterministic: deviation `nondeterministic`).
const RERUNS: usize = 40;

fn compare(cluster: &Cluster, oracle: &Path, dir: &Path) -> Result<Outcome, String> {
    let file = dir.join("cluster.yaml");
    std::fs::write(&file, &cluster.yaml).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let ours = netfence_answer(cluster)?;
    let theirs = match oracle_answer(oracle, dir)? {
        Ok(theirs) => theirs,
        Err((what, output)) => return Ok(Outcome::OracleFailed(what, output)),
    };
    if ours == theirs {
        return Ok(Outcome::Equal);
    }
    let netfence_only: Vec<ConnectionRecord> = ours.difference(&theirs).cloned().collect();
    let oracle_only: Vec<ConnectionRecord> = theirs.difference(&ours).cloned().collect();
    // netpol-analyzer again: when its answers vary and each of netfence's records that its
    // first answer lacks is in one of its answers, the difference is its nondeterminism
    let mut answers = vec![theirs];
    for _ in 0..RERUNS {
        if let Ok(again) = oracle_answer(oracle, dir)? {
            answers.push(again);
        }
        if answers.iter().any(|a| *a != answers[0]) && each_in_some(&ours, &answers) {
            return Ok(Outcome::Differs { netfence_only, oracle_only, explained: Some(NONDETERMINISTIC) });
        }
    }
    let explained = explain(cluster, &ours, &answers, oracle, dir)?;
    Ok(Outcome::Differs { netfence_only, oracle_only, explained })
}

/// The answers cut into pieces comparable across answers: per (source, destination,
/// protocol), external ranges cut at every boundary any of the answers has.
fn pieces(
    answer: &BTreeSet<ConnectionRecord>,
    cuts: &BTreeSet<u64>,
) -> BTreeMap<(String, String, Protocol), Vec<[u16; 2]>> {
    let mut out = BTreeMap::new();
    for r in answer {
        let split = |endpoint: &str| -> Vec<String> {
            match ip_range(endpoint) {
                None => vec![endpoint.to_owned()],
                Some((a, b)) => {
                    let mut starts: Vec<u64> = cuts.range(u64::from(a)..=u64::from(b)).copied().collect();
                    if starts.first() != Some(&u64::from(a)) {
                        starts.insert(0, u64::from(a));
                    }
                    let mut list = Vec::new();
                    for (i, start) in starts.iter().enumerate() {
                        let end = starts.get(i + 1).map_or(u64::from(b), |next| next - 1);
                        list.push(ip_text((*start as u32, end as u32)));
                    }
                    list
                }
            }
        };
        for src in split(&r.src) {
            for dst in split(&r.dst) {
                out.insert((src.clone(), dst, r.protocol), r.ports.clone());
            }
        }
    }
    out
}

/// Whether every piece of `ours` (present or absent) is that of at least one of `answers`.
fn each_in_some(ours: &BTreeSet<ConnectionRecord>, answers: &[BTreeSet<ConnectionRecord>]) -> bool {
    let mut cuts = BTreeSet::new();
    for r in ours.iter().chain(answers.iter().flatten()) {
        for (a, b) in [ip_range(&r.src), ip_range(&r.dst)].into_iter().flatten() {
            cuts.insert(u64::from(a));
            cuts.insert(u64::from(b) + 1);
        }
    }
    let ours = pieces(ours, &cuts);
    let answers: Vec<_> = answers.iter().map(|a| pieces(a, &cuts)).collect();
    let keys: BTreeSet<_> = ours.keys().chain(answers.iter().flat_map(BTreeMap::keys)).collect();
    keys.into_iter().all(|key| answers.iter().any(|a| a.get(key) == ours.get(key)))
}

/// netpol-analyzer crashes (nil pointer) when pods of one owner differ in labels and a rule's
/// peer has a namespaceSelector without a podSelector.
const GAP_LABEL_CRASH: &str = "pods-of-one-owner-crash";

/// netpol-analyzer stops with an error when pods of one owner differ in labels that a
/// selector of a policy uses.
const GAP_LABELS_REFUSED: &str = "pods-of-one-owner";

/// netpol-analyzer gives different answers for the same input from run to run; one of them is
/// netfence's.
const NONDETERMINISTIC: &str = "nondeterministic";

/// netpol-analyzer refuses a named port in an egress rule whose destinations include IP
/// addresses (an `ipBlock` peer, or no peers: every destination).
const NAMED_PORT_TO_IP: &str = "named-port-to-ip";

/// Pods of one absent controller that the policies tell apart: netfence shows each pod
/// (`ns/pod[Pod]`), netpol-analyzer one endpoint for the owner (`ns/owner[Kind]`) with the
/// connectivity of one of them (where it neither stops with an error nor crashes).
const POD_VARIANTS: &str = "pods-of-one-owner-merged";

/// Every deviation the differential reports; each has a repro `tests/differential/<id>/`.
pub const DEVIATIONS: &[&str] =
    &[NONDETERMINISTIC, PORT_INTERSECTION, NAMED_PORT_TO_IP, GAP_LABELS_REFUSED, GAP_LABEL_CRASH, POD_VARIANTS];

/// netpol-analyzer's answer is not the intersection of its own answers for the ingress side
/// alone and the egress side alone (port ranges that overlap in part come out empty:
/// egress 200-400 and ingress 100-300 allow nothing, not 200-300), and netfence's is.
const PORT_INTERSECTION: &str = "ingress-egress-intersection";

/// The deviation of netpol-analyzer that explains a difference, if one does.
fn explain(
    cluster: &Cluster,
    ours: &BTreeSet<ConnectionRecord>,
    answers: &[BTreeSet<ConnectionRecord>],
    oracle: &Path,
    dir: &Path,
) -> Result<Option<&'static str>, String> {
    if owner_of_pods_explains(cluster, ours, answers) {
        return Ok(Some(POD_VARIANTS));
    }
    if sides_explain(cluster, ours, oracle, dir)? {
        return Ok(Some(PORT_INTERSECTION));
    }
    Ok(None)
}

/// Whether netfence's answer is, pair by pair, the intersection of netpol-analyzer's answers
/// for the cluster with only its ingress rules and with only its egress rules: then the two
/// tools agree on each side and differ only in how netpol-analyzer combines them.
fn sides_explain(
    cluster: &Cluster,
    ours: &BTreeSet<ConnectionRecord>,
    oracle: &Path,
    dir: &Path,
) -> Result<bool, String> {
    let mut sides = Vec::new();
    for ingress in [true, false] {
        let side = cluster.one_direction(ingress);
        std::fs::write(dir.join("cluster.yaml"), &side.yaml).map_err(|e| e.to_string())?;
        match oracle_answer(oracle, dir)? {
            Ok(answer) => sides.push(answer),
            Err(_) => return Ok(false),
        }
    }
    let mut cuts = BTreeSet::new();
    for r in ours.iter().chain(sides.iter().flatten()) {
        for (a, b) in [ip_range(&r.src), ip_range(&r.dst)].into_iter().flatten() {
            cuts.insert(u64::from(a));
            cuts.insert(u64::from(b) + 1);
        }
    }
    let ours = pieces(ours, &cuts);
    let (ingress, egress) = (pieces(&sides[0], &cuts), pieces(&sides[1], &cuts));
    let keys: BTreeSet<_> = ours.keys().chain(ingress.keys()).chain(egress.keys()).collect();
    Ok(keys.into_iter().all(|key| {
        let both = match (ingress.get(key), egress.get(key)) {
            (Some(a), Some(b)) => intersect(a, b),
            _ => Vec::new(),
        };
        ours.get(key).map_or(both.is_empty(), |mine| *mine == both)
    }))
}

/// The intersection of two sorted lists of disjoint inclusive port ranges.
fn intersect(a: &[[u16; 2]], b: &[[u16; 2]]) -> Vec<[u16; 2]> {
    let mut out = Vec::new();
    for [a0, a1] in a {
        for [b0, b1] in b {
            let (lo, hi) = ((*a0).max(*b0), (*a1).min(*b1));
            if lo <= hi {
                out.push([lo, hi]);
            }
        }
    }
    out.sort_unstable();
    out
}

/// Whether netpol-analyzer's answer (one of them, pair by pair, when it gave several) is
/// netfence's with each pod of an absent controller renamed to the controller, where
/// netpol-analyzer shows for each pair the connectivity of one of the pods (self pairs of the
/// controller left out).
fn owner_of_pods_explains(
    cluster: &Cluster,
    ours: &BTreeSet<ConnectionRecord>,
    answers: &[BTreeSet<ConnectionRecord>],
) -> bool {
    // `ns/pod[Pod]` -> `ns/owner[Kind]` for pods whose controller is not in the input
    let present: BTreeSet<(String, String, String)> = cluster
        .objects
        .iter()
        .map(|o| {
            let text = |p: &str| o.pointer(p).and_then(Value::as_str).unwrap_or_default().to_owned();
            (text("/metadata/namespace"), text("/kind"), text("/metadata/name"))
        })
        .collect();
    let mut owner_of: BTreeMap<String, String> = BTreeMap::new();
    for o in cluster.objects.iter().filter(|o| o["kind"] == "Pod") {
        let Some(owner) = o.pointer("/metadata/ownerReferences/0") else { continue };
        let (ns, name) = (
            o["metadata"]["namespace"].as_str().unwrap_or_default(),
            o["metadata"]["name"].as_str().unwrap_or_default(),
        );
        let (kind, owner_name) =
            (owner["kind"].as_str().unwrap_or_default(), owner["name"].as_str().unwrap_or_default());
        if !present.contains(&(ns.to_owned(), kind.to_owned(), owner_name.to_owned())) {
            owner_of.insert(format!("{ns}/{name}[Pod]"), format!("{ns}/{owner_name}[{kind}]"));
        }
    }
    if owner_of.is_empty() {
        return false;
    }
    let mut cuts = BTreeSet::new();
    for r in ours.iter().chain(answers.iter().flatten()) {
        for (a, b) in [ip_range(&r.src), ip_range(&r.dst)].into_iter().flatten() {
            cuts.insert(u64::from(a));
            cuts.insert(u64::from(b) + 1);
        }
    }
    let ours = pieces(ours, &cuts);
    let answers: Vec<_> = answers.iter().map(|a| pieces(a, &cuts)).collect();
    let rename = |e: &String| owner_of.get(e).cloned().unwrap_or_else(|| e.clone());
    // the endpoints each name stands for
    let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (src, dst, _) in ours.keys() {
        for e in [src, dst] {
            let list = members.entry(rename(e)).or_default();
            if !list.contains(e) {
                list.push(e.clone());
            }
        }
    }
    let mut keys: BTreeSet<(String, String, Protocol)> = answers.iter().flat_map(BTreeMap::keys).cloned().collect();
    keys.extend(ours.keys().map(|(s, d, p)| (rename(s), rename(d), *p)));
    // (netpol-analyzer's answers, when it gave several, may vary too: any of them will do)
    keys.into_iter().filter(|(s, d, _)| s != d).all(|(s, d, p)| {
        let (Some(srcs), Some(dsts)) = (members.get(&s), members.get(&d)) else { return false };
        answers.iter().any(|answer| {
            let want = answer.get(&(s.clone(), d.clone(), p));
            srcs.iter()
                .flat_map(|a| dsts.iter().map(move |b| (a, b)))
                .filter(|(a, b)| a != b)
                .any(|(a, b)| ours.get(&(a.clone(), b.clone(), p)) == want)
        })
    })
}

/// Shrinks the cluster of `seed` while the two tools still disagree (removing objects, list
/// entries and fields one at a time) and writes what is left to
/// `target/differential/minimized/<seed>/`: the start of a repro under tests/differential/.
fn minimize_seed(root: &Path, oracle: &Path, seed: u64) -> Result<(), String> {
    let dir = root.join(format!("target/differential/minimize-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (cluster, outcome, _) = compare_repaired(generate(seed), oracle, &dir)?;
    if !matches!(outcome, Outcome::Differs { .. }) {
        return Err(format!("the tools agree on the cluster of seed {seed}"));
    }
    // netpol-analyzer's answers vary from run to run: shrink while they do
    let oracle_varies = |trial: &Cluster| -> bool {
        let file = dir.join("cluster.yaml");
        if std::fs::write(&file, &trial.yaml).is_err() || netfence_answer(trial).is_err() {
            return false;
        }
        let first = oracle_answer(oracle, &dir);
        (0..RERUNS * 2).any(|_| matches!((&first, oracle_answer(oracle, &dir)), (Ok(Ok(a)), Ok(Ok(b))) if *a != b))
    };
    let varies = oracle_varies(&cluster);
    eprintln!("netpol-analyzer's answers {} from run to run", if varies { "vary" } else { "do not vary" });
    let keeps = |trial: &Cluster| -> bool {
        if varies { oracle_varies(trial) } else { matches!(compare(trial, oracle, &dir), Ok(Outcome::Differs { .. })) }
    };
    let mut objects = cluster.objects.clone();
    loop {
        let mut smaller = None;
        for candidate in shrink_candidates(&objects) {
            let trial = Cluster::from_objects(seed, candidate.clone());
            if keeps(&trial) {
                smaller = Some(candidate);
                break;
            }
        }
        match smaller {
            Some(s) => objects = s,
            None => break,
        }
    }
    let cluster = Cluster::from_objects(seed, objects);
    let outcome = compare(&cluster, oracle, &dir)?;
    let out = root.join("target/differential/minimized").join(seed.to_string());
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    std::fs::write(out.join("cluster.yaml"), &cluster.yaml).map_err(|e| e.to_string())?;
    std::fs::write(out.join("outcome.txt"), outcome.describe()).map_err(|e| e.to_string())?;
    eprintln!("{}\n{}", cluster.yaml, outcome.describe());
    eprintln!("written to {}", out.display());
    Ok(())
}

/// Every cluster one removal smaller: an object, an entry of any list, a field of any mapping
/// (not `apiVersion`, `kind` or an object's name and namespace).
fn shrink_candidates(objects: &[Value]) -> Vec<Vec<Value>> {
    fn paths(value: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(i.to_string());
                    out.push(at.clone());
                    paths(item, at, out);
                    at.pop();
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    at.push(key.clone());
                    let fixed = matches!(at.as_slice(), [_, k] if k == "apiVersion" || k == "kind" || k == "metadata")
                        || matches!(at.as_slice(), [_, m, k] if m == "metadata" && (k == "name" || k == "namespace"));
                    if !fixed {
                        out.push(at.clone());
                    }
                    paths(item, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn remove(value: &mut Value, path: &[String]) {
        match path {
            [] => {}
            [last] => match value {
                Value::Array(items) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                Value::Object(map) => {
                    map.shift_remove(last);
                }
                _ => {}
            },
            [first, rest @ ..] => {
                let next = match value {
                    Value::Array(items) => first.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
                    Value::Object(map) => map.get_mut(first),
                    _ => None,
                };
                if let Some(next) = next {
                    remove(next, rest);
                }
            }
        }
    }
    let whole = Value::Array(objects.to_vec());
    let mut all = Vec::new();
    paths(&whole, &mut Vec::new(), &mut all);
    all.into_iter()
        .map(|path| {
            let mut copy = whole.clone();
            remove(&mut copy, &path);
            match copy {
                Value::Array(objects) => objects,
                _ => Vec::new(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// netpol-analyzer's connlist text → the canonical list
// ---------------------------------------------------------------------------------------------

/// A set of connections: per protocol, sorted disjoint inclusive port ranges.
type Conns = BTreeMap<Protocol, Vec<(u32, u32)>>;

/// An external address range with its connections.
type Ranged = ((u32, u32), Conns);

fn normalize(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn union(a: &Conns, b: &Conns) -> Conns {
    let mut out = a.clone();
    for (p, ranges) in b {
        let entry = out.entry(*p).or_default();
        entry.extend(ranges.iter().copied());
        *entry = normalize(std::mem::take(entry));
    }
    out.retain(|_, r| !r.is_empty());
    out
}

/// `All Connections`, `No Connections`, or `TCP 1-79,81-65535,UDP 53,SCTP 9003`.
fn parse_conns(text: &str) -> Result<Conns, String> {
    let text = text.trim();
    let full = || {
        Conns::from([
            (Protocol::Tcp, vec![(1, 65535)]),
            (Protocol::Udp, vec![(1, 65535)]),
            (Protocol::Sctp, vec![(1, 65535)]),
        ])
    };
    match text.to_ascii_lowercase().as_str() {
        "all connections" | "all" => return Ok(full()),
        "no connections" | "" => return Ok(Conns::new()),
        _ => {}
    }
    let mut out: BTreeMap<Protocol, Vec<(u32, u32)>> = BTreeMap::new();
    let mut current = None;
    for token in text.split(',') {
        let mut token = token.trim();
        let (first, rest) = token.split_once(char::is_whitespace).unwrap_or((token, ""));
        if let Some(p) = Protocol::parse(first) {
            current = Some(p);
            token = rest.trim();
            if token.is_empty() || token.eq_ignore_ascii_case("all ports") {
                out.entry(p).or_default().push((1, 65535));
                continue;
            }
        }
        let p = current.ok_or_else(|| format!("cannot read connections `{text}`"))?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("cannot read port `{s}` in `{text}`"));
        let range = match token.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(token)?, number(token)?),
        };
        out.entry(p).or_default().push(range);
    }
    Ok(out.into_iter().map(|(p, r)| (p, normalize(r))).collect())
}

/// `A.B.C.D-E.F.G.H` (with or without `[External]`) as an IPv4 range.
fn ip_range(endpoint: &str) -> Option<(u32, u32)> {
    let bare = endpoint.strip_suffix("[External]").unwrap_or(endpoint);
    let (a, b) = bare.split_once('-')?;
    let a: std::net::Ipv4Addr = a.parse().ok()?;
    let b: std::net::Ipv4Addr = b.parse().ok()?;
    Some((u32::from(a), u32::from(b)))
}

fn ip_text((a, b): (u32, u32)) -> String {
    format!("{}-{}", std::net::Ipv4Addr::from(a), std::net::Ipv4Addr::from(b))
}

/// Per endpoint and direction, the address space cut at every range boundary, each piece with
/// the union of the connections of the ranges that cover it, adjacent pieces with equal
/// connections merged.
fn merge_ranges(entries: &[Ranged]) -> Vec<Ranged> {
    let mut cuts: BTreeSet<u64> = BTreeSet::new();
    for ((a, b), _) in entries {
        cuts.insert(u64::from(*a));
        cuts.insert(u64::from(*b) + 1);
    }
    let cuts: Vec<u64> = cuts.into_iter().collect();
    let mut pieces: Vec<Ranged> = Vec::new();
    for pair in cuts.windows(2) {
        let (lo, hi) = match pair {
            [lo, hi] => (*lo, *hi - 1),
            _ => continue,
        };
        let mut conns = Conns::new();
        for ((a, b), c) in entries {
            if u64::from(*a) <= lo && hi <= u64::from(*b) {
                conns = union(&conns, c);
            }
        }
        if conns.is_empty() {
            continue;
        }
        let (lo, hi) = (lo as u32, hi as u32);
        match pieces.last_mut() {
            Some(((_, end), last)) if u64::from(*end) + 1 == u64::from(lo) && *last == conns => *end = hi,
            _ => pieces.push(((lo, hi), conns)),
        }
    }
    pieces
}

/// netpol-analyzer's connlist text (`netpolicy list -o txt`) as the canonical list of the
/// conformance corpus (`../shared/conformance/netpol-analyzer/tools/npa_expected_to_json.py
/// --merge-ip`, whose rules this follows): `[External]` dropped, adjacent external ranges with
/// the same connections merged per endpoint and direction, lines of one pair unioned.
pub fn canonical_from_connlist(text: &str) -> Result<Vec<ConnectionRecord>, String> {
    let mut pairs: BTreeMap<(String, String), Conns> = BTreeMap::new();
    // (workload, true for egress) -> its external ranges
    let mut external: BTreeMap<(String, bool), Vec<Ranged>> = BTreeMap::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let Some((src, rest)) = line.split_once(" => ") else {
            if line.starts_with("Permitted connectivity analyzed in") {
                continue;
            }
            return Err(format!("cannot read the connlist line `{line}`"));
        };
        let (dst, conns) = rest.split_once(" : ").ok_or_else(|| format!("cannot read the connlist line `{line}`"))?;
        let conns = parse_conns(conns)?;
        if conns.is_empty() {
            continue;
        }
        match (ip_range(src), ip_range(dst)) {
            (Some(range), None) => external.entry((dst.to_owned(), false)).or_default().push((range, conns)),
            (None, Some(range)) => external.entry((src.to_owned(), true)).or_default().push((range, conns)),
            _ => {
                let strip = |e: &str| e.strip_suffix("[External]").unwrap_or(e).to_owned();
                let entry = pairs.entry((strip(src), strip(dst))).or_default();
                *entry = union(entry, &conns);
            }
        }
    }
    for ((workload, egress), entries) in external {
        for (range, conns) in merge_ranges(&entries) {
            let key = if egress { (workload.clone(), ip_text(range)) } else { (ip_text(range), workload.clone()) };
            let entry = pairs.entry(key).or_default();
            *entry = union(entry, &conns);
        }
    }
    let mut records = Vec::new();
    for ((src, dst), conns) in pairs {
        for (protocol, ranges) in conns {
            let ports = ranges.iter().map(|&(a, b)| [a as u16, b as u16]).collect();
            records.push(ConnectionRecord { src: src.as_str().into(), dst: dst.as_str().into(), protocol, ports });
        }
    }
    // sorted as the corpus and netfence sort: by source, destination, protocol name
    records.sort_by(|a, b| (&a.src, &a.dst, a.protocol.as_str()).cmp(&(&b.src, &b.dst, b.protocol.as_str())));
    Ok(records)
}

// ---------------------------------------------------------------------------------------------
// Random clusters
// ---------------------------------------------------------------------------------------------

/// splitmix64: small, seedable, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `0..n`.
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }

    /// `lo..=hi`.
    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `percent` in 100 times.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i]
    }
}

/// A generated cluster: its manifests and what the deviations test for.
pub struct Cluster {
    pub seed: u64,
    pub yaml: String,
    pub objects: Vec<Value>,
}

const POD_KEYS: &[&str] = &["app", "tier", "env"];
const NS_KEYS: &[&str] = &["team", "env"];
const VALUES: &[&str] = &["a", "b", "c"];
const PORT_NAMES: &[&str] = &["http", "dns", "db", "metrics"];
const PORTS: &[u16] = &[53, 80, 443, 5432, 8080, 9090];
const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];
const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "Pod",
    "OwnedPods",
];

fn labels(rng: &mut Rng, keys: &[&str], max: usize) -> Map<String, Value> {
    let mut out = Map::new();
    for _ in 0..rng.between(0, max) {
        out.insert((*rng.pick(keys)).to_owned(), json!(rng.pick(VALUES)));
    }
    out
}

fn selector(rng: &mut Rng, keys: &[&str]) -> Value {
    let mut s = Map::new();
    if rng.chance(20) {
        return json!({});
    }
    if rng.chance(60) {
        let l = labels(rng, keys, 2);
        if !l.is_empty() {
            s.insert("matchLabels".into(), Value::Object(l));
        }
    }
    if s.is_empty() || rng.chance(40) {
        let mut expressions = Vec::new();
        for _ in 0..rng.between(1, 2) {
            let key = *rng.pick(keys);
            let operator = *rng.pick(&["In", "NotIn", "Exists", "DoesNotExist"]);
            let expression = if operator == "In" || operator == "NotIn" {
                let mut values: Vec<&str> = (0..rng.between(1, 2)).map(|_| *rng.pick(VALUES)).collect();
                values.sort_unstable();
                values.dedup();
                json!({"key": key, "operator": operator, "values": values})
            } else {
                json!({"key": key, "operator": operator})
            };
            expressions.push(expression);
        }
        s.insert("matchExpressions".into(), Value::Array(expressions));
    }
    Value::Object(s)
}

fn namespace_selector(rng: &mut Rng, namespaces: &[String]) -> Value {
    match rng.below(10) {
        0..=2 => json!({}),
        3..=5 => json!({"matchLabels": {"kubernetes.io/metadata.name": rng.pick(namespaces)}}),
        6 => {
            json!({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": [rng.pick(namespaces)]}]})
        }
        _ => selector(rng, NS_KEYS),
    }
}

fn cidr(rng: &mut Rng) -> (u32, u32) {
    match rng.below(6) {
        0 => (0, 0),
        1 => (0x0a00_0000, 8),
        2 => (0xc0a8_0000, 16),
        3 => (0xac10_0000, 12),
        4 => ((rng.next() as u32) & 0xffff_0000, 16),
        _ => ((rng.next() as u32) & 0xffff_ff00, rng.between(24, 32) as u32),
    }
}

fn cidr_text((base, prefix): (u32, u32)) -> String {
    let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
    format!("{}/{prefix}", std::net::Ipv4Addr::from(base & mask))
}

fn ip_block(rng: &mut Rng) -> Value {
    let (base, prefix) = cidr(rng);
    let mut block = Map::new();
    block.insert("cidr".into(), json!(cidr_text((base, prefix))));
    if prefix < 32 && rng.chance(50) {
        let mut except = Vec::new();
        for _ in 0..rng.between(1, 2) {
            let inner = rng.between(prefix as usize + 1, (prefix as usize + 8).min(32)) as u32;
            let host_bits = (rng.next() as u32) & if prefix == 0 { u32::MAX } else { !(u32::MAX << (32 - prefix)) };
            except.push(json!(cidr_text((base | host_bits, inner))));
        }
        except.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        except.dedup();
        block.insert("except".into(), Value::Array(except));
    }
    json!({"ipBlock": block})
}

fn peer(rng: &mut Rng, namespaces: &[String]) -> Value {
    match rng.below(20) {
        0..=5 => json!({"podSelector": selector(rng, POD_KEYS)}),
        6..=10 => json!({"namespaceSelector": namespace_selector(rng, namespaces)}),
        11..=14 => {
            json!({"namespaceSelector": namespace_selector(rng, namespaces), "podSelector": selector(rng, POD_KEYS)})
        }
        _ => ip_block(rng),
    }
}

fn policy_port(rng: &mut Rng) -> Value {
    let mut port = Map::new();
    if rng.chance(60) {
        port.insert("protocol".into(), json!(rng.pick(PROTOCOLS)));
    }
    match rng.below(10) {
        0 => {}
        1..=3 => {
            port.insert("port".into(), json!(rng.pick(PORT_NAMES)));
        }
        _ => {
            let number = if rng.chance(70) { *rng.pick(PORTS) } else { rng.between(1, 65535) as u16 };
            port.insert("port".into(), json!(number));
            if rng.chance(30) {
                let end = (usize::from(number) + rng.between(0, 400)).min(65535);
                port.insert("endPort".into(), json!(end));
            }
        }
    }
    Value::Object(port)
}

/// A rule list (`ingress` or `egress`): absent, empty, or one or two rules.
fn rules(rng: &mut Rng, namespaces: &[String], peers_key: &str) -> Option<Value> {
    match rng.below(10) {
        0 => None,
        1 => Some(json!([])),
        _ => {
            let mut list = Vec::new();
            for _ in 0..rng.between(1, 2) {
                let mut rule = Map::new();
                match rng.below(10) {
                    0..=1 => {}
                    2 => {
                        rule.insert(peers_key.into(), json!([]));
                    }
                    _ => {
                        let peers: Vec<Value> = (0..rng.between(1, 2)).map(|_| peer(rng, namespaces)).collect();
                        rule.insert(peers_key.into(), Value::Array(peers));
                    }
                }
                if rng.chance(70) {
                    let ports: Vec<Value> = (0..rng.between(1, 2)).map(|_| policy_port(rng)).collect();
                    rule.insert("ports".into(), Value::Array(ports));
                }
                list.push(Value::Object(rule));
            }
            Some(Value::Array(list))
        }
    }
}

fn policy(rng: &mut Rng, name: &str, namespace: &str, namespaces: &[String]) -> Value {
    let mut spec = Map::new();
    spec.insert("podSelector".into(), selector(rng, POD_KEYS));
    match rng.below(5) {
        0 => {}
        1 => {
            spec.insert("policyTypes".into(), json!(["Ingress"]));
        }
        2 => {
            spec.insert("policyTypes".into(), json!(["Egress"]));
        }
        _ => {
            spec.insert("policyTypes".into(), json!(["Ingress", "Egress"]));
        }
    }
    if let Some(ingress) = rules(rng, namespaces, "from") {
        spec.insert("ingress".into(), ingress);
    }
    if let Some(egress) = rules(rng, namespaces, "to") {
        spec.insert("egress".into(), egress);
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    })
}

fn containers(rng: &mut Rng) -> Value {
    let mut names: Vec<&str> = PORT_NAMES.to_vec();
    let mut out = Vec::new();
    for c in 0..rng.between(1, 2) {
        let mut ports = Vec::new();
        for _ in 0..rng.between(0, 2) {
            let mut port = Map::new();
            port.insert("containerPort".into(), json!(rng.pick(PORTS)));
            if rng.chance(60) {
                port.insert("protocol".into(), json!(rng.pick(PROTOCOLS)));
            }
            // port names are unique in a pod
            if !names.is_empty() && rng.chance(70) {
                let i = rng.below(names.len());
                port.insert("name".into(), json!(names.remove(i)));
            }
            ports.push(Value::Object(port));
        }
        let mut container = json!({"name": format!("c{c}"), "image": "registry.invalid/app"});
        if !ports.is_empty() {
            container["ports"] = Value::Array(ports);
        }
        out.push(container);
    }
    Value::Array(out)
}

fn workload(rng: &mut Rng, kind: &str, name: &str, namespace: &str, index: usize) -> Value {
    let mut pod_labels = labels(rng, POD_KEYS, 3);
    if pod_labels.is_empty() || rng.chance(50) {
        pod_labels.insert("app".into(), json!(format!("{name}")));
    }
    let mut template = json!({"metadata": {"labels": pod_labels}, "spec": {"containers": containers(rng)}});
    if rng.chance(5) {
        template["spec"]["hostNetwork"] = json!(true);
    }
    let meta = json!({"name": name, "namespace": namespace});
    let selector = json!({"matchLabels": pod_labels});
    let status = |i: usize| {
        let ip = format!("10.244.{}.{}", i / 250, i % 250 + 2);
        json!({"hostIP": "192.0.2.1", "podIP": ip, "podIPs": [{"ip": ip}]})
    };
    match kind {
        // pods of a ReplicaSet the input does not have (`kubectl get pods -o yaml`), sometimes
        // with labels that differ from pod to pod
        "OwnedPods" => {
            let owner = format!("{name}-5d8f7c");
            let spec = template["spec"].clone();
            let pods: Vec<Value> = (0..rng.between(1, 3))
                .map(|p| {
                    let mut labels = pod_labels.clone();
                    labels.insert("pod-template-hash".into(), json!("5d8f7c"));
                    if p > 0 && rng.chance(40) {
                        labels.insert((*rng.pick(POD_KEYS)).to_owned(), json!(rng.pick(VALUES)));
                    }
                    json!({
                        "apiVersion": "v1", "kind": "Pod",
                        "metadata": {
                            "name": format!("{owner}-p{p}"), "namespace": namespace, "labels": labels,
                            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": format!("uid-{index}"), "controller": true}],
                        },
                        "spec": spec,
                        "status": status(index * 4 + p),
                    })
                })
                .collect();
            Value::Array(pods)
        }
        "Pod" => json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": pod_labels},
            "spec": template["spec"],
            "status": status(index * 4),
        }),
        "ReplicationController" => json!({
            "apiVersion": "v1", "kind": kind, "metadata": meta,
            "spec": {"replicas": 1, "selector": pod_labels, "template": template},
        }),
        "Job" => json!({"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": {"template": template}}),
        "CronJob" => json!({
            "apiVersion": "batch/v1", "kind": kind, "metadata": meta,
            "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": template}}},
        }),
        "DaemonSet" => {
            json!({"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": {"selector": selector, "template": template}})
        }
        _ => json!({
            "apiVersion": "apps/v1", "kind": kind, "metadata": meta,
            "spec": {"replicas": rng.between(1, 3), "selector": selector, "template": template},
        }),
    }
}

impl Cluster {
    fn from_objects(seed: u64, objects: Vec<Value>) -> Self {
        let yaml = objects.iter().map(netfence::to_yaml).collect::<Vec<_>>().join("---\n");
        Self { seed, yaml, objects }
    }

    /// The cluster without what netpol-analyzer failed on (`why`), when that is known.
    fn without(&self, why: &str) -> Option<Self> {
        match why {
            NAMED_PORT_TO_IP => Some(self.without_named_ports_to_ips()),
            GAP_LABEL_CRASH | GAP_LABELS_REFUSED => Some(self.with_alike_owned_pods()),
            _ => None,
        }
    }

    /// The cluster with the policies of one direction only (`ingress`: their ingress rules,
    /// or their egress rules): a policy left with no type is dropped.
    fn one_direction(&self, ingress: bool) -> Self {
        let (keep, drop) = if ingress { ("Ingress", "egress") } else { ("Egress", "ingress") };
        let mut objects = Vec::new();
        for object in &self.objects {
            let mut object = object.clone();
            let policy = object["kind"] == "NetworkPolicy";
            if let Some(Value::Object(spec)) = object.get_mut("spec").filter(|_| policy) {
                let types: Vec<String> = match spec.get("policyTypes").and_then(Value::as_array) {
                    Some(types) => types.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                    None => std::iter::once("Ingress".to_owned())
                        .chain(spec.contains_key("egress").then(|| "Egress".to_owned()))
                        .collect(),
                };
                if !types.iter().any(|t| t == keep) {
                    continue;
                }
                spec.remove(drop);
                spec.insert("policyTypes".into(), json!([keep]));
            }
            objects.push(object);
        }
        Self::from_objects(self.seed, objects)
    }

    /// The cluster with the pods of each owner labelled as the first of them.
    fn with_alike_owned_pods(&self) -> Self {
        let mut first: BTreeMap<String, Value> = BTreeMap::new();
        let mut objects = self.objects.clone();
        for object in &mut objects {
            let Some(owner) = object.pointer("/metadata/ownerReferences/0/name").and_then(Value::as_str) else {
                continue;
            };
            let key = format!("{}/{owner}", object["metadata"]["namespace"].as_str().unwrap_or_default());
            let labels = first.entry(key).or_insert_with(|| object["metadata"]["labels"].clone()).clone();
            object["metadata"]["labels"] = labels;
        }
        Self::from_objects(self.seed, objects)
    }

    /// The cluster without the named ports of egress rules whose destinations include IP
    /// addresses (a rule left without ports is dropped).
    fn without_named_ports_to_ips(&self) -> Self {
        let mut objects = self.objects.clone();
        for object in &mut objects {
            let Some(Value::Array(rules)) = object.pointer_mut("/spec/egress") else { continue };
            rules.retain_mut(|rule| {
                let to_ips = match rule.get("to").and_then(Value::as_array) {
                    None => true,
                    Some(peers) => peers.is_empty() || peers.iter().any(|p| p.get("ipBlock").is_some()),
                };
                let Some(Value::Array(ports)) = rule.get_mut("ports") else { return true };
                if !to_ips || ports.is_empty() {
                    return true;
                }
                ports.retain(|p| !p.get("port").is_some_and(Value::is_string));
                !ports.is_empty()
            });
        }
        Self::from_objects(self.seed, objects)
    }
}

/// The cluster of `seed`.
pub fn generate(seed: u64) -> Cluster {
    let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x6a09_e667_f3bc_c908);
    // most clusters small (differences are easier to read), some larger
    let large = rng.chance(20);
    let (max_namespaces, max_workloads, max_policies) = if large { (6, 6, 5) } else { (4, 4, 3) };
    let namespaces: Vec<String> =
        (0..rng.between(1, max_namespaces)).map(|i| format!("ns-{}", (b'a' + i as u8) as char)).collect();
    // sometimes a namespace is used but not defined
    let undefined = if rng.chance(10) { Some(rng.below(namespaces.len())) } else { None };
    let mut objects = Vec::new();
    for (i, ns) in namespaces.iter().enumerate() {
        if undefined == Some(i) {
            continue;
        }
        let mut meta = Map::new();
        meta.insert("name".into(), json!(ns));
        let l = labels(&mut rng, NS_KEYS, 2);
        if !l.is_empty() {
            meta.insert("labels".into(), Value::Object(l));
        }
        objects.push(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": meta}));
    }
    let mut index = 0;
    for ns in &namespaces {
        for _ in 0..rng.between(1, max_workloads) {
            let kind = *rng.pick(WORKLOAD_KINDS);
            let name = format!("{}-{index}", kind.to_ascii_lowercase());
            match workload(&mut rng, kind, &name, ns, index) {
                Value::Array(pods) => objects.extend(pods),
                object => objects.push(object),
            }
            index += 1;
        }
    }
    let mut p = 0;
    for ns in &namespaces {
        // some namespaces have no policies
        for _ in 0..rng.between(0, max_policies) {
            objects.push(policy(&mut rng, &format!("np-{p}"), ns, &namespaces));
            p += 1;
        }
    }
    Cluster::from_objects(seed, objects)
}

/// Each repro of `tests/differential/` still shows its deviation with netpol-analyzer (a new
/// release that fixes one shows up here).
fn check_repros(root: &Path, oracle: &Path) -> Result<(), String> {
    for id in DEVIATIONS {
        let repro = root.join("tests/differential").join(id);
        let yaml = std::fs::read_to_string(repro.join("cluster.yaml")).map_err(|e| format!("{id}: {e}"))?;
        // a scratch copy: the checks write variants of the cluster next to it
        let dir = root.join("target/differential/repros").join(id);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        std::fs::write(dir.join("cluster.yaml"), &yaml).map_err(|e| e.to_string())?;
        let objects = netfence::source::parse_text(&yaml, "cluster.yaml", &netfence::source::ParseOptions::default())
            .map_err(|e| format!("{id}: {e}"))?
            .documents
            .iter()
            .map(|d| d.root.to_json())
            .collect();
        let cluster = Cluster { seed: 0, yaml, objects };
        let ours = netfence_answer(&cluster)?;
        let first = oracle_answer(oracle, &dir)?;
        let shows = match (*id, &first) {
            (NONDETERMINISTIC, Ok(first)) => {
                let mut varies = false;
                for _ in 0..200 {
                    if matches!(oracle_answer(oracle, &dir)?, Ok(again) if again != *first) {
                        varies = true;
                        break;
                    }
                }
                varies
            }
            (POD_VARIANTS, Ok(theirs)) => *theirs != ours,
            (PORT_INTERSECTION, Ok(theirs)) => *theirs != ours && sides_explain(&cluster, &ours, oracle, &dir)?,
            (_, Err((why, _))) => why == id,
            _ => false,
        };
        if !shows {
            return Err(format!(
                "tests/differential/{id}: netpol-analyzer no longer shows the deviation; update the list"
            ));
        }
    }
    eprintln!("    netpol-analyzer deviations reproduce: {}", DEVIATIONS.join(", "));
    Ok(())
}

/// Builds netpol-analyzer and runs the differential (what `cargo xtask test` calls).
pub fn test(root: &Path, count: usize) -> Result<(), String> {
    let Some(oracle) = netpol_analyzer(root)? else {
        eprintln!("differential: skipped: `go` is not installed, so netpol-analyzer cannot be built");
        return Ok(());
    };
    check_repros(root, &oracle)?;
    eprintln!("==> differential: {count} random clusters against netpol-analyzer");
    let summary = differential(root, &oracle, 1, count, false)?;
    eprintln!("{}", summary.text());
    if summary.unexplained.is_empty() {
        Ok(())
    } else {
        Err(format!("differential: unexplained differences for seeds {:?}", summary.unexplained))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(src: &str, dst: &str, protocol: Protocol, ports: &[[u16; 2]]) -> ConnectionRecord {
        ConnectionRecord { src: src.into(), dst: dst.into(), protocol, ports: ports.to_vec() }
    }

    #[test]
    fn connlist_lines_become_canonical_records() {
        let text = "0.0.0.0-9.255.255.255[External] => ns/a[Deployment] : TCP 80\n\
                    10.0.0.0-10.255.255.255[External] => ns/a[Deployment] : TCP 80\n\
                    11.0.0.0-255.255.255.255[External] => ns/a[Deployment] : TCP 80,UDP 53-54\n\
                    ns/a[Deployment] => ns/b[Pod] : All Connections\n\
                    ns/b[Pod] => ns/a[Deployment] : No Connections\n";
        let records = canonical_from_connlist(text).unwrap();
        let full = [[1, 65535]];
        assert_eq!(
            records,
            [
                record("0.0.0.0-10.255.255.255", "ns/a[Deployment]", Protocol::Tcp, &[[80, 80]]),
                record("11.0.0.0-255.255.255.255", "ns/a[Deployment]", Protocol::Tcp, &[[80, 80]]),
                record("11.0.0.0-255.255.255.255", "ns/a[Deployment]", Protocol::Udp, &[[53, 54]]),
                record("ns/a[Deployment]", "ns/b[Pod]", Protocol::Sctp, &full),
                record("ns/a[Deployment]", "ns/b[Pod]", Protocol::Tcp, &full),
                record("ns/a[Deployment]", "ns/b[Pod]", Protocol::Udp, &full),
            ]
        );
        assert!(canonical_from_connlist("ns/a => ns/b : TCP eighty\n").is_err());
    }

    /// The conversion equals the corpus's own (`npa_expected_to_json.py --merge-ip`) on every
    /// plain connlist output of netpol-analyzer's test corpus, where it is present.
    #[test]
    fn conversion_matches_the_conformance_corpus() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/netpol-analyzer/expected");
        let Ok(entries) = std::fs::read_dir(corpus.join("connlist")) else {
            eprintln!("conformance corpus not found: skipped");
            return;
        };
        let mut compared = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            let text = std::fs::read_to_string(&path).unwrap();
            // focus-connection, multi-network and ingress-controller outputs have other shapes
            if ["Permitted connections on", "Permitted connectivity analyzed in", "Workload-to-Networks", "{"]
                .iter()
                .any(|s| text.contains(s))
            {
                continue;
            }
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let Ok(expected) = std::fs::read_to_string(corpus.join("canonical").join(format!("{stem}.json"))) else {
                continue;
            };
            let expected: Vec<ConnectionRecord> = serde_json::from_str(&expected).unwrap();
            assert_eq!(canonical_from_connlist(&text).unwrap(), expected, "{stem}");
            compared += 1;
        }
        assert!(compared > 50, "{compared} outputs compared");
    }

    #[test]
    fn generated_clusters_are_read_without_errors_and_differ_by_seed() {
        for seed in 0..50 {
            let cluster = generate(seed);
            netfence_answer(&cluster).unwrap();
            assert_eq!(generate(seed).yaml, cluster.yaml);
        }
        assert_ne!(generate(1).yaml, generate(2).yaml);
    }

    /// Every deviation has its repro, and netfence gives the recorded answer on each.
    #[test]
    fn repros_give_the_recorded_netfence_answers() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/differential");
        let mut folders = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().is_dir()) {
            let path = entry.path();
            let yaml = std::fs::read_to_string(path.join("cluster.yaml")).unwrap();
            let expected = std::fs::read_to_string(path.join("netfence.txt")).unwrap();
            let request =
                AnalyzeRequest { sources: vec![Source::named("cluster.yaml", yaml)], ..AnalyzeRequest::default() };
            let response = analyze(&request).unwrap();
            assert!(response.errors.is_empty(), "{}: {:?}", path.display(), response.errors);
            assert_eq!(netfence::report::connlist_txt(&response.connectivity), expected, "{}", path.display());
            folders.insert(entry.file_name().to_string_lossy().into_owned());
        }
        assert_eq!(folders, DEVIATIONS.iter().map(|d| (*d).to_owned()).collect::<BTreeSet<_>>());
    }
}
