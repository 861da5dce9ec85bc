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

Host-networked servers (the suite's `centaur` pods) have their node's address as pod IP. The
porter stands in for the live cluster with one made-up `Node` (NODE below, appended to
`base.yaml`, labelled as a kind node is) and probes such a server at that address: to netfence
it is the node, which `nodes` peers select and pod selectors never do.
"""

import copy
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
        nxt = go.find("var ", start)
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


def run_subtest(statements, state, pods, others):
    """Interprets one subtest: returns its probes; updates `state` with its patches."""
    probes = []
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
        if m := re.match(r'(\w+) :?= kubernetes\.GetPod\(t, s\.Client, "([^"]+)", "([^"]+)"', s):
            pods[m.group(1)] = (m.group(2), m.group(3))
        elif m := re.match(r'cnp :?= kubernetes\.GetClusterNetworkPolicy\(t, s\.Client, "([^"]+)"', s):
            cnp_name = m.group(1)
        elif re.match(r"mutate :?= cnp\.DeepCopy\(\)$", s):
            mutate = copy.deepcopy(state[cnp_name])
        elif m := re.match(r"(\w+) :?= mutate(?:\.DeepCopy\(\))?\.Spec\.(Ingress|Egress)\[(\d+)\]$", s):
            env[m.group(1)] = copy.deepcopy(rule_list(mutate["spec"], m.group(2))[int(m.group(3))])
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
    return probes


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
        f.write("---\n# not upstream: the node host-networked pods run on (see port.py)\n")
        f.write(yaml.safe_dump(NODE, sort_keys=False))
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
            for i, (title, statements) in enumerate(subtests(body)):
                if broken:
                    skipped.append(f"{name}/{i:02d} {title}: an earlier subtest changed a policy in a way not ported ({broken})")
                    continue
                try:
                    probes = run_subtest(statements, state, pods, others)
                except Unsupported as e:
                    step, changed = e.args
                    skipped.append(f"{name}/{i:02d} {title}: step not ported: {step[:160]}")
                    if changed:
                        broken = step[:80]
                    continue
                directory = os.path.join(out_root, name)
                os.makedirs(directory, exist_ok=True)
                header = (
                    f"# network-policy-api conformance: {name}, subtest {i}: {title}\n"
                    f"# from {go_file} and conformance-base/{manifest} (Apache-2.0, see ../ATTRIBUTION.md)\n"
                )
                with open(os.path.join(directory, f"{i:02d}.policies.yaml"), "w") as f:
                    f.write(header)
                    f.write(yaml.safe_dump_all(list(state.values()) + others, sort_keys=False))
                requirements = []
                for n, (cns, client, proto, sns, server, port, ok) in enumerate(probes):
                    verdict = "allow" if ok else "deny"
                    # a host-networked server is reached at its node's address
                    to = NODE_IP if (sns, workload(server)) in on_host else f"{sns}/{workload(server)}"
                    requirements.append(
                        {
                            "name": f"probe {n}: {cns}/{client} to {sns}/{server} on {proto} {port} must {verdict}",
                            "from": f"{cns}/{workload(client)}",
                            "to": to,
                            "ports": [{"protocol": proto, "port": port}],
                            "expect": verdict,
                        }
                    )
                    total += 1
                with open(os.path.join(directory, f"{i:02d}.requirements.yaml"), "w") as f:
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
        f.write(
            "# The InlineCIDRPeers subtests probe pod-to-pod traffic against `networks` CIDRs by the pods' IPs,\n"
            "# which the base manifests do not have (netfence matches `networks` to pods by the IPs the input\n"
            "# gives, NF-W005 otherwise); they also patch namespace labels mid-subtest, and subtest 01 tells\n"
            "# apart two pods of one StatefulSet by IP, which is finer than a netfence endpoint.\n"
        )
        f.write("\n".join(skipped) + "\n")
    print(f"{total} probes ported; {len(skipped)} subtests skipped")


if __name__ == "__main__":
    main()
