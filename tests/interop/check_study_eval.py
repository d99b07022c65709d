"""poolnet's evaluation suites against their PyTorch version (experiments/bench/torch_eval.py).

Trains two small Fashion-MNIST models with `poolnet train` (1 epoch on the first 3,000 training
images: a narrow VGG with batch norm, circular padding and max_blur_pool, whose blur comes from
models/torch_modules.py, and a LeNet with APS), evaluates each with `poolnet eval` and with
`experiments/bench/torch_study.py --checkpoint` on the same weights and the first 400 test
images (both shift modes, a 150-image grid, 150 suite images), and requires the two to agree:

  - accuracy-like metrics (clean_acc, consistency, flip_rate, acc_shift_mean, acc_shift_min, every
    grid and diagonal point, worst_shift_acc) within one image's share of their count, and the
    per-image outcomes (correct, consistent, flipped) differing in at most one image: the two
    forward passes sum in different orders (float32), so a logit pair closer than about 1e-6 may
    order differently, and nothing else may differ. The consistency draws (Philox streams) and
    the shifts must match image by image for this to hold;
  - prob_change and every per-layer equivariance error within 1e-4 relative plus 1e-6 absolute:
    the values are means of float32 softmax outputs or of norms of float32 activations, whose
    rounding differs between the two by about 1e-7 relative; layers that are exactly
    equivariant read 0 in one and 1e-8 to 1e-7 (rounding) in the other, hence the absolute floor.

Also checks the script's errors (a missing checkpoint, a suite it does not mirror, --jobs 0, an
unknown strategy, an unknown shift mode).
Exits with 77 (skipped) when torch or Fashion-MNIST is missing. Usage: check_study_eval.py POOLNET WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SKIPPED = 77
sys.path.insert(0, os.path.join(ROOT, "experiments", "bench"))
try:
    import torch_recipe  # imports torch
except ImportError:
    print("check_study_eval: PyTorch is not installed for this interpreter: skipped")
    sys.exit(SKIPPED)

STUDY = os.path.join(ROOT, "experiments", "bench", "torch_study.py")
DATA = ["--dataset", "fashion-mnist", "--train-samples", "3000", "--test-samples", "400"]
EVAL = ["--test-samples", "400", "--shift-modes", "circular,zeros", "--max-shift", "4", "--grid-samples", "150",
        "--suite-samples", "150", "--suites", "translation,worst_shift"]
MODELS = {
    "vgg_max_blur": ["--model", "vgg", "--width", "0.25", "--batch-norm", "--head", "gap", "--padding-mode",
                     "circular", "--downsample", "max_blur_pool:filter=3"],
    "lenet_aps": ["--model", "lenet", "--head", "gap", "--padding-mode", "circular", "--downsample", "aps"],
}
RELATIVE, ABSOLUTE = 1e-4, 1e-6
ACCURACY_METRICS = ["clean_acc", "consistency", "acc_shift_mean", "acc_shift_min"]


def close(a, b):
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b)) + ABSOLUTE


def compare(name, ours, theirs, n, grid_n, suite_n):
    """The disagreements between poolnet's eval.json and torch_study's JSON, as messages."""
    problems = []
    if [m["mode"] for m in ours["shift"]] != [m["mode"] for m in theirs["shift"]]:
        return [f"{name}: shift modes {[m['mode'] for m in ours['shift']]} vs {[m['mode'] for m in theirs['shift']]}"]
    for a, b in zip(ours["shift"], theirs["shift"]):
        where = f"{name} {a['mode']}"
        for key in ACCURACY_METRICS:
            share = 1 / grid_n if key.startswith("acc_shift") else 1 / n
            if abs(a[key] - b[key]) > share + 1e-12:
                problems.append(f"{where}: {key} poolnet {a[key]} PyTorch {b[key]} (more than one image apart)")
        if abs(a["flip_rate"] - b["flip_rate"]) > 1 / (4 * n) + 1e-12:
            problems.append(f"{where}: flip_rate poolnet {a['flip_rate']} PyTorch {b['flip_rate']}")
        if not close(a["prob_change"], b["prob_change"]):
            problems.append(f"{where}: prob_change poolnet {a['prob_change']} PyTorch {b['prob_change']}")
        for key in ("correct", "consistent", "flipped"):
            differing = [i for i, (p, q) in enumerate(zip(a[key], b[key])) if p != q]
            if len(a[key]) != n or len(b[key]) != n or len(differing) > 1:
                problems.append(f"{where}: per-image '{key}' differs at images {differing[:10]} "
                                f"(lengths {len(a[key])}, {len(b[key])}, expected {n})")
        for curve in ("grid", "diagonal"):
            pa, pb = a[curve], b[curve]
            if [p[:-1] for p in pa] != [p[:-1] for p in pb]:
                problems.append(f"{where}: {curve} points differ in their shifts")
            elif any(abs(p[-1] - q[-1]) > 1 / grid_n + 1e-12 for p, q in zip(pa, pb)):
                problems.append(f"{where}: {curve} accuracies differ by more than one image")
    layers = lambda r: [(e["layer"], e["type"], e["stride"], e["shift"]) for e in r["equivariance"]]
    if layers(ours) != layers(theirs) or not ours["equivariance"]:
        problems.append(f"{name}: equivariance rows differ: {layers(ours)[:5]}... vs {layers(theirs)[:5]}...")
    else:
        for a, b in zip(ours["equivariance"], theirs["equivariance"]):
            if not close(a["error"], b["error"]):
                problems.append(f"{name}: equivariance {a['layer']} t={a['shift']}: poolnet {a['error']} "
                                f"PyTorch {b['error']}")
    worst = lambda r: dict(m for s in r["suite_results"] for m in s["metrics"])["worst_shift_acc"]
    if abs(worst(ours) - worst(theirs)) > 1 / suite_n + 1e-12:
        problems.append(f"{name}: worst_shift_acc poolnet {worst(ours)} PyTorch {worst(theirs)}")
    return problems


def comparison_fails(name, ours, theirs):
    """compare() must see a 2-image change of one outcome, and a 1e-3 relative change of one equivariance error."""
    problems = []
    for key, mutate in (("consistent", lambda r: r["shift"][0].update(
            consistent="".join("1" if c == "0" else "0" for c in r["shift"][0]["consistent"][:2]) +
            r["shift"][0]["consistent"][2:])),
                        ("equivariance", lambda r: r["equivariance"][-1].update(
                            error=r["equivariance"][-1]["error"] * 1.001 + 1e-5))):
        changed = json.loads(json.dumps(theirs))
        mutate(changed)
        if not compare(name, ours, changed, 400, 150, 150):
            problems.append(f"{name}: the comparison misses a change of {key}")
    return problems


def expect_error(args, status, text, work):
    result = subprocess.run([sys.executable, STUDY, *args], capture_output=True, text=True, cwd=work)
    lines = result.stderr.strip().splitlines()
    if result.returncode != status or not lines or text not in lines[-1]:
        return [f"torch_study.py {' '.join(args)}: exit {result.returncode} (expected {status}), stderr "
                f"{result.stderr.strip()!r} (expected '{text}')"]
    return []


def main():
    poolnet, work = os.path.abspath(sys.argv[1]), sys.argv[2]
    if torch_recipe.find_idx_folder("fashion-mnist") is None:
        print("check_study_eval: fashion-mnist is not installed (apt-get install dataset-fashion-mnist): skipped")
        sys.exit(SKIPPED)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    binary = ["--binary", poolnet]
    problems = []
    for name, model in MODELS.items():
        out = os.path.join(work, name)
        subprocess.run([poolnet, "train", *DATA, *model, "--epochs", "1", "--batch", "64", "--lr", "0.05",
                        "--quiet", "--out", out], check=True, stdout=subprocess.DEVNULL)
        checkpoint = os.path.join(out, "model.safetensors")
        subprocess.run([poolnet, "eval", "--checkpoint", checkpoint, *EVAL, "--json", os.path.join(out, "eval.json")],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, STUDY, *binary, "--checkpoint", checkpoint, *EVAL, "--threads", "2", "--json",
                        os.path.join(out, "torch_eval.json")], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "eval.json")) as f:
            ours = json.load(f)
        with open(os.path.join(out, "torch_eval.json")) as f:
            theirs = json.load(f)
        found = compare(name, ours, theirs, 400, 150, 150)
        problems += found + comparison_fails(name, ours, theirs)
        print(f"check_study_eval: {name}: clean_acc {ours['shift'][0]['clean_acc']:.4f}, "
              f"{len(ours['equivariance'])} equivariance rows, {len(found)} disagreement(s)")
    checkpoint = os.path.join(work, "vgg_max_blur", "model.safetensors")
    problems += expect_error([*binary, "--checkpoint", os.path.join(work, "missing.safetensors")], 2,
                             "--checkpoint", work)
    problems += expect_error([*binary, "--checkpoint", checkpoint, "--suites", "translation,scale"], 1,
                             "--suites: 'scale' is not one this script mirrors", work)
    problems += expect_error([*binary, "--jobs", "0", "--out", os.path.join(work, "study")], 2,
                             "--jobs: 0 is out of range", work)
    problems += expect_error([*binary, "--strategies", "bogus_pool", "--train-samples", "100", "--out",
                              os.path.join(work, "study")], 1, "unknown strategy 'bogus_pool'", work)
    problems += expect_error([*binary, "--checkpoint", checkpoint, "--shift-modes", "diagonal"], 1,
                             "--shift-modes: unknown 'diagonal'", work)
    for p in problems:
        print(f"check_study_eval: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
