for b in s22walk s22small s22j60 s22kort s22gemm s22burst; do
  cd /tmp/s22rev_$b
  files=$(git diff --name-only --diff-filter=AM d8ab2500 HEAD -- 'tests/*.py' | grep -v helpers | grep -v conftest | grep -v corpus.py)
  [ "$b" = s22walk ] || [ "$b" = s22small ] && files="$files tests/cli"
  start=$(date +%s)
  PYTHONPATH=. nice -n 5 timeout 1800 .venv/bin/python -m pytest -n 0 -q --no-header -p no:cacheprovider $files > /tmp/s22rev_out/tests_$b.txt 2>&1
  echo "rc=$? secs=$(( $(date +%s)-start )) files=$files $(uptime)" >> /tmp/s22rev_out/tests_$b.txt
done
