#!/bin/bash
# usage: run.sh ID CWD CMD...   (CMD is a single string run by bash)
id=$1; cwd=$2; shift 2
out=/tmp/s18walk/out/$id
export PATH=/tmp/s18walk/bin:$PATH
cd "$cwd" || exit 99
case "$cwd" in /tmp/s18walk_nd*) export PLANNER_REPO=/tmp/s18walk_nd/repo;; *) export PLANNER_REPO=/tmp/s18walk/repo;; esac
export PYTHONPATH=$PLANNER_REPO
start=$(date +%s.%N)
/usr/bin/time -f "%e wall %U user %S sys" -o $out.time timeout 900 bash -c "$*" > $out.out 2> $out.err
rc=$?
echo "$id rc=$rc $(cat $out.time) load=$(cut -d' ' -f1 /proc/loadavg) :: $*" >> /tmp/s18walk/out/log.txt
echo "$id rc=$rc $(cat $out.time)"
