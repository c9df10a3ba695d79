#!/bin/bash
# usage: run.sh ID CWD CMD   -- CMD run by bash in CWD; logs rc, /usr/bin/time, load
id=$1; cwd=$2; shift 2
out=/tmp/s23readme/out/$id
cd "$cwd" || exit 99
export PATH=/tmp/s23readme_clone/.venv/bin:$PATH
n=0; [ "$id" = o02 ] && n=10
/usr/bin/time -f "%e wall %U user %S sys" -o $out.time timeout ${TMO:-1200} nice -n $n bash -c "$*" > $out.out 2> $out.err
rc=$?
echo "$id rc=$rc $(cat $out.time|tail -1) load=$(cut -d' ' -f1 /proc/loadavg) :: $*" >> /tmp/s23readme/out/log.txt
echo "$id rc=$rc $(cat $out.time|tail -1) load=$(cut -d' ' -f1 /proc/loadavg)"
