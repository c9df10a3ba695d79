#!/bin/bash
# usage: run.sh <cmd...>  -- runs in /tmp/s22walk/w with planner on PATH, logs
cd "${WALK_DIR:-/tmp/s22walk/w}"
export PATH=/tmp/s22walk/repo/.venv/bin:$PATH
echo "\$ $*" | tee -a /tmp/s22walk/log.txt
s=$(date +%s.%N)
bash -c "$*" > /tmp/s22walk/out.txt 2> /tmp/s22walk/err.txt
rc=$?
e=$(date +%s.%N)
echo "rc=$rc wall=$(echo "$e - $s" | bc) load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a /tmp/s22walk/log.txt
head -c ${MAXOUT:-4000} /tmp/s22walk/out.txt
echo "--stderr--"; head -c 3000 /tmp/s22walk/err.txt
