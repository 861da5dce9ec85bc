#!/usr/bin/env python3
"""A deterministic random cluster for the output benchmark of issue 15 (point 5): N pods in K
namespaces, each pod its own workload with random labels and container ports, and M random
NetworkPolicies (random pod and namespace selectors, ports, ipBlocks; both directions), as
multi-document YAML on standard output.

    python3 tests/bench/random_cluster.py --pods 500 --policies 50 --seed 1 > cluster.yaml
    netfence analyze cluster.yaml -o canonical > /dev/null

Most pods stay unisolated in some direction, so the all-pairs answer is large (about a record
per pair and protocol set): what `analyze` writes, not what it computes, is measured.
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=500)
    ap.add_argument("--policies", type=int, default=50)
    ap.add_argument("--namespaces", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    apps = [f"app{i}" for i in range(40)]
    tiers = ["web", "api", "db", "cache"]
    teams = ["red", "blue", "green"]
    out = []
    namespaces = [f"ns{i}" for i in range(a.namespaces)]
    for ns in namespaces:
        out.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}, labels: {{team: {rng.choice(teams)}}}}}\n")
    for i in range(a.pods):
        ns = rng.choice(namespaces)
        ports = ", ".join(f"{{name: p{p}, containerPort: {p}}}" for p in rng.sample([80, 443, 5432, 6379, 8080, 9090], 2))
        out.append(
            f"apiVersion: v1\nkind: Pod\nmetadata: {{name: pod{i}, namespace: {ns}, "
            f"labels: {{app: {rng.choice(apps)}, tier: {rng.choice(tiers)}}}}}\n"
            f"spec: {{containers: [{{name: c, image: x, ports: [{ports}]}}]}}\n"
            f"status: {{podIP: 10.{i // 250}.{i % 250}.{rng.randrange(1, 250)}}}\n"
        )

    def peer():
        kind = rng.randrange(4)
        if kind == 0:
            return f"{{podSelector: {{matchLabels: {{tier: {rng.choice(tiers)}}}}}}}"
        if kind == 1:
            return f"{{namespaceSelector: {{matchLabels: {{team: {rng.choice(teams)}}}}}}}"
        if kind == 2:
            return (f"{{namespaceSelector: {{matchLabels: {{team: {rng.choice(teams)}}}}}, "
                    f"podSelector: {{matchLabels: {{app: {rng.choice(apps)}}}}}}}")
        b = rng.randrange(3)
        return f"{{ipBlock: {{cidr: 10.{b}.0.0/16, except: [10.{b}.{rng.randrange(250)}.0/24]}}}}"

    def rule(key):
        peers = ", ".join(peer() for _ in range(rng.randrange(1, 3)))
        ports = ", ".join(f"{{port: {p}, protocol: {rng.choice(['TCP', 'UDP'])}}}" for p in rng.sample([53, 80, 443, 5432, 8080], rng.randrange(1, 3)))
        return f"  - {key}: [{peers}]\n    ports: [{ports}]\n"

    for i in range(a.policies):
        ns = rng.choice(namespaces)
        types = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        text = (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: pol{i}, namespace: {ns}}}\nspec:\n"
                f"  podSelector: {{matchLabels: {{app: {rng.choice(apps)}}}}}\n  policyTypes: [{', '.join(types)}]\n")
        if "Ingress" in types:
            text += "  ingress:\n" + "".join(rule("from") for _ in range(rng.randrange(1, 3)))
        if "Egress" in types:
            text += "  egress:\n" + "".join(rule("to") for _ in range(rng.randrange(1, 3)))
        out.append(text)
    print("---\n".join(out), end="")


if __name__ == "__main__":
    main()
