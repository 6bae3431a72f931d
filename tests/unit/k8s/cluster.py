"""The manifests as a cluster would receive them, and the checks a cluster would make, offline.

``kubectl kustomize k8s`` builds them (kubectl ships kustomize; no cluster is contacted).
Kubernetes objects are checked with ``kubernetes-validate`` against the strict JSON schemas
of one pinned Kubernetes version; KEDA's objects against the CRD schemas committed under
``k8s/schemas`` (from KEDA's own CRDs), made strict the way the Kubernetes ones are: an
object may not carry a field its schema does not name.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

K8S = Path(__file__).resolve().parents[3] / "k8s"
KUBERNETES_VERSION = "1.33.0"
KEDA_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): K8S / "schemas" / "keda-v2.20.2-scaledobject.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): K8S / "schemas" / "keda-v2.20.2-triggerauthentication.json",
}

Object = dict[str, Any]


class NoKubectlError(RuntimeError):
    pass


@functools.cache
def built() -> tuple[Object, ...]:
    """Every object ``kubectl kustomize k8s`` emits."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise NoKubectlError("kubectl is missing: `make system-deps` installs it (apt package kubernetes-client)")
    output = subprocess.run([kubectl, "kustomize", str(K8S)], check=True, capture_output=True, text=True).stdout
    return tuple(doc for doc in yaml.safe_load_all(output) if doc)


def strict(schema: Any) -> Any:
    """``schema`` with ``additionalProperties: false`` wherever it lists properties and allows no others."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strict(value) for key, value in schema.items()}
    if (
        "properties" in result
        and "additionalProperties" not in result
        and not result.get("x-kubernetes-preserve-unknown-fields")
    ):
        result["additionalProperties"] = False
    return result


@functools.cache
def crd_validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads(KEDA_SCHEMAS[(api_version, kind)].read_text())
    schema.pop("$comment", None)
    return jsonschema.Draft7Validator(strict(schema))


def problems(obj: Object) -> list[str]:
    """What a cluster would refuse in ``obj`` (empty: it is valid)."""
    key = (obj.get("apiVersion", ""), obj.get("kind", ""))
    if key in KEDA_SCHEMAS:
        return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in crd_validator(*key).iter_errors(obj)]
    if key[0].startswith("keda.sh/"):
        return [f"no committed schema for {key}"]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [str(error)]
    return []


def of_kind(kind: str) -> dict[str, Object]:
    return {obj["metadata"]["name"]: obj for obj in built() if obj["kind"] == kind}


def pod_template(workload: Object) -> Object:
    template: Object = workload["spec"]["template"]
    return template


def containers(workload: Object) -> Iterator[Object]:
    yield from pod_template(workload)["spec"]["containers"]


def selects(selector: Object, labels: dict[str, str]) -> bool:
    """A label selector (``matchLabels`` and ``In``/``NotIn``/``Exists`` expressions) on ``labels``."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True
