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

pub(crate) const INVALID_PROTOCOL_DOCS: &str = r#"
## What it flags
A port entry of an ingress or egress rule whose `protocol` is not `TCP`, `UDP` or `SCTP`.
Values are case-sensitive: `tcp` is flagged, with `TCP` as the fix. Other protocols (`ICMP`,
`HTTP`, an empty string) are flagged without a fix.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.ingress[0].ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP",
"UDP"`. NetworkPolicy ports cover only these three protocols; other IP protocols such as ICMP
cannot be named in a policy, and what a rule without `ports` does for them depends on the
network plugin.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {protocol: tcp, port: 8080}
```

## How to fix
Write the protocol in uppercase, or leave it out for TCP (the default):
```yaml
    - {protocol: TCP, port: 8080}
```
"#;

/// `NF018`: a numeric `port` or `endPort` outside 1–65535.
pub(crate) const INVALID_PORT_NUMBER: RuleMeta = RuleMeta {
    id: "NF018",
    name: "invalid-port-number",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "port numbers are between 1 and 65535",
};

pub(crate) const INVALID_PORT_NUMBER_DOCS: &str = r#"
## What it flags
A numeric `port` or `endPort` of a port entry outside 1–65535: `0`, a negative number, or
65536 and above.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`.
`port: 0` is sometimes written to mean "every port", which is what leaving `port` out does.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {protocol: TCP, port: 0}
```

## How to fix
Use a port from 1 to 65535, or leave `port` out to allow every port of the protocol:
```yaml
    - {protocol: TCP}
```
"#;

/// `NF019`: a named port that is not an IANA service name.
pub(crate) const INVALID_PORT_NAME: RuleMeta = RuleMeta {
    id: "NF019",
    name: "invalid-port-name",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "named ports have at most 15 lowercase letters, digits and `-`, with at least one letter",
};

pub(crate) const INVALID_PORT_NAME_DOCS: &str = r#"
## What it flags
A `port` given as a string that is not a valid port name (an IANA service name): longer than 15
characters, or with characters other than lowercase letters, digits and `-`, or without a
letter, or with `--`, or starting or ending with `-`. A number in quotes (`"8080"`) is a string,
so it is read as a name and flagged, with the number as the fix; an uppercase name gets the
lowercase one as the fix.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.ingress[0].ports[0].port: Invalid value: "HTTP": must contain only alpha-numeric
characters (a-z, 0-9), and hyphens (-)`. A named port matches the name of a container port of
the pods (`containers[].ports[].name`), and those names follow the same rule, so such a name
could never match.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - port: HTTP
    - port: "8080"
```

## How to fix
Use the name of the container port, or a number without quotes:
```yaml
    - port: http
    - port: 8080
```
"#;

/// `NF020`: `endPort` without a numeric `port`.
pub(crate) const END_PORT_WITHOUT_NUMERIC_PORT: RuleMeta = RuleMeta {
    id: "NF020",
    name: "end-port-without-numeric-port",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`endPort` needs a numeric `port`",
};

pub(crate) const END_PORT_WITHOUT_NUMERIC_PORT_DOCS: &str = r#"
## What it flags
A port entry with `endPort` whose `port` is a name or is missing.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
``spec.ingress[0].ports[0].endPort: Invalid value: 9000: may not be specified when `port` is
non-numeric`` (or ``when `port` is not specified``). A range runs from one port number to
another; a named port resolves to a number per pod, so it cannot start a range.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {port: http, endPort: 9000}
```

## How to fix
Start the range with a number, or remove `endPort` and list the named ports one by one:
```yaml
    - {port: 8000, endPort: 9000}
```
"#;

/// `NF021`: `endPort` below `port`.
pub(crate) const END_PORT_BELOW_PORT: RuleMeta = RuleMeta {
    id: "NF021",
    name: "end-port-below-port",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`endPort` must be greater than or equal to `port`",
};

pub(crate) const END_PORT_BELOW_PORT_DOCS: &str = r#"
## What it flags
A port entry whose numeric `endPort` is smaller than its numeric `port`. (`endPort` equal to
`port` is valid: a range of one port.)

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
``spec.ingress[0].ports[0].endPort: Invalid value: 8000: must be greater than or equal to
`port` ``. The two values are usually swapped: `endPort` is the last port of the range that
starts at `port`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports:
    - {protocol: TCP, port: 9000, endPort: 8000}
```

## How to fix
Start the range at `port` and end it at `endPort`:
```yaml
    - {protocol: TCP, port: 8000, endPort: 9000}
```
"#;

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
