#!/usr/bin/env python3
"""Ports the upstream network-policy-api conformance suite (kubernetes-sigs/network-policy-api,
Apache-2.0; see ATTRIBUTION.md) to netfence data: for every subtest, the manifests as they stand
when it probes (the suite's base manifests, the test's policies, and the patches earlier
subtests and this one made) and a requirements file with one must-allow or must-deny
requirement per probe (from pod, to pod, protocol, port).

Run from the repository root with the suite at ../shared/network-policy-api:

    python3 tests/network-policy-api/port.py

Subtests whose steps this porter does not interpret (namespace label patches, rules built in Go,
pod IPs known only at run time) are listed in `skipped.txt` with the first step it did not
understand; so are the later subtests of the same test when a skipped one changed a policy.

The porter stands in for the live cluster the suite runs on: `base.yaml` gets one made-up
`Node` (NODE below, labelled as a kind node is) and the pods each StatefulSet runs, owned by it,
with made-up IPs (`status.podIPs`; `networks` peers match pods by them). Host-networked servers
(the suite's `centaur` pods) have the node's address and are probed at it: to netfence that is
the node, which `nodes` peers select and pod selectors never do. A namespace label patch in the
middle of a subtest starts a new phase: `NN-K.policies.yaml` with its own `NN-K.base.yaml`.
"""

import copy
import ipaddress
import os
import re
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(ROOT, "..", "..", "..", "shared", "network-policy-api")
HOST_PORTS = [str(34340 + i) for i in range(8)]
# the made-up node every host-networked pod runs on (a kind worker's labels; TEST-NET-2 address)
NODE_IP = "198.51.100.10"
NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {
        "name": "conformance-worker",
        "labels": {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": "conformance-worker",
            "kubernetes.io/os": "linux",
        },
    },
    "status": {"addresses": [{"type": "InternalIP", "address": NODE_IP}, {"type": "Hostname", "address": "conformance-worker"}]},
}


def templated(path):
    """A manifest with the host network ports filled in."""
    text = open(path).read()
    for i, port in enumerate(HOST_PORTS):
        text = text.replace("{{ index .HostNetworkPorts %d }}" % i, port)
    if "{{" in text:
        sys.exit(f"unexpected template in {path}")
    return text


def load_base():
    return templated(os.path.join(SUITE, "conformance-base", "manifests.yaml"))


def tests_of(go):
    """(short name, manifest path, body) of each ConformanceTest in a Go file."""
    out = []
    for m in re.finditer(r"var (\w+) = suite\.ConformanceTest\{", go):
        start = m.end()
        following = re.search(r"\nvar \w+ = suite\.ConformanceTest\{", go[start:])
        nxt = start + following.start() if following else -1
        body = go[start : nxt if nxt >= 0 else len(go)]
        name = re.search(r'ShortName:\s*"([^"]+)"', body).group(1)
        manifest = re.search(r'Manifests:\s*\[\]string\{"base/([^"]+)"\}', body).group(1)
        out.append((name, manifest, body))
    return out


def subtests(body):
    """(title, statements) of each t.Run of a test body."""
    out = []
    for m in re.finditer(r't\.Run\("([^"]+)", func\(t \*testing\.T\) \{', body):
        depth, i = 1, m.end()
        while depth and i < len(body):
            depth += {"{": 1, "}": -1}.get(body[i], 0)
            i += 1
        block = re.sub(r"/\*.*?\*/", "", body[m.end() : i - 1], flags=re.S)
        lines = [l.strip() for l in block.split("\n")]
        lines = [l for l in lines if l and not l.startswith("//")]
        # a comment after a call's closing parenthesis
        lines = [re.sub(r"\)\s*//.*$", ")", l) for l in lines]
        # join continuation lines of calls
        statements, current = [], ""
        for l in lines:
            current = f"{current} {l}".strip() if current else l
            if current.count("(") == current.count(")") and current.count("{") == current.count("}"):
                statements.append(re.sub(r"\s+", " ", current))
                current = ""
        out.append((m.group(1), statements))
    return out


class Unsupported(Exception):
    pass


def rule_list(spec, key):
    return spec.setdefault({"Ingress": "ingress", "Egress": "egress"}[key], [])


def run_subtest(statements, state, pods, others, namespaces, pod_ips):
    """Interprets one subtest: returns its phases, each (probes, namespace labels) — a namespace
    patch starts a phase; updates `state` with its policy patches and `namespaces` (name →
    labels, as patched so far) with its namespace patches."""
    phases = [([], copy.deepcopy(namespaces))]
    probes = phases[0][0]
    namespace_name, namespace_labels = None, None
    env = {}
    cnp_name, mutate = None, None
    patched = False
    fetched = None
    for s in statements:
        if re.match(r"(ctx, cancel := context\.WithTimeout\(|defer cancel\(\)$|np := &networkingv1\.NetworkPolicy\{\}$|require\.NoErrorf\()", s):
            continue
        if m := re.match(r'err :?= s\.Client\.Get\(ctx, client\.ObjectKey\{ Namespace: "([^"]+)", Name: "([^"]+)", \}, np\)$', s):
            fetched = (m.group(1), m.group(2))
            continue
        if re.match(r"err :?= s\.Client\.Delete\(ctx, np\)$", s):
            kept = [d for d in others if not (d["kind"] == "NetworkPolicy" and (d["metadata"].get("namespace"), d["metadata"]["name"]) == fetched)]
            if len(kept) != len(others) - 1:
                raise Unsupported(s, True)
            others[:] = kept
            patched = True
            continue
        if m := re.match(r'namespace :?= kubernetes\.GetNamespace\(t, s\.Client, "([^"]+)", s\.TimeoutConfig\.GetTimeout\)$', s):
            namespace_name = m.group(1)
            continue
        if re.match(r"mutateNamespace :?= namespace\.DeepCopy\(\)$", s):
            continue
        if m := re.match(r'mutateNamespace\.SetLabels\(map\[string\]string\{((?: ?"[^"]+": "[^"]*",?)*) ?\}\)$', s):
            namespace_labels = dict(re.findall(r'"([^"]+)": "([^"]*)"', m.group(1)))
            continue
        if re.match(r"kubernetes\.PatchNamespace\(t, s\.Client, namespace, mutateNamespace, s\.TimeoutConfig\.GetTimeout\)$", s):
            if namespace_name is None or namespace_labels is None:
                raise Unsupported(s, True)
            namespaces[namespace_name] = namespace_labels
            phases.append(([], copy.deepcopy(namespaces)))
            probes = phases[-1][0]
            continue
        if m := re.match(r'(\w+) :?= kubernetes\.GetPod\(t, s\.Client, "([^"]+)", "([^"]+)"', s):
            pods[m.group(1)] = (m.group(2), m.group(3))
        elif m := re.match(r'cnp :?= kubernetes\.GetClusterNetworkPolicy\(t, s\.Client, "([^"]+)"', s):
            cnp_name = m.group(1)
        elif re.match(r"mutate :?= cnp\.DeepCopy\(\)$", s):
            mutate = copy.deepcopy(state[cnp_name])
        elif m := re.match(r"(\w+) :?= mutate(?:\.DeepCopy\(\))?\.Spec\.(Ingress|Egress)\[(\d+)\]$", s):
            env[m.group(1)] = copy.deepcopy(rule_list(mutate["spec"], m.group(2))[int(m.group(3))])
        elif re.match(r"var \w+ string$", s):
            continue
        elif m := re.match(r'if net\.IsIPv4String\((\w+)\.Status\.PodIP\) \{ (\w+) = "([^"]+)" \} else \{ (\w+) = "([^"]+)" \}$', s):
            # a host mask chosen by the family of a pod's IP
            pod, var, v4, other, v6 = m.groups()
            if pod not in pods or var != other:
                raise Unsupported(s, True)
            env[var] = v4 if ipaddress.ip_address(pod_ips[pods[pod]]).version == 4 else v6
        elif m := re.match(
            r'(\w+) :?= \[\]api\.ClusterNetworkPolicy(Egress|Ingress)Rule\{ \{ Name: "([^"]+)", Action: "(\w+)", (To|From): \[\]api\.ClusterNetworkPolicy\w+Peer\{ \{ Networks: \[\]api\.CIDR\{ ((?:api\.CIDR\(\w+\.Status\.PodIP \+ \w+\),? )+)\}, \}, \}, \}, \}$',
            s,
        ):
            # one rule whose networks are pods' IPs with a mask variable
            var, _, rule_name, action, key, cidrs = m.groups()
            networks = []
            for pod, mask in re.findall(r"api\.CIDR\((\w+)\.Status\.PodIP \+ (\w+)\)", cidrs):
                if pod not in pods or mask not in env:
                    raise Unsupported(s, True)
                networks.append(pod_ips[pods[pod]] + env[mask])
            env[var] = [{"name": rule_name, "action": action, key.lower(): [{"networks": networks}]}]
        elif m := re.match(r"mutate\.Spec\.(Ingress|Egress) = append\((\w+), mutate\.Spec\.(Ingress|Egress)\.\.\.\)$", s):
            if m.group(1) != m.group(3) or not isinstance(env.get(m.group(2)), list):
                raise Unsupported(s, True)
            rules = rule_list(mutate["spec"], m.group(1))
            rules[:0] = copy.deepcopy(env[m.group(2)])
        elif m := re.match(r'(\w+) :?= "([^"]*)"$', s):
            env[m.group(1)] = m.group(2)
        elif m := re.match(r"(\w+)\.Protocols = \[\]api\.ClusterNetworkPolicyProtocol\{ \{ DestinationNamedPort: (\w+),? \},? \}$", s):
            # a rule's protocols replaced by one named port (the variable holds its name)
            env[m.group(1)]["protocols"] = [{"destinationNamedPort": env[m.group(2)]}]
        elif m := re.match(r"mutate\.Spec\.(Ingress|Egress)\[(\d+)\] = mutate\.Spec\.(Ingress|Egress)\[(\d+)\]$", s):
            src = copy.deepcopy(rule_list(mutate["spec"], m.group(3))[int(m.group(4))])
            rule_list(mutate["spec"], m.group(1))[int(m.group(2))] = src
        elif m := re.match(r"mutate\.Spec\.(Ingress|Egress)\[(\d+)\] = (\w+)$", s):
            rule_list(mutate["spec"], m.group(1))[int(m.group(2))] = copy.deepcopy(env[m.group(3)])
        elif m := re.match(r"mutate\.Spec\.(Ingress|Egress)\[(\d+)\]\.Action = api\.ClusterNetworkPolicyRuleAction(\w+)$", s):
            rule_list(mutate["spec"], m.group(1))[int(m.group(2))]["action"] = m.group(3)
        elif m := re.match(r"mutate\.Spec\.Priority = (\d+)$", s):
            mutate["spec"]["priority"] = int(m.group(1))
        elif re.match(r"kubernetes\.PatchClusterNetworkPolicy\(t, s\.Client, cnp, mutate,", s):
            state[cnp_name] = mutate
            patched = True
        elif m := re.match(
            r'kubernetes\.PokeServer\(t, s\.ClientSet, &s\.KubeConfig, "([^"]+)", "([^"]+)", "(\w+)", (\w+)\.Status\.PodIP, int32\((\d+|s\.HostNetworkPorts\[\d+\])\), s\.TimeoutConfig, (true|false)\)$',
            s,
        ):
            client_ns, client, proto, server, port, ok = m.groups()
            if server not in pods:
                raise Unsupported(s, patched)
            server_ns, server_pod = pods[server]
            if m := re.match(r"s\.HostNetworkPorts\[(\d+)\]$", port):
                port = HOST_PORTS[int(m.group(1))]
            probes.append((client_ns, client, proto.upper(), server_ns, server_pod, int(port), ok == "true"))
        else:
            # a step not understood may change the cluster: later subtests of the test are skipped
            raise Unsupported(s, True)
    return [phase for phase in phases if phase[0]]


def pod_ip(namespace_index, replica):
    return f"10.244.{namespace_index + 1}.{replica + 10}"


def live_pods(base):
    """The pods of the base's StatefulSets as the cluster runs them: owned by their StatefulSet,
    with the template's labels and spec, running, with made-up IPs (the node's address for a
    host-networked one)."""
    docs = [d for d in yaml.safe_load_all(base) if d]
    namespaces = [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"]
    out = []
    for d in docs:
        if d["kind"] != "StatefulSet":
            continue
        meta, spec = d["metadata"], d["spec"]
        template = spec["template"]
        host = template["spec"].get("hostNetwork", False)
        for i in range(spec.get("replicas", 1)):
            ip = NODE_IP if host else pod_ip(namespaces.index(meta["namespace"]), i)
            out.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{meta['name']}-{i}",
                        "namespace": meta["namespace"],
                        "labels": dict(template["metadata"].get("labels", {})),
                        "ownerReferences": [
                            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": meta["name"], "uid": f"uid-{meta['name']}", "controller": True}
                        ],
                    },
                    "spec": dict(template["spec"], nodeName=NODE["metadata"]["name"]),
                    "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
                }
            )
    return out


def with_namespace_labels(base_docs, labels):
    """The base documents with the namespaces' labels replaced as `labels` says."""
    out = copy.deepcopy(base_docs)
    for d in out:
        if d["kind"] == "Namespace" and d["metadata"]["name"] in labels:
            d["metadata"]["labels"] = dict(labels[d["metadata"]["name"]])
    return out


def host_networked(base):
    """(namespace, workload) of the base's host-networked workloads."""
    out = set()
    for d in yaml.safe_load_all(base):
        if d and d.get("spec", {}).get("template", {}).get("spec", {}).get("hostNetwork"):
            out.add((d["metadata"].get("namespace"), d["metadata"]["name"]))
    return out


def workload(pod):
    """`harry-potter-0` → `harry-potter` (the StatefulSet's pods are one endpoint)."""
    return re.sub(r"-\d+$", "", pod)


def endpoint(namespace, pod, policies, pod_ips):
    """The name a probe's pod has in netfence: its StatefulSet's, unless a `networks` CIDR of
    the policies holds the IPs of some of the StatefulSet's pods and not of others — then the
    pod is its own endpoint."""
    group = [ip for (ns, name), ip in pod_ips.items() if ns == namespace and workload(name) == workload(pod)]
    cidrs = []
    for d in policies:
        if d.get("kind") != "ClusterNetworkPolicy":
            continue
        for rule in d["spec"].get("ingress", []) + d["spec"].get("egress", []):
            for peer in rule.get("from", []) + rule.get("to", []):
                cidrs += [ipaddress.ip_network(c, strict=False) for c in peer.get("networks", [])]
    inside = lambda ip: tuple(ipaddress.ip_address(ip) in c for c in cidrs)
    split = len({inside(ip) for ip in group}) > 1
    return f"{namespace}/{pod if split else workload(pod)}"


def main():
    base = load_base()
    out_root = ROOT
    for entry in os.listdir(out_root):
        if os.path.isdir(os.path.join(out_root, entry)):
            shutil.rmtree(os.path.join(out_root, entry))
    with open(os.path.join(out_root, "base.yaml"), "w") as f:
        f.write("# network-policy-api conformance-base/manifests.yaml (Apache-2.0, see ATTRIBUTION.md),\n")
        f.write(f"# with the host network ports {', '.join(HOST_PORTS)} filled in\n")
        f.write(base)
        f.write("---\n# not upstream: the live cluster's node and pods, with made-up addresses (see port.py)\n")
        f.write(yaml.safe_dump_all([NODE] + live_pods(base), sort_keys=False))
    base_docs = [d for d in yaml.safe_load_all(base) if d] + [NODE] + live_pods(base)
    pod_ips = {(p["metadata"]["namespace"], p["metadata"]["name"]): p["status"]["podIP"] for p in live_pods(base)}
    on_host = host_networked(base)
    skipped = []
    total = 0
    tests_dir = os.path.join(SUITE, "conformance-tests")
    for go_file in sorted(os.listdir(tests_dir)):
        if not go_file.endswith(".go") or go_file == "main.go":
            continue
        go = open(os.path.join(tests_dir, go_file)).read()
        for name, manifest, body in tests_of(go):
            docs = list(yaml.safe_load_all(templated(os.path.join(SUITE, "conformance-base", manifest))))
            docs = [d for d in docs if d]
            state = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ClusterNetworkPolicy"}
            others = [d for d in docs if d["kind"] != "ClusterNetworkPolicy"]
            # pods the test fetches before its first subtest
            pods = {}
            first_run = body.find("t.Run(")
            for m in re.finditer(r'(\w+) :?= kubernetes\.GetPod\(t, s\.Client, "([^"]+)", "([^"]+)"', body[: max(first_run, 0)]):
                pods[m.group(1)] = (m.group(2), m.group(3))
            broken = None
            namespaces = {}
            for i, (title, statements) in enumerate(subtests(body)):
                if broken:
                    skipped.append(f"{name}/{i:02d} {title}: an earlier subtest changed a policy in a way not ported ({broken})")
                    continue
                try:
                    phases = run_subtest(statements, state, pods, others, namespaces, pod_ips)
                except Unsupported as e:
                    step, changed = e.args
                    skipped.append(f"{name}/{i:02d} {title}: step not ported: {step[:160]}")
                    if changed:
                        broken = step[:80]
                    continue
                if not phases:
                    skipped.append(f"{name}/{i:02d} {title}: no probe found")
                    continue
                directory = os.path.join(out_root, name)
                os.makedirs(directory, exist_ok=True)
                for k, (probes, labels) in enumerate(phases):
                    stem = f"{i:02d}" if k == 0 else f"{i:02d}-{k}"
                    header = (
                        f"# network-policy-api conformance: {name}, subtest {i}: {title}\n"
                        f"# from {go_file} and conformance-base/{manifest} (Apache-2.0, see ../ATTRIBUTION.md)\n"
                    )
                    if k > 0 or labels:
                        header += f"# phase {k}: after patching namespace labels to {labels}\n"
                    if labels:
                        with open(os.path.join(directory, f"{stem}.base.yaml"), "w") as f:
                            f.write(header + "# base.yaml with these namespace labels\n")
                            f.write(yaml.safe_dump_all(with_namespace_labels(base_docs, labels), sort_keys=False))
                    with open(os.path.join(directory, f"{stem}.policies.yaml"), "w") as f:
                        f.write(header)
                        f.write(yaml.safe_dump_all(list(state.values()) + others, sort_keys=False))
                    requirements = []
                    for n, (cns, client, proto, sns, server, port, ok) in enumerate(probes):
                        verdict = "allow" if ok else "deny"
                        # a host-networked server is reached at its node's address
                        policies = list(state.values())
                        to = NODE_IP if (sns, workload(server)) in on_host else endpoint(sns, server, policies, pod_ips)
                        requirements.append(
                            {
                                "name": f"probe {n}: {cns}/{client} to {sns}/{server} on {proto} {port} must {verdict}",
                                "from": endpoint(cns, client, policies, pod_ips),
                                "to": to,
                                "ports": [{"protocol": proto, "port": port}],
                                "expect": verdict,
                            }
                        )
                        total += 1
                    with open(os.path.join(directory, f"{stem}.requirements.yaml"), "w") as f:
                        f.write(header)
                        f.write(
                            yaml.safe_dump(
                                {"apiVersion": "netfence.dev/v1alpha1", "kind": "Requirements", "requirements": requirements},
                                sort_keys=False,
                                width=200,
                            )
                        )
    with open(os.path.join(out_root, "skipped.txt"), "w") as f:
        f.write("# subtests of the network-policy-api conformance suite not ported (see port.py)\n")
        f.write("\n".join(skipped) + "\n")
    print(f"{total} probes ported; {len(skipped)} subtests skipped")


if __name__ == "__main__":
    main()
