#!/usr/bin/env bash
# make sbom: the software bill of materials (CycloneDX 1.5 JSON) of what a deployment installs,
# from uv.lock (every package pinned, with the SHA-256 of each distribution): var/sbom.cdx.json.
# SBOM_DEV=1 includes the development tools too; SBOM_OUT names another file.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_uv
out="${SBOM_OUT:-var/sbom.cdx.json}"
groups=(--no-dev)
[ -n "${SBOM_DEV:-}" ] && groups=(--all-groups)
mkdir -p "$(dirname "$out")"
uv export --format cyclonedx1.5 --preview-features sbom-export --frozen "${groups[@]}" --output-file "$out" >/dev/null
python3 - "$out" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
parts = bom.get("components", [])
hashed = sum(1 for c in parts if any(r.get("hashes") for r in c.get("externalReferences", [])))
print(f"{sys.argv[1]}: {bom['bomFormat']} {bom['specVersion']}, {len(parts)} components, {hashed} with SHA-256 hashes")
PY
