//! The online shop's NetworkPolicies written with the typed Rust builder (docs/guide.md, "Design").
//!
//! `cargo run -q -p netfence --example guide_builder` prints the same YAML as
//! `netfence build examples/online-shop/intent.yaml`: `cargo test` compiles this file, and
//! `cli/tests/docs.rs` runs [`online_shop`] and compares its output with the CLI's.

use netfence::builder::{
    BuildOutput, Direction, NamespaceBuilder, Peer, PolicyBuilder, Port, Selector, WorkloadBuilder,
};

/// The intent of `examples/online-shop/intent.yaml`, as Rust.
pub fn online_shop() -> PolicyBuilder {
    let app = |name: &str| Selector::with_label("app", name);
    PolicyBuilder::new()
        .label("app.kubernetes.io/part-of", "online-shop")
        .namespace(
            NamespaceBuilder::new("shop")
                .default_deny(Direction::Both)
                .allow_dns()
                .workload(
                    WorkloadBuilder::new("frontend")
                        .allow_from_ingress_controller(Port::named("http"))
                        .allow_to(Peer::pods(app("api")), Port::named("http")),
                )
                .workload(
                    WorkloadBuilder::new("api")
                        .allow_from(Peer::pods(app("frontend")), Port::named("http"))
                        .allow_to(Peer::pods_in_namespace("payments", app("payments")), Port::named("https"))
                        .allow_to(Peer::pods_in_namespace("data", app("postgres")), Port::named("postgres")),
                ),
        )
        .namespace(
            NamespaceBuilder::new("payments").default_deny(Direction::Both).allow_dns().workload(
                WorkloadBuilder::new("payments")
                    .allow_from(Peer::pods_in_namespace("shop", app("api")), Port::named("https"))
                    .allow_to(Peer::pods_in_namespace("data", app("postgres")), Port::named("postgres"))
                    .allow_to(Peer::cidr("203.0.113.0/24"), Port::tcp(443)),
            ),
        )
        .namespace(NamespaceBuilder::new("data").default_deny(Direction::Both).workload(
            WorkloadBuilder::new("postgres").allow_from(
                [Peer::pods_in_namespace("shop", app("api")), Peer::pods_in_namespace("payments", app("payments"))],
                Port::named("postgres"),
            ),
        ))
}

/// Builds the policies: every emitted object is validated and read back before it is returned.
///
/// # Errors
/// `NF-E012` when the builder is asked for something that is not a valid NetworkPolicy.
pub fn build() -> Result<BuildOutput, netfence::Error> {
    online_shop().build()
}

fn main() -> Result<(), netfence::Error> {
    let output = build()?;
    print!("{}", output.to_yaml());
    Ok(())
}
