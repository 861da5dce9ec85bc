//! What the JSON reader keeps of each object (`source::json_read`): of pods and workloads, the
//! fields [`super::read`] reads; of every other kind, all but `metadata.managedFields`. A pod
//! from `kubectl get -o json` is ~11 KB, of which netfence reads a few hundred bytes: its
//! `managedFields`, `env`, probes, volumes and status conditions are skipped without building
//! them.

use super::WorkloadKind;
use crate::source::Keep;

/// The rule for `kind` at `path` (keys from the object's root).
pub(crate) fn keep(kind: &str, path: &[&str]) -> Keep {
    let template: &[&str] = match WorkloadKind::from_kind(kind) {
        Some(WorkloadKind::CronJob) => &["spec", "jobTemplate", "spec", "template"],
        Some(_) => &["spec", "template"],
        None if kind == "Pod" => &[],
        None => return other(path),
    };
    match path {
        ["apiVersion" | "kind"] => Keep::All,
        ["metadata", rest @ ..] => metadata(rest),
        _ if kind == "Pod" => match path {
            ["spec", rest @ ..] => pod_spec(rest),
            ["status"] => Keep::Part,
            ["status", "podIP" | "podIPs" | "phase"] => Keep::All,
            _ => Keep::No,
        },
        _ => {
            // down to the pod template (keeping only the way there), then its metadata and spec
            let common = template.len().min(path.len());
            if path.get(..common) != template.get(..common) {
                return Keep::No;
            }
            match path.get(template.len()..) {
                None | Some([]) => Keep::Part,
                Some(["metadata", rest @ ..]) => metadata(rest),
                Some(["spec", rest @ ..]) => pod_spec(rest),
                Some(_) => Keep::No,
            }
        }
    }
}

/// Below `metadata`: what [`super::read::Fields::meta`] reads.
fn metadata(rest: &[&str]) -> Keep {
    match rest {
        [] => Keep::Part,
        ["name" | "generateName" | "namespace" | "labels" | "annotations" | "ownerReferences", ..] => Keep::All,
        _ => Keep::No,
    }
}

/// Below a pod spec: `hostNetwork` and each container's `name` and `ports`.
fn pod_spec(rest: &[&str]) -> Keep {
    match rest {
        [] | ["containers" | "initContainers"] => Keep::Part,
        ["hostNetwork"] | ["containers" | "initContainers", "name" | "ports", ..] => Keep::All,
        _ => Keep::No,
    }
}

/// Any other kind: whole, but for `metadata.managedFields`.
fn other(path: &[&str]) -> Keep {
    match path {
        ["metadata"] => Keep::Part,
        ["metadata", "managedFields"] => Keep::No,
        _ => Keep::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_keep_what_is_read() {
        assert_eq!(keep("Pod", &["metadata"]), Keep::Part);
        assert_eq!(keep("Pod", &["metadata", "labels"]), Keep::All);
        assert_eq!(keep("Pod", &["metadata", "managedFields"]), Keep::No);
        assert_eq!(keep("Pod", &["spec", "containers", "ports"]), Keep::All);
        assert_eq!(keep("Pod", &["spec", "containers", "env"]), Keep::No);
        assert_eq!(keep("Pod", &["spec", "volumes"]), Keep::No);
        assert_eq!(keep("Pod", &["status", "conditions"]), Keep::No);
        assert_eq!(keep("Pod", &["status", "podIPs"]), Keep::All);
    }

    #[test]
    fn workloads_keep_their_template() {
        assert_eq!(keep("Deployment", &["spec"]), Keep::Part);
        assert_eq!(keep("Deployment", &["spec", "replicas"]), Keep::No);
        assert_eq!(keep("Deployment", &["spec", "template"]), Keep::Part);
        assert_eq!(keep("Deployment", &["spec", "template", "metadata", "labels"]), Keep::All);
        assert_eq!(keep("Deployment", &["spec", "template", "spec", "containers", "ports"]), Keep::All);
        assert_eq!(keep("Deployment", &["spec", "template", "spec", "volumes"]), Keep::No);
        assert_eq!(keep("CronJob", &["spec", "jobTemplate", "spec"]), Keep::Part);
        assert_eq!(keep("CronJob", &["spec", "jobTemplate", "spec", "template", "spec", "hostNetwork"]), Keep::All);
        assert_eq!(keep("CronJob", &["spec", "schedule"]), Keep::No);
    }

    #[test]
    fn other_kinds_are_whole_but_managed_fields() {
        assert_eq!(keep("NetworkPolicy", &["spec"]), Keep::All);
        assert_eq!(keep("NetworkPolicy", &["metadata", "managedFields"]), Keep::No);
        assert_eq!(keep("", &["anything"]), Keep::All);
    }
}
