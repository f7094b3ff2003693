"""The peer of Carnet's CDA import in `cargo bench -p carnet-vault-bench --bench documents`:
parse the same CR-BIO file into lxml's DOM (libxml2) RUNS times, find its result observations
and decode its embedded PDF, and print, as one JSON line, the median in milliseconds and the
peak memory the process used (ru_maxrss, KiB)."""
import base64
import json
import resource
import statistics
import sys
import time

from lxml import etree

NS = {"c": "urn:hl7-org:v3"}
path, runs = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(runs):
    start = time.perf_counter()
    tree = etree.parse(path, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    results = tree.findall(".//c:observation/c:templateId[@root='1.3.6.1.4.1.19376.1.3.1.6']", NS)
    media = tree.find(".//c:observationMedia/c:value", NS)
    pdf = base64.b64decode("".join(media.text.split())) if media is not None else b""
    times.append((time.perf_counter() - start) * 1000)
print(json.dumps({"median_ms": statistics.median(times), "results": len(results), "pdf_bytes": len(pdf),
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
