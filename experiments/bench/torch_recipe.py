#!/usr/bin/python3
"""poolnet's study recipe trained in PyTorch: is poolnet's accuracy what PyTorch gets?

For each strategy x seed of a poolnet TOML config (the keys of `poolnet ablate`), builds the
model from `poolnet inspect --format torch` (the strategies PyTorch lacks come from
models/torch_modules.py), trains it in PyTorch with the config's recipe as poolnet defines it,
and measures the clean test accuracy. Prints a Markdown table: per strategy the PyTorch mean ±
sample std over the seeds and, with --poolnet-summary STUDY/summary.csv, poolnet's (clean_acc of
the circular rows) and the difference of the means. --max-diff X exits with 1 when any
|difference| exceeds X (accuracy units: 0.005 is half a point). With --poolnet-summary, the
configurations recorded in STUDY/runs/*/metrics.json must be the recipe trained here. One
configuration only: a [grid], or a list of heads or padding modes, is refused.

Run with Debian's interpreter (the one with torch), with the same config and overrides as the study:
  poolnet ablate --config experiments/configs/default.toml --strategies max_pool --seeds 3 --out STUDY
  /usr/bin/python3 experiments/bench/torch_recipe.py --strategies max_pool --seeds 3 \
      --poolnet-summary STUDY/summary.csv [--max-diff 0.01] [--threads 1]
On a busy machine PyTorch's OpenMP threads slow down many times over; --threads 1 is the steady
choice for these small models.

What it mirrors, and from where:
  data        the IDX files on poolnet's search path, the first --train-samples / --test-samples
              images, normalised (v/255 - mean) / std with poolnet's per-data-set constants
              (framework/data/dataset.h, framework/data/idx_dataset.cpp); --validation holds out
              round(share * N) training images (a different random subset than poolnet's)
  batches     a new shuffle every epoch, the last smaller batch kept (framework/data/loader.h)
  augment     flip, then shift (zeros or circular fill), then crop, drawn per sample, on the raw
              pixels, vacated pixels 0 before normalisation (framework/data/loader.cpp)
  model       PyTorch's default initialisation, which poolnet's layers/init.h reproduces (same
              distributions, different draws); train() while training, eval() for testing, so
              batch norm uses batch statistics, then the running ones (momentum 0.1, eps 1e-5)
  optimizer   torch.optim.SGD / Adam / AdamW on every parameter, weight decay coupled for SGD and
              Adam (added to the gradient) and decoupled for AdamW, given explicitly (poolnet
              passes --weight-decay, default 0, even to adamw; experiments/train/trainer.cpp,
              framework/optim/sgd.h, framework/optim/adam.h)
  schedule    the learning rate set before every optimizer step t from poolnet's lr_at(t) with
              total_steps = epochs x batches per epoch: per step, not per epoch
              (framework/optim/schedule.h, experiments/train/trainer.cpp)
  loss        F.cross_entropy with --label-smoothing (framework/ops/softmax.h)
The seeds give different draws than poolnet's (initialisation, order, augmentation): the
comparison is of means over seeds, not run by run.
"""
import argparse
import csv
import glob
import gzip
import json
import math
import os
import statistics
import subprocess
import sys
import time
import tomllib

import torch
import torch.nn.functional as F

# The keys of `poolnet ablate` that define its runs, with poolnet's defaults
# (experiments/train/train_config.h, experiments/cli/cli_ablate.cpp).
DEFAULTS = {
    "dataset": "fashion-mnist", "data-dir": "", "train-samples": 0, "test-samples": 0, "validation": 0.0, "image-size": 0,
    "model": "lenet", "head": "flatten", "padding-mode": "zeros", "width": 1.0, "batch-norm": False, "depth": 20,
    "epochs": 3, "batch": 64, "optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": False,
    "weight-decay": 0.0, "schedule": "constant", "label-smoothing": 0.0, "augment-shift": 0,
    "augment-shift-mode": "zeros", "augment-crop": 0, "augment-flip": False, "seed": 0,
    "strategies": None, "seeds": 3, "quick": False, "threads": 0,
}
# Keys that change only poolnet's evaluation or bookkeeping, never the trained models.
IGNORED = {"downsample", "baseline", "checkpoint-every", "detect-anomaly", "max-shift", "shift-modes", "shift-mode",
           "grid-samples", "quiet", "out", "shard", "report-only", "rerun-mismatched", "claim-timeout", "jobs",
           "fallback-to-shapes", "suites", "suite-samples", "corruption-dir"}
# Per-channel mean and std of v/255 (framework/data/idx_dataset.cpp).
STATISTICS = {"fashion-mnist": (0.2860, 0.3530), "mnist": (0.1307, 0.3081)}


def split_list(text):
    """poolnet's split_strategy_list: commas separate specs, except inside one (a piece with '=' but no ':')."""
    specs = []
    for piece in (text if isinstance(text, list) else [text]):
        for part in str(piece).split(","):
            if "=" in part and ":" not in part and specs:
                specs[-1] += "," + part
            elif part:
                specs.append(part)
    return specs


def load_recipe(args):
    """The config's keys over poolnet's defaults, then the command line's overrides."""
    try:
        with open(args.config, "rb") as f:
            table = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        sys.exit(f"torch_recipe: --config {args.config}: {e}")
    recipe = dict(DEFAULTS)
    for key, value in table.items():
        if key == "grid":
            sys.exit(f"torch_recipe: config {args.config}: a [grid] varies training options across runs; this script "
                     f"trains strategies x seeds of one configuration")
        if key not in DEFAULTS and key not in IGNORED:
            sys.exit(f"torch_recipe: config {args.config}: key '{key}' is not one this script mirrors "
                     f"(known: {', '.join(sorted(DEFAULTS))}; ignored: {', '.join(sorted(IGNORED))})")
        if key in DEFAULTS:
            recipe[key] = value
    for key in ("strategies", "seeds", "epochs", "train-samples", "test-samples", "threads"):
        value = getattr(args, key.replace("-", "_"))
        if value is not None:
            recipe[key] = value
    if recipe["quick"]:  # experiments/cli/cli_ablate.cpp
        recipe["epochs"] = min(recipe["epochs"], 3)
        recipe["train-samples"] = recipe["train-samples"] or 3000
        recipe["test-samples"] = recipe["test-samples"] or 500
        recipe["seeds"] = min(recipe["seeds"], 2)
    for key in ("head", "padding-mode"):
        if len(split_list(recipe[key])) != 1:
            sys.exit(f"torch_recipe: {key} = {recipe[key]!r} is a grid axis in poolnet's study; this script trains one "
                     f"{key} (use a copy of the config with one)")
        recipe[key] = split_list(recipe[key])[0]
    recipe["augment-shift-mode"] = "zeros" if recipe["augment-shift-mode"] == "zero" else recipe["augment-shift-mode"]
    if recipe["dataset"] not in STATISTICS:
        sys.exit(f"torch_recipe: dataset '{recipe['dataset']}' is not supported (expected {', '.join(STATISTICS)})")
    return recipe


def find_idx_folder(name, data_dir=""):
    """The first folder on poolnet's search path holding the four IDX files (framework/data/dataset.h), or None."""
    folders = [data_dir, os.path.join(data_dir, name)] if data_dir else []
    if os.environ.get("POOLNET_DATA"):
        folders.append(os.path.join(os.environ["POOLNET_DATA"], name))
    folders += [os.path.join("data", name), os.path.join("/usr/share/datasets", name)]
    for folder in folders:
        if all(idx_file(folder, split, kind) for split in ("train", "t10k") for kind in ("images", "labels")):
            return folder
    return None


def idx_file(folder, split, kind):
    fmt = "idx3-ubyte" if kind == "images" else "idx1-ubyte"
    for path in (f"{folder}/{split}-{kind}{sep}{fmt}{gz}" for sep in "-." for gz in ("", ".gz")):
        if os.path.isfile(path):
            return path
    return None


def read_idx(path):
    """An IDX file as a uint8 tensor of its dimensions."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return torch.frombuffer(bytearray(data[4 + 4 * len(dims):]), dtype=torch.uint8).reshape(dims)


def load_data(recipe):
    """(train images [N,1,H,W] uint8, train labels, test images, test labels) as poolnet selects them."""
    folder = find_idx_folder(recipe["dataset"], recipe["data-dir"])
    if folder is None:
        sys.exit(f"torch_recipe: {recipe['dataset']} not found (poolnet's search path: --data-dir, $POOLNET_DATA, "
                 f"./data, /usr/share/datasets)")
    split = {s: (read_idx(idx_file(folder, s, "images")).unsqueeze(1), read_idx(idx_file(folder, s, "labels")).long())
             for s in ("train", "t10k")}
    (x, y), (tx, ty) = split["train"], split["t10k"]
    if recipe["validation"] > 0:  # held out before the limit, the rest in its order (dataset.cpp)
        held = math.floor(recipe["validation"] * len(y) + 0.5)
        keep = torch.randperm(len(y), generator=torch.Generator().manual_seed(recipe["seed"]))[held:].sort().values
        x, y = x[keep], y[keep]
    n, m = recipe["train-samples"] or len(y), recipe["test-samples"] or len(ty)
    return x[:n], y[:n], tx[:m], ty[:m]


def normalise(raw, dataset):
    """v * (1 / (255 std)) - mean / std in float32, as the loader computes it."""
    mean, std = STATISTICS[dataset]
    scale = torch.tensor(1.0, dtype=torch.float32) / (torch.tensor(255.0) * torch.tensor(std))
    return raw.float() * scale - torch.tensor(mean) / torch.tensor(std)


def source_index(n, shift, crop, circular, flip=None):
    """poolnet's loader: the source of every output position on one axis per sample ([B, n]), -1 for the fill."""
    at = torch.arange(n).unsqueeze(0) - crop.unsqueeze(1)
    valid = (at >= 0) & (at < n)
    at = at - shift.unsqueeze(1)
    if circular:
        at = at % n
    else:
        valid &= (at >= 0) & (at < n)
    if flip is not None:
        at = torch.where(flip.unsqueeze(1), n - 1 - at, at)
    return torch.where(valid, at, torch.full_like(at, -1))


def augment(raw, recipe, gen):
    """Flip, shift and crop drawn per sample (framework/data/loader.h), on raw pixels [B, C, H, W]."""
    B, _, H, W = raw.shape
    k, p = recipe["augment-shift"], recipe["augment-crop"]
    if k == 0 and p == 0 and not recipe["augment-flip"]:
        return raw
    draw = lambda r: torch.randint(-r, r + 1, (B,), generator=gen) if r > 0 else torch.zeros(B, dtype=torch.long)
    dy, dx, cy, cx = draw(k), draw(k), draw(p), draw(p)
    flip = torch.rand(B, generator=gen) < 0.5 if recipe["augment-flip"] else None
    circular = recipe["augment-shift-mode"] == "circular"
    rows = source_index(H, dy, cy, circular) % (H + 1)  # -1 -> H: the appended zero row
    cols = source_index(W, dx, cx, circular, flip) % (W + 1)
    padded = F.pad(raw, (0, 1, 0, 1))
    b = torch.arange(B)[:, None, None]
    return padded[b, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2).contiguous()


def lr_at(spec, lr, total_steps, t):
    """poolnet's lr_at (framework/optim/schedule.cpp) for a --schedule spec, at optimizer step t."""
    name, _, rest = spec.partition(":")
    keys = {k: float(v) for k, v in (item.split("=") for item in rest.split(",") if item)}
    if name == "constant":
        rate = lr
    elif name == "step":
        rate = lr * keys.get("gamma", 0.1) ** (t // int(keys["step_size"]))
    elif name == "cosine":
        low = keys.get("min_lr", 0.0)
        rate = low if t >= total_steps else low + (lr - low) * (1 + math.cos(math.pi * t / total_steps)) / 2
    elif name == "one_cycle":
        initial = lr / keys.get("div_factor", 25.0)
        final = initial / keys.get("final_div_factor", 1e4)
        rise = keys.get("pct_start", 0.3) * total_steps
        anneal = lambda a, b, pct: b + (a - b) / 2 * (math.cos(math.pi * pct) + 1)
        if t >= total_steps - 1 and t > rise - 1:
            rate = final
        elif t <= rise - 1:
            rate = lr if rise <= 1 else anneal(initial, lr, t / (rise - 1))
        else:
            rate = anneal(lr, final, (t - rise + 1) / (total_steps - rise))
    else:
        sys.exit(f"torch_recipe: schedule '{spec}' is not one this script mirrors (constant, step, cosine, one_cycle)")
    steps, start = int(keys.get("warmup", 0)), keys.get("warmup_start_factor", 1.0 / 3.0)
    return rate if steps == 0 or t >= steps else rate * (start + (1 - start) * t / steps)


def inspect(binary, recipe, strategy, shape, fmt):
    command = [binary, "inspect", "--model", recipe["model"], "--downsample", strategy, "--head", recipe["head"],
               "--padding-mode", recipe["padding-mode"], "--width", str(recipe["width"]), "--depth", str(recipe["depth"]),
               "--input", ",".join(map(str, shape)), "--format", fmt] + (["--batch-norm"] if recipe["batch-norm"] else [])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"torch_recipe: poolnet inspect failed: {result.stderr.strip()}")
    return result.stdout


def build_model(binary, recipe, strategy, shape):
    namespace = {}
    exec(compile(inspect(binary, recipe, strategy, shape, "torch"), f"<{strategy}>", "exec"), namespace)
    return namespace["build"]()


def make_optimizer(params, recipe):
    """torch.optim's optimizer as experiments/train/trainer.cpp configures poolnet's (momentum only for sgd)."""
    name, lr, decay = recipe["optimizer"], recipe["lr"], recipe["weight-decay"]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=recipe["momentum"], nesterov=recipe["nesterov"],
                               weight_decay=decay)
    if name in ("adam", "adamw"):
        return (torch.optim.Adam if name == "adam" else torch.optim.AdamW)(params, lr=lr, weight_decay=decay)
    sys.exit(f"torch_recipe: optimizer '{name}' is not one this script mirrors (sgd, adam, adamw)")


def train_and_test(binary, recipe, strategy, seed, data):
    """One run: the clean test accuracy of the model trained with the recipe from seed `seed`."""
    model = train_model(binary, recipe, strategy, seed, data)
    _, _, tx, ty = data
    model.eval()
    with torch.no_grad():
        correct = sum((model(normalise(tx[i:i + 256], recipe["dataset"])).argmax(1) == ty[i:i + 256]).sum().item()
                      for i in range(0, len(ty), 256))
    return correct / len(ty)


def train_model(binary, recipe, strategy, seed, data):
    """The model of `strategy` trained with the recipe from seed `seed` on data's training images."""
    x, y, _, _ = data
    torch.manual_seed(seed)
    model = build_model(binary, recipe, strategy, tuple(x.shape[1:]))
    optimizer = make_optimizer(model.parameters(), recipe)
    gen = torch.Generator().manual_seed(seed)
    B, N = recipe["batch"], len(y)
    batches = -(-N // B)
    step = 0
    for epoch in range(recipe["epochs"]):
        model.train()
        order = torch.randperm(N, generator=gen)
        for b in range(batches):
            index = order[b * B:(b + 1) * B]
            images = normalise(augment(x[index], recipe, gen), recipe["dataset"])
            for group in optimizer.param_groups:
                group["lr"] = lr_at(recipe["schedule"], recipe["lr"], recipe["epochs"] * batches, step)
            loss = F.cross_entropy(model(images), y[index], label_smoothing=recipe["label-smoothing"])
            if not torch.isfinite(loss):
                sys.exit(f"torch_recipe: {strategy} seed {seed}: loss is {loss.item()} at epoch {epoch + 1}, "
                         f"step {step + 1}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
    return model


def strategies(binary, recipe, shape):
    """The config's strategies (default: poolnet's study set), each as poolnet's study names it."""
    specs = recipe["strategies"] or subprocess.run([binary, "strategies", "--format", "study"], check=True,
                                                   capture_output=True, text=True).stdout.split()
    return [json.loads(inspect(binary, recipe, s, shape, "json"))["spec"]["downsample"] for s in split_list(specs)]


def poolnet_results(summary, recipe):
    """{label: [clean_acc per seed]} from a study's summary.csv, after checking that its runs used this recipe."""
    fields = ["dataset", "train-samples", "test-samples", "validation", "model", "head", "padding-mode", "width",
              "batch-norm", "depth", "epochs", "batch", "optimizer", "lr", "momentum", "nesterov", "weight-decay",
              "schedule", "label-smoothing", "augment-shift", "augment-shift-mode", "augment-crop", "augment-flip"]
    for path in sorted(glob.glob(os.path.join(os.path.dirname(summary), "runs", "*", "metrics.json"))):
        with open(path) as f:
            used = json.load(f)["config"]
        for key in fields:
            theirs, ours = used.get(key.replace("-", "_"), "(not recorded)"), recipe[key]
            if theirs != ours and not (isinstance(ours, float) and isinstance(theirs, float)
                                       and math.isclose(theirs, ours, rel_tol=1e-9)):
                sys.exit(f"torch_recipe: {path} was trained with {key}={theirs}, this recipe has {key}={ours}: "
                         f"run both with the same --config and overrides")
    acc = {}
    with open(summary, newline="") as f:
        reader = csv.DictReader(f)
        grid = reader.fieldnames[1:reader.fieldnames.index("seed")]
        if grid:
            sys.exit(f"torch_recipe: {summary} is a study over a grid ({', '.join(grid)}); this script compares "
                     f"strategies x seeds of one configuration")
        for row in reader:
            if row["shift_mode"] == "circular":
                acc.setdefault(row["strategy"], {})[row["seed"]] = float(row["clean_acc"])
    return {label: list(seeds.values()) for label, seeds in acc.items()}


def describe(values):
    if not values:
        return "—"
    mean = statistics.fmean(values)
    spread = f" ± {statistics.stdev(values):.4f}" if len(values) > 1 else ""
    return f"{mean:.4f}{spread} (n={len(values)})"


def add_study_options(p):
    """The poolnet binary and the overrides of a study's config that the PyTorch scripts share."""
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--binary", default=os.path.join(here, "..", "..", "build", "release", "poolnet"))
    p.add_argument("--strategies", help="comma list (default: the config's)")
    p.add_argument("--seeds", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--train-samples", type=int)
    p.add_argument("--test-samples", type=int)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", default=os.path.join(here, "..", "configs", "default.toml"))
    add_study_options(p)
    p.add_argument("--threads", type=int, help="PyTorch threads (0: all cores)")
    p.add_argument("--poolnet-summary", help="a study's summary.csv to compare with")
    p.add_argument("--max-diff", type=float, help="exit with 1 when a |difference of means| exceeds this")
    a = p.parse_args()
    if a.max_diff is not None and not a.poolnet_summary:
        p.error("--max-diff needs --poolnet-summary")
    recipe = load_recipe(a)
    if recipe["threads"] > 0:
        torch.set_num_threads(recipe["threads"])
    ours = poolnet_results(a.poolnet_summary, recipe) if a.poolnet_summary else None
    data = load_data(recipe)
    seeds = [recipe["seed"] + s for s in range(recipe["seeds"])]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {recipe['model']} on {recipe['dataset']} "
          f"({len(data[1])} train, {len(data[3])} test images), {recipe['epochs']} epochs of batch {recipe['batch']}, "
          f"{recipe['optimizer']} lr {recipe['lr']} schedule {recipe['schedule']}; seeds {seeds}", file=sys.stderr)
    rows = []
    for label in strategies(a.binary, recipe, tuple(data[0].shape[1:])):
        theirs = []
        for seed in seeds:
            start = time.perf_counter()
            theirs.append(train_and_test(a.binary, recipe, label, seed, data))
            print(f"{label} seed {seed}: clean acc {theirs[-1]:.4f} ({time.perf_counter() - start:.1f} s)",
                  file=sys.stderr, flush=True)
        rows.append((label, theirs, ours.get(label, []) if ours is not None else None))
    print_table(rows)
    if a.max_diff is not None:
        sys.exit(check(rows, a.max_diff))


def print_table(rows):
    compare = bool(rows) and rows[0][2] is not None
    columns = ["strategy", "PyTorch clean acc"] + (["poolnet clean acc", "PyTorch − poolnet"] if compare else [])
    print("| " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * (len(columns) - 1))
    for label, theirs, ours in rows:
        cells = [label, describe(theirs)]
        if compare:
            cells += [describe(ours), f"{statistics.fmean(theirs) - statistics.fmean(ours):+.4f}" if ours else "—"]
        print("| " + " | ".join(cells) + " |")


def check(rows, max_diff):
    """0 when every strategy's |difference of means| is within max_diff, else 1 with a message per failure."""
    failed = 0
    for label, theirs, ours in rows:
        if not ours:
            print(f"torch_recipe: {label}: no poolnet results in the summary to compare with", file=sys.stderr)
            failed = 1
        elif abs(statistics.fmean(theirs) - statistics.fmean(ours)) > max_diff:
            print(f"torch_recipe: {label}: PyTorch {describe(theirs)} and poolnet {describe(ours)} differ by "
                  f"{abs(statistics.fmean(theirs) - statistics.fmean(ours)):.4f} in mean clean accuracy, "
                  f"more than --max-diff {max_diff}", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    main()
