#!/usr/bin/env bash
# The document benchmark's peers, from PyPI: Python's fhir.resources (pydantic models of FHIR)
# and lxml (libxml2's DOM). Installed into a virtual environment under the target directory,
# never system-wide.
set -euo pipefail
venv="${1:?usage: install.sh VENV_DIR}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import fhir.resources, lxml" 2>/dev/null; then
    exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "fhir.resources>=7,<9" "lxml>=5,<7"
