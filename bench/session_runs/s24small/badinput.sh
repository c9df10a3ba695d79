#!/bin/sh
# Bad-input sweep of the flags session 23 added, against the code at $1.
# Usage: sh badinput.sh /work/main > badinput_main.txt 2>&1
CODE=$1
P="env PYTHONPATH=$CODE nice -n 10 /work/main/.venv/bin/planner"
T=/tmp/s24small/bad; mkdir -p $T
S="plan serve --model llama-3.1-8b --qps 5 --prompt-tokens 512 --output-tokens 128 --ttft 1s --tpot 50ms -t 5 --threads 1 --gpus H100:2"
R="plan train --model gpt-1.7b --gpus 16xA100 -B 64 -s 1024 -t 5 --threads 1"
printf '[gpu.H100\non_demand = 3\n' > $T/badtoml.toml
printf '[gpu.H100]\non_demand = -1.0\n' > $T/neg.toml
printf '[gpu.NOSUCHGPU]\non_demand = 1.0\n' > $T/unknown.toml
printf '[gpu.A100]\non_demand = 1.0\n' > $T/other.toml
printf '[gpu.H100]\non_demand = "x"\n' > $T/str.toml
printf '' > $T/empty.toml
printf '{"tp": 2,' > $T/bad.json
printf '[1, 2]' > $T/list.json
printf '{"zero_optimization": {"stage": 5}}' > $T/ds.json
printf '{"train_micro_batch_size_per_gpu": "x"}' > $T/mb_str.json
printf '{"train_micro_batch_size_per_gpu": 0}' > $T/mb0.json
printf '{"train_micro_batch_size_per_gpu": -2}' > $T/mbneg.json
printf '{"train_micro_batch_size_per_gpu": 2.5}' > $T/mbfloat.json
printf '{"train_micro_batch_size_per_gpu": NaN}' > $T/mbnan.json
printf '{"train_batch_size": 1e400}' > $T/tbinf.json
printf '{"zero_optimization": 3}' > $T/zflat.json
printf '{"tensor_parallel": {"autotp_size": 0}}' > $T/tp0.json
printf '{"pipeline": {"stages": true}}' > $T/ppbool.json
printf '{"bf16": {"enabled": "yes"}}' > $T/bf16.json
printf '{"train_batch_size": 64, "train_batch_size": 32}' > $T/dup.json
printf '\xff\xfe{' > $T/binary.json
printf '[gpu.H100]\non_demand = 1.0\n' > $T/h100only.toml
printf '[gpu.A100]\non_demand = 1.0\n[gpu.A100-80GB]\non_demand = 2.0\n' > $T/twice.toml
printf '[gpu.A100]\non_demand = inf\n' > $T/inf.toml
printf '[gpu.A100]\non_demand = 1.0\nspot = -1\n' > $T/negspot.toml
printf '[gpu.A100]\non_demand = 1.0\nspot_preemption_per_hour = 2\n' > $T/preempt.toml
printf '[gpu.A100]\non_demand = 1.0\nfoo = 2\n' > $T/extra.toml
printf 'gpu = 3\n' > $T/gpuscalar.toml
run() { echo "== $*"; $P "$@" > $T/out.txt 2> $T/err.txt; rc=$?; echo "rc=$rc"; tail -n 3 $T/err.txt; grep -c Traceback $T/err.txt $T/out.txt; }
for cmd in "$S" "$R"; do
  run $cmd --pricing bogus
  run $cmd --pricing spot --prices $T/missing.toml
  run $cmd --prices $T/missing.toml
  run $cmd --prices $T/badtoml.toml
  run $cmd --prices $T/neg.toml
  run $cmd --prices $T/unknown.toml
  run $cmd --prices $T/other.toml
  run $cmd --prices $T/str.toml
  run $cmd --prices $T/empty.toml
  run $cmd --prices $T
done
run $R --from deepspeed $T/bad.json
run $R --from deepspeed $T/list.json
run $R --from deepspeed $T/ds.json
run $R --from deepspeed $T/missing.json
for f in mb_str mb0 mbneg mbfloat mbnan tbinf zflat tp0 ppbool bf16 dup binary; do run $R --from deepspeed $T/$f.json; done
for f in h100only twice inf negspot preempt extra gpuscalar; do run $R --prices $T/$f.toml; done
run $R --pricing spot --prices $T/h100only.toml
run $R --pricing reserved --prices $T/negspot.toml
run $S --pricing spot --gpus MI300X:2
run $R --prices $T/neg.toml -o $T/neg.toml
run $R --from torchtitan $T/bad.json
run $R --from nosuch $T/bad.json
for pad in 0 -1 1e9 abc "" 1.5 99999; do run $S --engine "vllm,pad=$pad"; done
run $S --engine "trtllm,pad=8192"
