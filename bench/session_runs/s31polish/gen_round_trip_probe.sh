#!/bin/bash
# gen -> solve round trip per family and -o extension
cd /work/wt/s31polish
declare -A GEN=( [smtt]="--n 6 --tf 0.2 --rdd 0.6" [rcpsp]="--tasks 8" [offload]="" [seqpar]="--mix github --batch 8 --gpus 8" [train]="" [pipelining]="" )
for fam in smtt rcpsp seqpar train pipelining; do
  for ext in json jsonl txt sm rcp SCH mm npy toml foo ""; do
    for cnt in 1 2; do
      f=/tmp/s31p_gen/x_${fam}_${cnt}${ext:+.$ext}; rm -f $f ${f%.*}.json 2>/dev/null
      c=""; [ $cnt = 2 ] && c="--count 2"
      PYTHONPATH=. .venv/bin/planner gen $fam ${GEN[$fam]} $c -o $f >/dev/null 2>/tmp/s31p_gen/err; g=$?
      if [ $g = 0 ]; then PYTHONPATH=. .venv/bin/planner solve $fam $f -t 1 --json >/dev/null 2>/tmp/s31p_gen/err2; s=$?; else s=-; fi
      echo "$fam .$ext n=$cnt gen=$g solve=$s $( [ $g != 0 ] && head -c 150 /tmp/s31p_gen/err | tr '\n' ' ')$( [ "$s" != 0 ] && [ "$s" != - ] && tail -c 150 /tmp/s31p_gen/err2 | tr '\n' ' ')"
    done
  done
done
