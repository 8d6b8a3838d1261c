#!/usr/bin/env bash
# Build and install the compiled module (zhwb_native) on a machine that reaches Debian's
# package archive but not crates.io: the crates it needs (pyo3 0.17, regex 1.7,
# fancy-regex 0.7) come from Debian's librust-*-dev packages, which install a cargo
# directory registry under /usr/share/cargo/registry. Where crates.io is reachable,
# `pip install ./native` is all it takes.
#
# usage: bash native/install-offline.sh [python]   (default: python on PATH)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${1:-python}"
registry=/usr/share/cargo/registry
packages=(librust-pyo3-dev librust-regex-dev librust-fancy-regex-dev)

command -v cargo >/dev/null || export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v cargo >/dev/null; then
  echo "install-offline: no cargo on this machine; the Python code will be used" >&2
  exit 1
fi
if ! ls -d "$registry"/pyo3-0.17.* "$registry"/fancy-regex-0.7.* >/dev/null 2>&1; then
  apt-get install -y -q "${packages[@]}" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${packages[@]}" >/dev/null; }
fi

cargo_home="$(mktemp -d)"
trap 'rm -rf "$cargo_home"' EXIT
cat > "$cargo_home/config.toml" <<TOML
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "$registry"

[net]
offline = true
TOML
CARGO_HOME="$cargo_home" "$python" -m pip install --quiet "$here"
"$python" -c "import zhwb_native; print('zhwb_native installed:', zhwb_native.__file__)"
