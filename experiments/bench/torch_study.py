#!/usr/bin/python3
"""poolnet's study in PyTorch: train strategies x seeds of a poolnet TOML config and evaluate them.

For each strategy x seed of the config (the keys and overrides of `poolnet ablate`), builds the
model from `poolnet inspect --format torch` (the strategies PyTorch lacks come from
models/torch_modules.py), trains it with the config's recipe (experiments/bench/torch_recipe.py
mirrors poolnet's data, batches, augmentation, initialisation, optimizer, schedule and loss),
then evaluates the suites poolnet's study runs by default, `translation` and `worst_shift`, with
poolnet's definitions, image counts, shifts and random draws (experiments/bench/torch_eval.py;
docs/metrics.md). Writes OUT/summary.csv with the columns of poolnet's summary.csv (one row per
strategy x seed x shift mode) and each run's metrics as OUT/runs/<strategy>-seed<N>/eval.json
(the keys of poolnet's eval.json for these suites). It is the PyTorch side of
experiments/bench/time_study.py, which times it against `poolnet ablate` (docs/performance.md).

  /usr/bin/python3 experiments/bench/torch_study.py --config experiments/configs/default.toml --out DIR \\
      [--strategies a,b] [--seeds N] [--epochs E] [--train-samples N] [--test-samples N] [--threads T] [--jobs J]

Runs go one after another in this process with --threads PyTorch threads (0: all cores), or with
--jobs J in J processes at once, each with max(1, threads / J) threads. The seeds give other draws
than poolnet's (initialisation, order, augmentation): the trained models are not poolnet's, the
evaluation of a model is. --checkpoint MODEL.safetensors skips training: it loads a model that
`poolnet train` or `poolnet ablate` saved into the exported PyTorch model and evaluates it as
`poolnet eval --checkpoint MODEL.safetensors` does (its data set, test images and evaluation seed
from the checkpoint; --test-samples, --max-shift, --shift-modes, --grid-samples, --suite-samples as
poolnet eval takes them), writing --json (default: torch_eval.json beside the checkpoint).
"""
import argparse
import concurrent.futures
import csv
import io
import json
import multiprocessing
import os
import struct
import subprocess
import sys
import time
import tomllib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_eval  # noqa: E402
import torch_recipe  # noqa: E402

SUITES = ["translation", "worst_shift"]  # the suites mirrored, in poolnet's registry order
# poolnet's evaluation defaults (experiments/cli/cli_common.h ShiftOptions; the default suites).
EVAL_DEFAULTS = {"max-shift": -1, "shift-modes": "circular,zeros", "grid-samples": 2000,
                 "suites": "translation,worst_shift", "suite-samples": 2000}
METRICS = ["clean_acc", "consistency", "flip_rate", "prob_change", "acc_shift_mean", "acc_shift_min"]


def fail(message):
    sys.exit(f"torch_study: {message}")


def as_list(value):
    return [part for piece in (value if isinstance(value, list) else [value]) for part in str(piece).split(",") if part]


def eval_options(table, args, quick, image_size, seed):
    """The evaluation options of `poolnet ablate` / `poolnet eval`: defaults, then the config, then the flags."""
    o = dict(EVAL_DEFAULTS)
    o.update({k: table[k] for k in EVAL_DEFAULTS if k in table})
    for key in EVAL_DEFAULTS:
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            o[key] = value
    if quick:  # experiments/cli/cli_ablate.cpp
        o["grid-samples"] = min(o["grid-samples"] if o["grid-samples"] > 0 else 200, 200)
        o["suite-samples"] = min(o["suite-samples"] if o["suite-samples"] > 0 else 200, 200)
    K = 4 if o["max-shift"] < 0 else o["max-shift"]
    if 2 * K >= min(image_size):
        fail(f"--max-shift: {K} px is too large for {image_size[0]}x{image_size[1]} images "
             f"(at most {(min(image_size) - 1) // 2})")
    modes = ["zeros" if m == "zero" else m for m in as_list(o["shift-modes"])]
    for m in modes:
        if m not in ("circular", "zeros", "crop"):
            fail(f"--shift-modes: unknown '{m}' (valid: circular, zeros, crop)")
    if not modes:
        fail("--shift-modes: give at least one of circular, zeros, crop")
    named = as_list(o["suites"])
    for s in named:
        if s not in SUITES:
            fail(f"--suites: '{s}' is not one this script mirrors (it mirrors poolnet's default suites: "
                 f"{', '.join(SUITES)})")
    if not named:
        fail(f"--suites: give at least one of {', '.join(SUITES)}")
    for key in ("grid-samples", "suite-samples"):
        if o[key] < 0:
            fail(f"--{key}: {o[key]} is negative (0: all images)")
    return {"max_shift": K, "shift_modes": modes, "grid_samples": o["grid-samples"],
            "suite_samples": o["suite-samples"], "suites": [s for s in SUITES if s in named], "seed": seed,
            "batch": torch_eval.EVAL_BATCH}


def layer_table(binary, recipe, strategy, shape, classes=None):
    """(name, type, cumulative stride, 0 when not spatial) of each top-level layer, and the model's name."""
    command = [binary, "inspect", "--model", recipe["model"], "--downsample", strategy, "--head", recipe["head"],
               "--padding-mode", recipe["padding-mode"], "--width", str(recipe["width"]), "--depth",
               str(recipe["depth"]), "--input", ",".join(map(str, shape)), "--json"]
    command += (["--batch-norm"] if recipe["batch-norm"] else []) + (["--classes", str(classes)] if classes else [])
    info = json.loads(subprocess_output(command))
    layers = [(l["name"], l["type"], l["stride"][1] if len(l["output_shape"]) == 3 else 0) for l in info["layers"]]
    return layers, info["spec"]["name"]


def subprocess_output(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return result.stdout


def test_images(data):
    """The test images raw (v * (1/255) in float32, as poolnet's Dataset::images) and their labels."""
    _, _, tx, ty = data
    return tx.float() * (torch.tensor(1.0) / torch.tensor(255.0)), ty


# One run in a worker: the data and recipe are loaded once per process.
_STATE = {}


def init_worker(recipe, threads):
    torch.set_num_threads(threads)
    _STATE["recipe"], _STATE["data"] = recipe, torch_recipe.load_data(recipe)


def run_one(binary, strategy, seed, options, out):
    recipe, data = _STATE["recipe"], _STATE["data"]
    shape = tuple(data[0].shape[1:])
    start = time.perf_counter()
    model = torch_recipe.train_model(binary, recipe, strategy, seed, data)
    train_seconds = time.perf_counter() - start
    layers, name = layer_table(binary, recipe, strategy, shape)
    net = torch_eval.Classifier(model, *torch_recipe.STATISTICS[recipe["dataset"]], layers)
    images, labels = test_images(data)
    result = torch_eval.evaluate(net, images, labels, options)
    result.update({"strategy": strategy, "seed": seed, "model": name, "dataset": recipe["dataset"],
                   "epochs": recipe["epochs"], "train_seconds": train_seconds,
                   "eval_seconds": time.perf_counter() - start - train_seconds})
    folder = os.path.join(out, "runs", f"{strategy.replace(':', '_')}-seed{seed}")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "eval.json"), "w") as f:
        json.dump(result, f, indent=2)
    return result


def summary_csv(results):
    """poolnet's summary.csv (experiments/study/report_tables.cpp) for one configuration."""
    metrics = [m for r in results[:1] for s in r["suite_results"] for m, _ in s["metrics"]]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(["strategy", "seed", "shift_mode", "model", "dataset", "epochs", "train_seconds"] + METRICS + metrics)
    for r in results:
        suite = {m: v for s in r["suite_results"] for m, v in s["metrics"]}
        for m in r["shift"]:
            w.writerow([r["strategy"], r["seed"], m["mode"], r["model"], r["dataset"], r["epochs"],
                        f"{r['train_seconds']:.3f}"] + [f"{m[k]:.6f}" for k in METRICS] +
                       [f"{suite[k]:.6f}" for k in metrics])
    return text.getvalue()


def run_study(args):
    recipe = torch_recipe.load_recipe(args)
    with open(args.config, "rb") as f:
        table = tomllib.load(f)
    if torch_recipe.find_idx_folder(recipe["dataset"], recipe["data-dir"]) is None:
        fail(f"{recipe['dataset']} not found (poolnet's search path: data-dir, $POOLNET_DATA, ./data, "
             f"/usr/share/datasets); the PyTorch study has no built-in shapes data to fall back to")
    data = torch_recipe.load_data(recipe)
    shape = tuple(data[0].shape[1:])
    options = eval_options(table, args, recipe["quick"], shape[1:], recipe["seed"])
    cores = os.cpu_count() or 1
    threads = recipe["threads"] if recipe["threads"] > 0 else cores
    jobs = args.jobs
    labels = torch_recipe.strategies(args.binary, recipe, shape)
    plan = [(label, recipe["seed"] + s) for label in labels for s in range(recipe["seeds"])]
    print(f"torch {torch.__version__}: {len(plan)} runs of {recipe['model']} on {recipe['dataset']} "
          f"({len(data[1])} train, {len(data[3])} test images, {recipe['epochs']} epochs), suites "
          f"{','.join(options['suites'])}, {jobs} job(s) x {max(1, threads // jobs)} thread(s)", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    start = time.perf_counter()
    if jobs == 1:
        init_worker(recipe, threads)
        results = []
        for label, seed in plan:
            results.append(run_one(args.binary, label, seed, options, args.out))
            report(results[-1])
    else:
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=init_worker,
                                                    initargs=(recipe, max(1, threads // jobs))) as pool:
            futures = [pool.submit(run_one, args.binary, label, seed, options, args.out) for label, seed in plan]
            results = []
            for future in futures:
                results.append(future.result())
                report(results[-1])
    with open(os.path.join(args.out, "summary.csv"), "w") as f:
        f.write(summary_csv(results))
    print(f"{len(results)} runs in {time.perf_counter() - start:.1f} s; wrote {os.path.join(args.out, 'summary.csv')}",
          file=sys.stderr)


def report(r):
    circular = r["shift"][0] if r["shift"] else {}
    print(f"{r['strategy']} seed {r['seed']}: clean acc {circular.get('clean_acc', float('nan')):.4f}, "
          f"train {r['train_seconds']:.1f} s, eval {r['eval_seconds']:.1f} s", file=sys.stderr, flush=True)


def read_checkpoint(path):
    """(state dict, metadata) of a poolnet model.safetensors (8-byte header length, JSON header, float32 data)."""
    try:
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
            data = f.read()
    except (OSError, struct.error, ValueError) as e:
        fail(f"--checkpoint {path}: not a readable safetensors file ({e})")
    weights = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if info["dtype"] != "F32" or end > len(data):
            fail(f"--checkpoint {path}: tensor '{name}' is {info['dtype']} at bytes {begin}..{end} of {len(data)}")
        weights[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"])
    return weights, header.get("__metadata__", {})


def evaluate_checkpoint(args):
    weights, meta = read_checkpoint(args.checkpoint)
    if "poolnet.config" not in meta or "poolnet.model.family" not in meta:
        fail(f"--checkpoint {args.checkpoint}: no poolnet model metadata (written by poolnet train?)")
    config = json.loads(meta["poolnet.config"])
    recipe = dict(torch_recipe.DEFAULTS)
    recipe.update({"dataset": config["dataset"], "data-dir": config.get("data_dir", ""), "train-samples": 1,
                   "test-samples": args.test_samples or 0, "model": meta["poolnet.model.family"],
                   "head": meta["poolnet.model.head"], "padding-mode": meta["poolnet.model.padding_mode"],
                   "width": meta["poolnet.model.width"], "batch-norm": meta["poolnet.model.batch_norm"] == "true",
                   "depth": meta["poolnet.model.depth"]})
    if recipe["dataset"] not in torch_recipe.STATISTICS:
        fail(f"dataset '{recipe['dataset']}' is not supported (expected {', '.join(torch_recipe.STATISTICS)})")
    if torch_recipe.find_idx_folder(recipe["dataset"], recipe["data-dir"]) is None:
        fail(f"{recipe['dataset']} not found (poolnet's search path: $POOLNET_DATA, ./data, /usr/share/datasets)")
    table = {}
    if args.config:
        with open(args.config, "rb") as f:
            table = tomllib.load(f)
    shape = tuple(int(v) for v in meta["poolnet.model.input"].split(","))
    options = eval_options(table, args, False, shape[1:], int(config.get("seed", 0)))
    strategy, classes = meta["poolnet.model.downsample"], int(meta["poolnet.model.classes"])
    source = subprocess_output([args.binary, "inspect", "--model", recipe["model"], "--downsample", strategy,
                                "--head", recipe["head"], "--padding-mode", recipe["padding-mode"], "--width",
                                recipe["width"], "--depth", recipe["depth"], "--input", meta["poolnet.model.input"],
                                "--classes", str(classes), "--format", "torch"] +
                               (["--batch-norm"] if recipe["batch-norm"] else []))
    namespace = {}
    exec(compile(source, f"<{strategy}>", "exec"), namespace)
    model = namespace["build"]()
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as e:
        fail(f"--checkpoint {args.checkpoint}: the weights do not fit the exported model: {e}")
    layers, name = layer_table(args.binary, recipe, strategy, shape, classes)
    net = torch_eval.Classifier(model, *torch_recipe.STATISTICS[recipe["dataset"]], layers)
    images, labels = test_images(torch_recipe.load_data(recipe))
    start = time.perf_counter()
    result = torch_eval.evaluate(net, images, labels, options)
    result.update({"strategy": strategy, "seed": options["seed"], "model": name, "dataset": recipe["dataset"],
                   "epochs": config.get("epochs"), "eval_seconds": time.perf_counter() - start})
    path = args.json or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "torch_eval.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    for m in result["shift"]:
        print(f"{m['mode']:<10} " + " ".join(f"{k} {m[k]:.4f}" for k in METRICS))
    for s in result["suite_results"]:
        for metric, value in s["metrics"]:
            print(f"{metric} {value:.4f}")
    print(f"wrote {path}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", help="poolnet TOML config (default for a study: experiments/configs/default.toml)")
    torch_recipe.add_study_options(p)
    p.add_argument("--out", help="study folder (summary.csv, runs/*/eval.json)")
    p.add_argument("--threads", type=int, help="PyTorch threads in all (0: all cores)")
    p.add_argument("--jobs", type=int, default=1, help="runs at once, each in a process with threads / jobs threads")
    p.add_argument("--max-shift", type=int)
    p.add_argument("--shift-modes")
    p.add_argument("--grid-samples", type=int)
    p.add_argument("--suites")
    p.add_argument("--suite-samples", type=int)
    p.add_argument("--checkpoint", help="evaluate this poolnet model.safetensors instead of training")
    p.add_argument("--json", help="with --checkpoint: where to write the metrics")
    a = p.parse_args()
    if not os.path.isfile(a.binary):
        p.error(f"--binary {a.binary}: no such file (build poolnet first)")
    for key in ("seeds", "epochs", "train_samples", "test_samples", "threads"):
        if getattr(a, key) is not None and getattr(a, key) < (1 if key in ("seeds", "epochs") else 0):
            p.error(f"--{key.replace('_', '-')}: {getattr(a, key)} is out of range")
    if a.jobs < 1:
        p.error(f"--jobs: {a.jobs} is out of range (at least 1)")
    if a.checkpoint:
        if not os.path.isfile(a.checkpoint):
            p.error(f"--checkpoint {a.checkpoint}: no such file")
        evaluate_checkpoint(a)
        return
    if not a.out:
        p.error("--out is required (unless --checkpoint)")
    if a.json:
        p.error("--json goes with --checkpoint")
    a.config = a.config or os.path.join(HERE, "..", "configs", "default.toml")
    run_study(a)


if __name__ == "__main__":
    main()
