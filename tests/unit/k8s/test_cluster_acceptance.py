"""The built manifests are what a cluster accepts and what production needs (issue 8, item 8).

Offline: ``kubectl kustomize`` builds them; every object validates against pinned schemas
(Kubernetes' and KEDA's CRDs); then the production rules: autoscaling, disruption budgets,
network isolation, probes, resources, non-root, and a Secret behind every key.
"""

from __future__ import annotations

import copy
import os
import re

import pytest

from cheatcode_agent.config import RunSettings as AgentRunSettings
from cheatcode_billing.config import Settings as BillingSettings
from cheatcode_contracts import SERVICES
from cheatcode_integrations.config import DeploymentWorkflowSettings, EmailSettings
from tests.unit.k8s.cluster import (
    NoKubectlError,
    Object,
    built,
    containers,
    of_kind,
    pod_template,
    problems,
    selects,
)


@pytest.fixture(scope="module", autouse=True)
def kubectl() -> None:
    try:
        built()
    except NoKubectlError as error:
        if os.environ.get("CI"):
            raise  # CI must check them: `make test` installs kubectl first
        pytest.skip(str(error))


# --- what a cluster accepts ---------------------------------------------------------------------


def test_every_built_object_validates_against_the_pinned_schemas() -> None:
    found = {f"{obj['kind']}/{obj['metadata']['name']}": problems(obj) for obj in built()}
    assert {name: errors for name, errors in found.items() if errors} == {}
    kinds = {obj["kind"] for obj in built()}
    assert {"ScaledObject", "PodDisruptionBudget", "NetworkPolicy", "HorizontalPodAutoscaler"} <= kinds


def test_the_validators_refuse_what_a_cluster_would() -> None:
    deployment = copy.deepcopy(of_kind("Deployment")["api"])
    deployment["spec"]["replicas"] = "two"
    assert problems(deployment)
    deployment = copy.deepcopy(of_kind("Deployment")["api"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}  # a typo: strict schemas refuse
    assert problems(deployment)
    scaled = copy.deepcopy(of_kind("ScaledObject")["agent"])
    scaled["spec"]["minReplicas"] = 2  # the HPA's spelling, not KEDA's
    assert problems(scaled)
    scaled = copy.deepcopy(of_kind("ScaledObject")["agent"])
    del scaled["spec"]["triggers"][0]["type"]
    assert problems(scaled)


def test_everything_lands_in_one_namespace() -> None:
    namespaced = [obj for obj in built() if obj["kind"] != "Namespace"]
    assert {obj["metadata"].get("namespace") for obj in namespaced} == {"cheatcode"}


# --- scaling and disruption ---------------------------------------------------------------------


def consumer_triggers(name: str) -> set[tuple[str, str]]:
    scaled = of_kind("ScaledObject")[name]
    assert scaled["spec"]["scaleTargetRef"]["name"] == name
    triggers = scaled["spec"]["triggers"]
    assert {trigger["type"] for trigger in triggers} == {"nats-jetstream"}
    for trigger in triggers:
        assert trigger["metadata"]["natsServerMonitoringEndpoint"] == "nats.cheatcode.svc.cluster.local:8222"
    return {(trigger["metadata"]["stream"], trigger["metadata"]["consumer"]) for trigger in triggers}


def test_workers_scale_on_the_lag_of_the_durable_consumers_they_pull_from() -> None:
    agent, billing = AgentRunSettings.model_fields, BillingSettings.model_fields
    assert consumer_triggers("agent") == {("EVENTS", agent["consumer"].default)}
    assert consumer_triggers("billing") == {("EVENTS", billing["metering_durable"].default)}
    email = EmailSettings.model_fields
    assert consumer_triggers("integrations") == {
        ("EVENTS", DeploymentWorkflowSettings.model_fields["durable"].default),
        ("EVENTS", email["outbox_durable"].default),
        ("EVENTS", email["welcome_durable"].default),
    }


def test_the_api_scales_on_cpu_and_nothing_has_two_autoscalers() -> None:
    hpa_targets = [hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler").values()]
    assert hpa_targets == ["api"]
    keda_targets = {scaled["spec"]["scaleTargetRef"]["name"] for scaled in of_kind("ScaledObject").values()}
    assert keda_targets == {"agent", "billing", "integrations"}


def test_every_workload_has_a_disruption_budget_and_nats_keeps_its_quorum() -> None:
    budgets = list(of_kind("PodDisruptionBudget").values())
    workloads = {**of_kind("Deployment"), **of_kind("StatefulSet")}
    for name, workload in workloads.items():
        labels = pod_template(workload)["metadata"]["labels"]
        covering = [budget for budget in budgets if selects(budget["spec"]["selector"], labels)]
        assert len(covering) == 1, name
    nats = of_kind("StatefulSet")["nats"]
    assert nats["spec"]["replicas"] == 3
    assert of_kind("PodDisruptionBudget")["nats"]["spec"]["minAvailable"] == 2


# --- pods ---------------------------------------------------------------------------------------


def test_every_container_has_probes_and_bounded_resources() -> None:
    for name, workload in {**of_kind("Deployment"), **of_kind("StatefulSet")}.items():
        for container in containers(workload):
            assert {"readinessProbe", "livenessProbe", "startupProbe"} <= set(container), name
            resources = container["resources"]
            assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    for container in containers(of_kind("Job")["provision-streams"]):
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])


def test_nats_only_services_are_probed_over_nats_with_their_own_credentials() -> None:
    for name in set(SERVICES) - {"api"}:
        [container] = containers(of_kind("Deployment")[name])
        assert container["livenessProbe"]["exec"]["command"] == ["cheatcode", "probe", name]


def test_pods_run_as_non_root_except_the_sandbox_which_must_switch_uids() -> None:
    workloads = {**of_kind("Deployment"), **of_kind("StatefulSet"), **of_kind("Job")}
    for name, workload in workloads.items():
        spec = pod_template(workload)["spec"]
        assert spec.get("automountServiceAccountToken") is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            if name == "sandbox":
                # Root inside the pod only to drop each sandbox to its own uid (README of the sandbox).
                assert context["runAsUser"] == 0 and context["capabilities"] == {"add": ["SYS_ADMIN"]}
                continue
            assert spec["securityContext"]["runAsNonRoot"] is True, name
            assert spec["securityContext"]["runAsUser"] != 0, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["readOnlyRootFilesystem"] is True, name


SECRET_KEYS: dict[str, set[str]] = {
    "api": {"CHEATCODE_NATS_PASSWORD", "CHEATCODE_DATABASE_URL", "CHEATCODE_ADMIN_API_KEY", "INNGEST_SIGNING_KEY"},
    "agent": {"CHEATCODE_NATS_PASSWORD", "OPENROUTER_API_KEY"},
    "sandbox": {"CHEATCODE_NATS_PASSWORD"},
    "billing": {"CHEATCODE_NATS_PASSWORD", "CHEATCODE_ENCRYPTION_KEY", "POLAR_ACCESS_TOKEN", "POLAR_WEBHOOK_SECRET"},
    "integrations": {
        "CHEATCODE_NATS_PASSWORD",
        "CHEATCODE_ENCRYPTION_KEY",
        "COMPOSIO_API_KEY",
        "VERCEL_BEARER_TOKEN",
        "CHEATCODE_SMTP_HOST",
        "CHEATCODE_SMTP_USERNAME",
        "CHEATCODE_SMTP_PASSWORD",
    },
    "provision-streams": {"CHEATCODE_NATS_PASSWORD"},
}
SECRET_LOOKING = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|DATABASE_URL")


def secret_refs(workload: Object) -> dict[str, tuple[str, str]]:
    refs = {}
    for container in containers(workload):
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs[item["name"]] = (ref["name"], ref["key"])
    return refs


def test_every_key_comes_from_a_secret_and_no_secret_is_written_inline() -> None:
    workloads = {**of_kind("Deployment"), **of_kind("Job")}
    for name, keys in SECRET_KEYS.items():
        secret = "cheatcode-provisioner" if name == "provision-streams" else f"cheatcode-{name}"
        assert secret_refs(workloads[name]) == {key: (secret, key) for key in keys}, name
    for name, workload in workloads.items():
        for container in containers(workload):
            inline = [item["name"] for item in container.get("env", []) if "value" in item]
            assert not [env for env in inline if SECRET_LOOKING.search(env)], name
            assert "envFrom" not in container, name  # every key is named, so none goes unnoticed
    auth = of_kind("StatefulSet")["nats"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "auth", "secret": {"secretName": "nats-auth"}} in auth


# --- the network --------------------------------------------------------------------------------


def policies_for(labels: dict[str, str]) -> list[Object]:
    return [policy for policy in of_kind("NetworkPolicy").values() if selects(policy["spec"]["podSelector"], labels)]


def egress_ports(labels: dict[str, str]) -> set[int]:
    return {
        port["port"]
        for policy in policies_for(labels)
        for rule in policy["spec"].get("egress", [])
        for port in rule.get("ports", [])
    }


def labels_of(name: str) -> dict[str, str]:
    workloads = {**of_kind("Deployment"), **of_kind("StatefulSet")}
    labels: dict[str, str] = pod_template(workloads[name])["metadata"]["labels"]
    return labels


def test_everything_is_denied_unless_allowed() -> None:
    deny = of_kind("NetworkPolicy")["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_sandbox_pods_are_reached_only_by_the_api_preview_proxy_and_reach_only_nats() -> None:
    sandbox = labels_of("sandbox")
    ingress = [rule for policy in policies_for(sandbox) for rule in policy["spec"].get("ingress", [])]
    assert ingress == [
        {"from": [{"podSelector": {"matchLabels": {"service": "api"}}}], "ports": [{"protocol": "TCP", "port": 8090}]}
    ]
    assert egress_ports(sandbox) == {53, 4222}


def test_only_services_reach_nats_and_only_the_api_reaches_postgresql() -> None:
    nats = of_kind("NetworkPolicy")["nats"]["spec"]
    client_rules = [rule for rule in nats["ingress"] if {"protocol": "TCP", "port": 4222} in rule["ports"]]
    assert client_rules == [
        {"from": [{"podSelector": {"matchLabels": {"app": "cheatcode"}}}], "ports": [{"protocol": "TCP", "port": 4222}]}
    ]
    for name in SERVICES:
        assert labels_of(name)["app"] == "cheatcode" and 4222 in egress_ports(labels_of(name))
    assert pod_template(of_kind("Job")["provision-streams"])["metadata"]["labels"]["app"] == "cheatcode"
    assert {name for name in SERVICES if 5432 in egress_ports(labels_of(name))} == {"api"}
    assert 5432 not in egress_ports(labels_of("nats"))
