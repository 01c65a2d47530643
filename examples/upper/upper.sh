#!/bin/sh
# upper.sh FILE...: writes every FILE upper-cased to result.txt in the working directory.
set -eu
: > result.txt
for f in "$@"; do tr a-z A-Z < "$f" >> result.txt; done
echo "upper-cased $# file(s)"
