#!/usr/bin/env bash
# Install what the station needs on Debian 12: the system packages in
# image-build/apt-packages.txt and a virtual environment in .venv with the pinned
# Python packages. Safe to run again; it skips what is already there.
#   scripts/install.sh          the station
#   scripts/install.sh --test   the station and its test tools
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

mapfile -t wanted < <(grep -vE '^\s*(#|$)' image-build/apt-packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip==25.3"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
# The PP-OCRv4 models ship inside rapidocr-onnxruntime's wheel. The station reads
# only those model files and runs them with onnxruntime itself; the package's own
# requirements would pull in a second OpenCV beside opencv-python-headless, so it
# is installed without them.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
  "rapidocr-onnxruntime==1.4.4"
echo "Installed: $(.venv/bin/station --version)"
