#!/bin/sh
# Before (main 4b0a50f, git archive to /tmp/s15off_base) and after (this branch) back to back, seed by seed:
# bench/offload_mip.py --budgets layer --threads 2, one seed per run. Writes ab_*.{csv,md} and ab_bench.log.
cd /work/wt/s15off
OUT=bench/session_runs/s15off
for seed in ${SEEDS:-1 2 3}; do
  for side in before after; do
    if [ $side = before ]; then PP=/tmp/s15off_base; else PP=/work/wt/s15off; fi
    echo "== $side seed $seed $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    PYTHONPATH=$PP /work/main/.venv/bin/python bench/offload_mip.py --budgets layer --threads 2 \
      --seeds $seed --out $OUT/ab_${side}_seed$seed 2>&1 | grep "^{"
  done
done
