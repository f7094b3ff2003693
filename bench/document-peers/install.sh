#!/usr/bin/env bash
# The FHIR benchmark's peer: Python's fhir.resources (pydantic models of FHIR, from PyPI).
# Installed into a virtual environment under the target directory, never system-wide.
set -euo pipefail
venv="${1:?usage: install.sh VENV_DIR}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import fhir.resources" 2>/dev/null; then
    exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "fhir.resources>=7,<9"
