import glob, sys
from planner.offload.readers import read
from planner.core.errors import InputError
files = sorted(set(glob.glob("instances/offload/**/*.*", recursive=True) + glob.glob("tests/data/**/*offload*", recursive=True)+glob.glob("tests/data/offload/**/*.*", recursive=True) + glob.glob("bench/**/off*.json*", recursive=True) + glob.glob("/work/shared/data/**/*.json*", recursive=True)+glob.glob("planner/offload/**/*.json*", recursive=True)))
ok=bad=0
for f in files:
    if not f.endswith((".json",".jsonl",".npy")): continue
    try:
        read(f); ok+=1
    except InputError as e:
        s=str(e)
        if any(k in s for k in ("seed","tokens","prefix","stability","reroute","zipf","drift","generator","preset")):
            print("REFUSED", f, s[:200]); bad+=1
    except Exception as e:
        pass
print(ok, bad)
