"""poolnet's default evaluation suites (`translation`, `worst_shift`) in PyTorch, on a PyTorch model.

The same definitions, image counts, shifts and random draws as experiments/eval/shift_eval.cpp,
experiments/eval/suites.cpp and experiments/eval/evaluation.cpp (docs/metrics.md defines them):

  translation  per shift mode (circular, zeros, crop) on every test image: clean_acc;
               consistency (two shifts per image drawn from poolnet's counter-based stream
               RandomStream(seed, stream_id(0xC0, image index)), Philox-4x32-10 as in
               framework/random.cpp); flip_rate and prob_change (1-pixel shifts up, down, left,
               right); on the first grid_samples images the accuracy at every shift of [-K, K]^2
               (acc_shift_mean, acc_shift_min) and on the diagonal (d, d), d = 0..2K. Then the
               per-layer equivariance error under circular shifts t = 1..2 x the largest stride
               on the first 64 images, and the logits' invariance error (layer "logits").
  worst_shift  on the first suite_samples images: the share correct under every circular shift
               of [-K, K]^2, an image dropped at its first wrong shift as poolnet does.

Images are raw (v * (1/255) in float32) and shifted before normalisation; the model sees
(raw - mean) / std in float32, as poolnet's evaluation normalises. Predictions are the first
maximum of the logits; probabilities the float32 softmax. The result is a dict with the keys of
poolnet's eval.json (experiments/eval/run_result.cpp) for these suites, per-image outcomes included.
"""
import numpy as np
import torch
import torch.nn.functional as F

CONSISTENCY_STREAM = 0xC0
EQUIVARIANCE_SAMPLES = 64  # ShiftEvalOptions::equivariance_samples (experiments/eval/shift_eval.h)
EVAL_BATCH = 256  # ShiftEvalOptions::batch
DIRECTIONS = [(-1, 0), (1, 0), (0, -1), (0, 1)]  # (dy, dx): up, down, left, right; bit d of `flipped`
MASK64 = (1 << 64) - 1


def splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def stream_id(a, b=0, c=0):
    """framework/random.cpp's stream_id: SplitMix64 steps over (a, b, c)."""
    return splitmix(splitmix(splitmix(a) ^ b) ^ c)


def philox4x32(counters, key):
    """Philox-4x32-10 (Random123) of counters [n, 4] (uint64 holding 32-bit words) under key (k0, k1)."""
    c = [counters[:, i].astype(np.uint64) for i in range(4)]
    k0, k1 = np.uint64(key[0]), np.uint64(key[1])
    low = np.uint64(0xFFFFFFFF)
    for r in range(10):
        if r > 0:
            k0, k1 = (k0 + np.uint64(0x9E3779B9)) & low, (k1 + np.uint64(0xBB67AE85)) & low
        p0, p1 = c[0] * np.uint64(0xD2511F53), c[2] * np.uint64(0xCD9E8D57)
        c = [(p1 >> np.uint64(32)) ^ c[1] ^ k0, p1 & low, (p0 >> np.uint64(32)) ^ c[3] ^ k1, p0 & low]
    return np.stack(c, axis=1)


def below(seed, streams, index, n):
    """RandomStream(seed, stream).below(index, n) for each stream: ((w0 << 32) | w1) mod n of block `index`."""
    streams = np.asarray(streams, dtype=np.uint64)
    counters = np.stack([np.full_like(streams, index & 0xFFFFFFFF), np.full_like(streams, index >> 32),
                         streams & np.uint64(0xFFFFFFFF), streams >> np.uint64(32)], axis=1)
    words = philox4x32(counters, (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF))
    wide = (words[:, 0] << np.uint64(32)) | words[:, 1]
    return (wide % np.uint64(n)).astype(np.int64)


def consistency_shifts(seed, count, max_shift):
    """The two shifts (dy1, dx1, dy2, dx2) of each of `count` images, as evaluate_shift draws them."""
    side = 2 * max_shift + 1
    streams = [stream_id(CONSISTENCY_STREAM, n) for n in range(count)]
    return [torch.from_numpy(below(seed, streams, i, side) - max_shift) for i in range(4)]


def shift_images(x, dy, dx, mode, max_shift):
    """experiments/eval/shift_eval.cpp's shift_images on raw images [N, C, H, W]."""
    if mode == "circular":
        return torch.roll(x, shifts=(dy, dx), dims=(2, 3))
    H, W = x.shape[2], x.shape[3]
    if mode == "zeros":
        out = torch.zeros_like(x)
        if abs(dy) < H and abs(dx) < W:
            out[:, :, max(dy, 0):H + min(dy, 0), max(dx, 0):W + min(dx, 0)] = \
                x[:, :, max(-dy, 0):H - max(dy, 0), max(-dx, 0):W - max(dx, 0)]
        return out
    if mode == "crop":  # pad by K with zeros, the window at offset (K - dy, K - dx)
        K = max(max_shift, abs(dy), abs(dx))
        padded = F.pad(x, (K, K, K, K))
        return padded[:, :, K - dy:K - dy + H, K - dx:K - dx + W].contiguous()
    raise ValueError(f"shift mode: unknown '{mode}' (valid: circular, zeros, crop)")


def shift_each(x, dys, dxs, mode, max_shift):
    """x with image n shifted by (dys[n], dxs[n])."""
    return torch.cat([shift_images(x[n:n + 1], int(dys[n]), int(dxs[n]), mode, max_shift) for n in range(len(x))])


class Classifier:
    """A PyTorch model seen as poolnet's LogitsFn and TraceFn: raw images in, normalised inside."""

    def __init__(self, model, mean, std, layers):
        """layers: [(name, type, cumulative stride)] of the model's top-level layers (`poolnet inspect --json`)."""
        self.model = model.eval()
        self.mean = torch.tensor(mean, dtype=torch.float32)
        self.std = torch.tensor(std, dtype=torch.float32)
        self.layers = layers

    def normalise(self, raw):
        return (raw - self.mean) / self.std

    def logits(self, raw):
        with torch.no_grad():
            return self.model(self.normalise(raw))

    def trace(self, raw):
        """[(name, type, stride, value)]: the 4-D layer outputs in network order, then the logits (stride 0)."""
        out, h, k = [], self.normalise(raw), 0
        with torch.no_grad():
            for stage in ("features", "classifier"):
                for child in getattr(self.model, stage).children():
                    h = child(h)
                    name, kind, stride = self.layers[k]
                    k += 1
                    if h.dim() == 4:
                        out.append((name, kind, stride, h))
        return out + [("logits", "", 0, h)]


def relative_errors(a, b):
    """||a[n] - b[n]|| / ||b[n]|| per sample in double (||a[n] - b[n]|| where b[n] is 0)."""
    a, b = a.reshape(len(a), -1).double(), b.reshape(len(b), -1).double()
    diff, ref = ((a - b) ** 2).sum(1), (b ** 2).sum(1)
    return torch.where(ref > 0, (diff / torch.where(ref > 0, ref, torch.ones_like(ref))).sqrt(), diff.sqrt())


def outcome_text(values):
    return "".join("0123456789abcdef"[int(v) & 15] for v in values)


def evaluate_shift(net, images, labels, mode, options):
    """evaluate_shift of shift_eval.cpp: the translation metrics of one shift mode."""
    N, K = len(images), options["max_shift"]
    grid_n = min(options["grid_samples"], N) if options["grid_samples"] > 0 else N
    side = 2 * K + 1
    dy1, dx1, dy2, dx2 = consistency_shifts(options["seed"], N, K)
    correct, consistent, flipped = torch.zeros(N, dtype=torch.uint8), torch.zeros(N, dtype=torch.uint8), \
        torch.zeros(N, dtype=torch.uint8)
    prob_change = 0.0
    grid = torch.zeros(side, side, dtype=torch.long)
    diagonal = torch.zeros(2 * K + 1, dtype=torch.long)
    batch = options["batch"]
    for b0 in range(0, N, batch):
        b1 = min(N, b0 + batch)
        x, y = images[b0:b1], labels[b0:b1]
        clean_logits = net.logits(x)
        clean_prob = torch.softmax(clean_logits, 1)
        clean = clean_logits.argmax(1)
        correct[b0:b1] = (clean == y).to(torch.uint8)
        p1 = net.logits(shift_each(x, dy1[b0:b1], dx1[b0:b1], mode, K)).argmax(1)
        p2 = net.logits(shift_each(x, dy2[b0:b1], dx2[b0:b1], mode, K)).argmax(1)
        consistent[b0:b1] = (p1 == p2).to(torch.uint8)
        rows = torch.arange(b1 - b0)
        for d, (dy, dx) in enumerate(DIRECTIONS):
            shifted_logits = net.logits(shift_images(x, dy, dx, mode, K))
            prob = torch.softmax(shifted_logits, 1)
            flipped[b0:b1] |= ((shifted_logits.argmax(1) != clean).to(torch.uint8) << d)
            prob_change += (prob[rows, clean] - clean_prob[rows, clean]).abs().double().sum().item()
        g1 = min(b1, grid_n)
        if b0 >= g1:
            continue
        xg, yg = images[b0:g1], labels[b0:g1]
        count = lambda dy, dx: (net.logits(shift_images(xg, dy, dx, mode, K)).argmax(1) == yg).sum().item()
        for dy in range(-K, K + 1):
            for dx in range(-K, K + 1):
                grid[dy + K, dx + K] += count(dy, dx)
        for d in range(2 * K + 1):
            diagonal[d] += count(d, d)
    flips = sum(((flipped >> d) & 1).sum().item() for d in range(4))
    accs = [(dx, dy, grid[dy + K, dx + K].item() / grid_n) for dy in range(-K, K + 1) for dx in range(-K, K + 1)]
    return {"mode": mode, "clean_acc": correct.sum().item() / N, "consistency": consistent.sum().item() / N,
            "flip_rate": flips / (4.0 * N), "prob_change": prob_change / (4.0 * N),
            "acc_shift_mean": sum(a for _, _, a in accs) / (side * side), "acc_shift_min": min(a for _, _, a in accs),
            "grid": [list(p) for p in accs], "diagonal": [[d, diagonal[d].item() / grid_n] for d in range(2 * K + 1)],
            "correct": outcome_text(correct), "consistent": outcome_text(consistent), "flipped": outcome_text(flipped)}


def evaluate_equivariance(net, images):
    """evaluate_equivariance of shift_eval.cpp: [{layer, type, stride, shift, error}]."""
    x = images[:min(EQUIVARIANCE_SAMPLES, len(images))]
    n = len(x)
    base = net.trace(x)
    max_stride = max([1] + [stride for _, _, stride, _ in base])
    out = []
    for t in range(1, 2 * max_stride + 1):
        moved = [net.trace(torch.roll(x, shifts=shift, dims=(2, 3))) for shift in ((t, 0), (0, t))]
        for k, (name, kind, stride, value) in enumerate(base):
            spatial = stride > 0 and value.dim() == 4
            lo, hi = (t // stride, -(-t // stride)) if spatial else (0, 0)
            total = 0.0
            for axis in range(2):
                best = torch.full((n,), float("inf"), dtype=torch.float64)
                for u in range(lo, hi + 1):
                    reference = torch.roll(value, shifts=(u, 0) if axis == 0 else (0, u), dims=(2, 3)) if spatial \
                        else value
                    best = torch.minimum(best, relative_errors(moved[axis][k][3], reference))
                total += best.sum().item()
            out.append({"layer": name, "type": kind, "stride": stride, "shift": t, "error": total / (2.0 * n)})
    return out


def worst_shift_accuracy(net, images, labels, max_shift, batch):
    """worst_shift_accuracy of suites.cpp: the images right under every circular shift, evaluated shift by shift."""
    alive = torch.arange(len(images))
    for dy in range(-max_shift, max_shift + 1):
        for dx in range(-max_shift, max_shift + 1):
            keep = []
            for b0 in range(0, len(alive), batch):
                rows = alive[b0:b0 + batch]
                pred = net.logits(torch.roll(images[rows], shifts=(dy, dx), dims=(2, 3))).argmax(1)
                keep.append(rows[pred == labels[rows]])
            alive = torch.cat(keep) if keep else alive[:0]
    return len(alive) / len(images) if len(images) else 0.0


def evaluate(net, images, labels, options):
    """The suites of options["suites"] (translation, worst_shift) as poolnet's evaluate_model runs them.

    images: raw [N, C, H, W] float32; labels [N] int64; options: max_shift, shift_modes, grid_samples,
    suite_samples, suites, seed, batch."""
    result = {"suites": options["suites"], "shift": [], "equivariance": [], "suite_results": []}
    if "translation" in options["suites"]:
        result["shift"] = [evaluate_shift(net, images, labels, mode, options) for mode in options["shift_modes"]]
        result["equivariance"] = evaluate_equivariance(net, images)
    if "worst_shift" in options["suites"]:
        n = min(options["suite_samples"], len(images)) if options["suite_samples"] > 0 else len(images)
        acc = worst_shift_accuracy(net, images[:n], labels[:n], options["max_shift"], options["batch"])
        result["suite_results"].append({"suite": "worst_shift", "metrics": [["worst_shift_acc", acc]]})
    return result
