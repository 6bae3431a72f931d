"""System packages the stack needs beyond the venv: installed when possible, else the exact command.

``make up`` and ``make test`` run ``python -m cheatcode_infra.system_deps`` first, so a fresh
machine needs only those two commands. Today that is bubblewrap (``bwrap``), which every
sandbox runs in: without it the sandbox service answers 503.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SystemPackage:
    executable: str  # what must be on PATH
    apt_package: str
    why: str


BUBBLEWRAP = SystemPackage("bwrap", "bubblewrap", "sandboxes run in it (without it the sandbox service answers 503)")
REQUIRED: tuple[SystemPackage, ...] = (BUBBLEWRAP,)
# Only `make test` needs these (`system_deps.py --tests`): kubectl builds the k8s manifests offline.
KUBECTL = SystemPackage("kubectl", "kubernetes-client", "tests/unit/k8s builds the manifests with `kubectl kustomize`")
FOR_TESTS: tuple[SystemPackage, ...] = (KUBECTL,)


class MissingSystemPackageError(RuntimeError):
    pass


Runner = Callable[[Sequence[str]], int]


def _run(command: Sequence[str]) -> int:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(list(command), env=env, check=False).returncode


def ensure(
    package: SystemPackage,
    *,
    run: Runner = _run,
    which: Callable[[str], str | None] = shutil.which,
    is_root: Callable[[], bool] = lambda: os.geteuid() == 0,
) -> str:
    """``present``, or ``installed`` (root with apt-get); otherwise the error names the exact command."""
    if which(package.executable):
        return "present"
    install = ["apt-get", "install", "-y", "-q", package.apt_package]
    if is_root() and which("apt-get"):
        # A fresh image has no package lists yet: install, and on failure update and try once more.
        if run(install) != 0 and run(["apt-get", "update", "-q"]) == 0:
            run(install)
        if which(package.executable):
            return "installed"
        raise MissingSystemPackageError(
            f"{package.executable} is missing and `{' '.join(install)}` did not install it; {package.why}"
        )
    command = f"sudo {' '.join(install)}" if which("apt-get") else f"install the {package.apt_package} package"
    raise MissingSystemPackageError(f"{package.executable} is missing ({package.why}). Run: {command}")


def main(argv: Sequence[str] = ()) -> int:
    for package in (*REQUIRED, *(FOR_TESTS if "--tests" in argv else ())):
        try:
            outcome = ensure(package)
        except MissingSystemPackageError as error:
            print(f"cheatcode: {error}", file=sys.stderr)
            return 1
        if outcome == "installed":
            print(f"cheatcode: installed {package.apt_package} ({package.executable})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
