//! Ports: protocol `TCP`, `UDP` or `SCTP` (case-sensitive); numeric ports 1–65535; named
//! ports are IANA service names; `endPort` only after a numeric `port`, not below it.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::syntax::port_name_problem;
use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::model::walk;
use crate::source::yaml_write::yaml_string;

const PROTOCOLS: [&str; 3] = ["TCP", "UDP", "SCTP"];

/// `NF017`: a protocol other than `TCP`, `UDP`, `SCTP`.
pub(crate) const INVALID_PROTOCOL: RuleMeta = RuleMeta {
    id: "NF017",
    name: "invalid-protocol",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`protocol` is `TCP`, `UDP` or `SCTP` (uppercase)",
};

/// `NF018`: a numeric `port` or `endPort` outside 1–65535.
pub(crate) const INVALID_PORT_NUMBER: RuleMeta = RuleMeta {
    id: "NF018",
    name: "invalid-port-number",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "port numbers are between 1 and 65535",
};

/// `NF019`: a named port that is not an IANA service name.
pub(crate) const INVALID_PORT_NAME: RuleMeta = RuleMeta {
    id: "NF019",
    name: "invalid-port-name",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "named ports have at most 15 lowercase letters, digits and `-`, with at least one letter",
};

/// `NF020`: `endPort` without a numeric `port`.
pub(crate) const END_PORT_WITHOUT_NUMERIC_PORT: RuleMeta = RuleMeta {
    id: "NF020",
    name: "end-port-without-numeric-port",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`endPort` needs a numeric `port`",
};

/// `NF021`: `endPort` below `port`.
pub(crate) const END_PORT_BELOW_PORT: RuleMeta = RuleMeta {
    id: "NF021",
    name: "end-port-below-port",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`endPort` must be greater than or equal to `port`",
};

fn valid_number(n: i32) -> bool {
    (1..=65535).contains(&n)
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let spec = ctx.policy.object.spec.as_ref();
    for (at, port) in walk::ports(spec) {
        if let Some(protocol) = port.protocol.as_deref()
            && !PROTOCOLS.contains(&protocol)
        {
            let upper = protocol.trim().to_ascii_uppercase();
            let suggestion = PROTOCOLS.iter().copied().find(|p| *p == upper);
            let help = suggestion.map_or_else(
                || "use `TCP`, `UDP` or `SCTP`; leave `protocol` out for TCP".to_owned(),
                |s| format!("did you mean `{s}`?"),
            );
            let draft = INVALID_PROTOCOL.finding(
                ctx.at(&format!("{at}/protocol")),
                format!("protocol `{protocol}` is not supported"),
                help,
            );
            ctx.report(draft.fix(suggestion.map(str::to_owned)));
        }
        let end_at = format!("{at}/endPort");
        match &port.port {
            Some(IntOrString::Int(n)) => {
                if !valid_number(*n) {
                    let draft = INVALID_PORT_NUMBER.finding(
                        ctx.at(&format!("{at}/port")),
                        format!("port `{n}` is not between 1 and 65535"),
                        "use a port number from 1 to 65535, or leave `port` out to allow every port",
                    );
                    ctx.report(draft);
                }
                if let Some(end) = port.end_port {
                    if end < *n {
                        let draft = END_PORT_BELOW_PORT.finding(
                            ctx.at(&end_at),
                            format!("end port `{end}` is below port `{n}`"),
                            format!("`endPort` is the last port of the range starting at `port`; did you mean `port: {end}` and `endPort: {n}`?"),
                        );
                        ctx.report(draft);
                    }
                    if !valid_number(end) {
                        let draft = INVALID_PORT_NUMBER.finding(
                            ctx.at(&end_at),
                            format!("end port `{end}` is not between 1 and 65535"),
                            "use a port number from 1 to 65535",
                        );
                        ctx.report(draft);
                    }
                }
            }
            Some(IntOrString::String(name)) => {
                if let Some(end) = port.end_port {
                    let draft = END_PORT_WITHOUT_NUMERIC_PORT.finding(
                        ctx.at(&end_at),
                        format!("end port `{end}` follows the named port `{name}`"),
                        "port ranges need a numeric `port`; remove `endPort` or use a port number",
                    );
                    ctx.report(draft);
                }
                if let Some(problem) = port_name_problem(name) {
                    check_name(ctx, &at, name, &problem);
                }
            }
            None => {
                if let Some(end) = port.end_port {
                    let draft = END_PORT_WITHOUT_NUMERIC_PORT.finding(
                        ctx.at(&end_at),
                        format!("end port `{end}` has no `port`"),
                        "add the first port of the range as `port`, or remove `endPort`",
                    );
                    ctx.report(draft);
                }
            }
        }
    }
}

fn check_name(ctx: &mut Ctx<'_>, at: &str, name: &str, problem: &str) {
    let number = name.trim().parse::<i32>().ok().filter(|n| valid_number(*n));
    let lower = name.trim().to_ascii_lowercase();
    let (fix, help) = if let Some(n) = number {
        (Some(n.to_string()), format!("did you mean the port number `{n}`? quoted numbers are read as port names"))
    } else if port_name_problem(&lower).is_none() {
        (Some(yaml_string(&lower)), format!("did you mean `{lower}`?"))
    } else {
        (
            None,
            "use the name of a container port (like `http`, at most 15 lowercase letters, digits and `-`) or a number"
                .to_owned(),
        )
    };
    let draft = INVALID_PORT_NAME.finding(ctx.at(&format!("{at}/port")), format!("port name `{name}` {problem}"), help);
    ctx.report(draft.fix(fix));
}
