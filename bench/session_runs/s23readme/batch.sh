#!/bin/bash
# run every ID|CMD line of $1 in /tmp/s23readme/w
while IFS='|' read -r id cmd; do
  [ -z "$id" ] && continue
  /tmp/s23readme/run.sh "$id" /tmp/s23readme/w "$cmd"
done < "$1"
