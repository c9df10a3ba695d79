#!/bin/bash
# run every ID|CMD line of $1 in /tmp/s23readme/w
while IFS='|' read -r id cmd; do
  [ -z "$id" ] && continue
  /tmp/s23readme/runnd.sh "$id" /tmp/s23readme/nodata/repo "$cmd"
done < "$1"
