#!/usr/bin/env bash
# The light core, for real: a fresh venv (no system site-packages), `pip install -e .` with no extras,
# then the core commands must work without torch and dask: `benchkit list` shows wgan inactive with its
# install hint, `benchkit evaluate` scores two CSVs, `benchkit demo --quick` writes its HTML report (the
# baselines alone), and the Dask executor refuses with its install hint. A couple of minutes with pip's cache.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
VENV="${BENCHKIT_LIGHT_VENV:-/tmp/bk-light}"
started=$SECONDS

fail() { echo "light_core: FAILED: $*" >&2; exit 1; }
step() { echo "light_core: [$((SECONDS - started)) s] $*"; }

unset PYTHONPATH BENCHKIT_LOAD_PLUGINS BENCHKIT_PEER_PYTHON  # the venv's own install, nothing else
rm -rf "$VENV"
step "python -m venv $VENV"
python -m venv "$VENV" || fail "cannot create the venv $VENV"
PY="$VENV/bin/python"
BK="$VENV/bin/benchkit"
step "pip install -e . (no extras)"
"$PY" -m pip install -q --upgrade pip >/dev/null || fail "cannot upgrade pip in the venv"
"$PY" -m pip install -q -e "$REPO" || fail "pip install -e . (no extras) failed"

for mod in torch dask distributed; do
    if "$PY" -c "import $mod" 2>/dev/null; then
        fail "'import $mod' works in the light venv: something in the core dependencies pulls it in"
    fi
done
step "torch, dask and distributed are not installed (as intended)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

"$BK" list > list.txt 2>&1 || { cat list.txt; fail "benchkit list exited non-zero"; }
grep -q "pip install 'benchkit\[wgan\]'" list.txt || { cat list.txt; fail "benchkit list does not show wgan inactive with the hint pip install 'benchkit[wgan]'"; }
grep -q "gaussian_copula" list.txt || { cat list.txt; fail "benchkit list does not show the baselines"; }
step "benchkit list: $(grep -m1 "torch is not installed" list.txt | sed 's/^ *//')"

"$PY" - <<'PY' || fail "cannot write the two CSVs"
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
for name, shift in (("a.csv", 0.0), ("b.csv", 0.3)):
    x = rng.normal(10 + shift, 2, 500)
    pd.DataFrame({"x": x, "k": rng.integers(0, 20, 500), "colour": rng.choice(["red", "green", "blue"], 500),
                  "label": np.where(x + rng.normal(0, 1, 500) > 10, "yes", "no")}).to_csv(name, index=False)
PY
"$BK" evaluate a.csv b.csv --target label > evaluate.txt 2>&1 || { cat evaluate.txt; fail "benchkit evaluate a.csv b.csv exited non-zero"; }
grep -qi "overall" evaluate.txt || { cat evaluate.txt; fail "benchkit evaluate printed no overall score"; }
step "benchkit evaluate a.csv b.csv: $(grep -m1 -i "overall" evaluate.txt | sed 's/^ *//')"

set +e
"$BK" run --datasets a.csv:target=label --generators independent --seeds 1 --dask-local 1 --no-progress \
    --out dask-res > dask.txt 2>&1
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "pip install 'benchkit\[dask\]'" dask.txt \
    || { cat dask.txt; fail "benchkit run --dask-local without dask: expected exit 2 and the hint pip install 'benchkit[dask]' (exit $rc)"; }
step "benchkit run --dask-local: $(tail -n1 dask.txt)"

"$BK" demo --quick --out demo > demo.txt 2>&1 || { tail -n 40 demo.txt; fail "benchkit demo --quick exited non-zero"; }
[ -s demo/report.html ] || { tail -n 40 demo.txt; fail "benchkit demo --quick wrote no demo/report.html"; }
grep -q "wgan is inactive" demo.txt || { tail -n 40 demo.txt; fail "benchkit demo did not say that it runs without wgan"; }
grep -q "gaussian_copula" demo/report.html || fail "the demo report does not show the baselines"
step "benchkit demo --quick: $(grep -m1 "demo finished" demo.txt), report $(du -h demo/report.html | cut -f1)"

echo "light_core: OK in $((SECONDS - started)) s"
