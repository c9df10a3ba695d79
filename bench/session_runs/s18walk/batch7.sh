R=/tmp/s18walk/repo
for s in train_validation train_hetero train_anchors train_speed_1t serve_validation serve_simulator seqpar_wikipedia offload_policies offload_mip pipelining_bench bench_plugins bench_scale time_limits; do
./run.sh h_$s $R "nice -n 10 .venv/bin/python bench/$s.py --help"
done
./run.sh h_pb_k $R 'nice -n 10 .venv/bin/python bench/pipelining_bench.py kernels --help'
./run.sh h_bp_r $R 'nice -n 10 .venv/bin/python bench/bench_plugins.py reproduce --help'
./run.sh h_bp_s $R 'nice -n 10 .venv/bin/python bench/bench_plugins.py sleep --help'
./run.sh h_bs_e $R 'nice -n 10 .venv/bin/python bench/bench_scale.py executors --help'
./run.sh h_bs_k $R 'nice -n 10 .venv/bin/python bench/bench_scale.py kill --help'
./run.sh links $R 'nice -n 10 .venv/bin/python bench/session_runs/s18docs/check_links.py'
./run.sh sleep10 $R 'nice -n 10 .venv/bin/python bench/bench_plugins.py sleep --count 10 -t 1'
