"""poolnet's training recipe against the same recipe in PyTorch, on a subset of the default study.

Trains the default config's model with max_pool for 5 seeds, 1 epoch on the first 12,000
Fashion-MNIST training images, with `poolnet ablate`, then the same runs in PyTorch with
experiments/bench/torch_recipe.py, which fails when the mean clean accuracies (first 2,000 test
images) differ by more than MAX_DIFF. Exits with 77 (skipped) when the config's data set is not
installed. Usage: check_recipe.py POOLNET WORKDIR

MAX_DIFF, measured on this subset with the default recipe (VGG, width 0.375, batch norm, SGD
lr 0.1, cosine schedule): over 8 seeds the clean accuracy is 0.7460 ± 0.0075 in poolnet and
0.7444 ± 0.0113 in PyTorch, so the difference of two 5-seed means has a standard error of
about 0.006. A broken PyTorch recipe moved its 5-seed mean by -0.27 (constant instead of cosine
schedule), -0.19 (lr x 0.1), -0.10 (no momentum), -0.017 (lr x 0.5), and by less than 0.01
(lr x 2, no input normalisation, no weight decay: batch norm absorbs these at this length).
0.02 is 3.3 standard errors of seed noise and below the first three.
"""
import os
import shutil
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "experiments", "bench"))
import torch_recipe  # noqa: E402

CONFIG = os.path.join(ROOT, "experiments", "configs", "default.toml")
SUBSET = ["--strategies", "max_pool", "--seeds", "5", "--epochs", "1", "--train-samples", "12000",
          "--test-samples", "2000"]
MAX_DIFF = 0.02
SKIPPED = 77


def main():
    poolnet, work = sys.argv[1], sys.argv[2]
    with open(CONFIG, "rb") as f:
        table = tomllib.load(f)
    dataset = table.get("dataset", torch_recipe.DEFAULTS["dataset"])
    if torch_recipe.find_idx_folder(dataset, table.get("data-dir", "")) is None:
        print(f"check_recipe: {dataset} is not installed (apt-get install dataset-fashion-mnist): skipped")
        sys.exit(SKIPPED)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    study = os.path.join(work, "study")
    # The shift evaluation does not change clean_acc: the smallest one keeps the test short.
    subprocess.run([poolnet, "ablate", "--config", CONFIG, *SUBSET, "--threads", "2", "--max-shift", "1",
                    "--grid-samples", "50", "--shift-modes", "circular", "--quiet", "--out", study], check=True)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "bench", "torch_recipe.py"),
                             "--config", CONFIG, "--binary", poolnet, *SUBSET, "--threads", "1", "--poolnet-summary",
                             os.path.join(study, "summary.csv"), "--max-diff", str(MAX_DIFF)])
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
