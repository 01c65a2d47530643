#!/bin/sh
# upper.sh <input file> <output dir>: the OWSLib test's job type; upper-cases a text file.
set -e
tr a-z A-Z < "$1" > "$2/upper.txt"
cat > "$2/results_manifest.json" <<JSON
{"version": "1.1", "output_data": [{"name": "upper", "file": {"path": "upper.txt"}}]}
JSON
