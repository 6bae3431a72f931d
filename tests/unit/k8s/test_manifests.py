"""The Kubernetes manifests stay in step with the services the code defines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cheatcode_contracts import SERVICES

K8S = Path(__file__).resolve().parents[3] / "k8s"


def _documents() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        docs += [doc for doc in yaml.safe_load_all((K8S / resource).read_text()) if doc]
    return docs


def _deployments() -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in _documents() if doc["kind"] == "Deployment"}


def test_every_manifest_file_is_listed_in_the_kustomization() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    on_disk = {str(p.relative_to(K8S)) for p in K8S.rglob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk == listed


def test_each_service_has_its_own_deployment_with_its_own_nats_user() -> None:
    deployments = _deployments()
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", f"cheatcode_{name}"]
        env = {item["name"]: item.get("value") for item in container["env"]}
        assert env["CHEATCODE_NATS_USER"] == name
        assert container["resources"]["requests"]


def test_scalable_services_have_autoscalers() -> None:
    autoscalers = ("HorizontalPodAutoscaler", "ScaledObject")  # KEDA's ScaledObject drives an HPA of its own
    scaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in _documents() if doc["kind"] in autoscalers}
    assert {"api", "agent", "billing", "integrations"} <= scaled
