#!/bin/sh
# The example SEED job: greets every line of its input file (INPUT_TEXT) with the GREETING setting
# into $OUTPUT_DIR/greetings.txt, and reports how many lines it greeted as the JSON output LINES.
set -eu
echo "greeting the lines of $1 with \"$GREETING\" for $NAME"
: > "$OUTPUT_DIR/greetings.txt"
while IFS= read -r line; do
  echo "$GREETING, $line (from $NAME)" >> "$OUTPUT_DIR/greetings.txt"
done < "$1"
printf '{"lines": %s}\n' "$(wc -l < "$OUTPUT_DIR/greetings.txt")" > "$OUTPUT_DIR/seed.outputs.json"
