#!/usr/bin/env bash
# Install the station, then scan the shipped sample pages through SANE, clean and OCR
# them, and deliver them over a private MQTT broker to a local reference register.
# Extra arguments go to `station demo` (e.g. --keep-running, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/station demo "$@"
