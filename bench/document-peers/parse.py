"""The peer of Carnet's FHIR import in `cargo bench -p carnet-vault-bench --bench documents`.

Given bundle files, takes the largest one that fhir.resources accepts (it validates strictly
and refuses some connectathon bundles), parses and validates it RUNS times with the pydantic
models, and prints, as one JSON line, that file and the median in milliseconds. fhir.resources
models R4B under `fhir.resources.R4B` (R4 itself is not shipped; R4B is R4 plus a few
additions); its default package is R5."""
import json
import os
import statistics
import sys
import time

from fhir.resources.R4B.bundle import Bundle

runs = int(sys.argv[1])
files = sorted(sys.argv[2:], key=os.path.getsize, reverse=True)
refused = []
for path in files:
    data = open(path, "rb").read()
    try:
        bundle = Bundle.model_validate_json(data)
    except Exception:  # noqa: BLE001 - a bundle the peer refuses: try the next
        refused.append(os.path.basename(path))
        continue
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        Bundle.model_validate_json(data)
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"file": path, "bytes": len(data), "entries": len(bundle.entry or []),
                      "median_ms": statistics.median(times), "refused_larger": refused}))
    break
