"""PyTorch equivalents of poolnet's layers, one per poolnet layer type, with the same name and
the same keyword arguments as the layer's ModuleConfig (layers/module.h), so that
`poolnet inspect --format torch` writes each layer as `Type(name=value, ..., child=...)`.
Where PyTorch has the layer, a function returns the nn module; the poolnet-specific layers are
small nn.Module classes that follow their op's documented semantics (padding rules, binomial
filters, APS phase choice in double with ties to the lowest phase). This file is embedded in
the poolnet binary at build time (models/CMakeLists.txt) and imported by tests/interop.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


def Sequential(*children):
    return nn.Sequential(*children)


def Conv2d(in_channels, out_channels, kernel, stride, padding, same, dilation, groups, bias, padding_mode):
    return nn.Conv2d(in_channels, out_channels, kernel_size=kernel, stride=stride,
                     padding="same" if same else padding, dilation=dilation, groups=groups, bias=bias,
                     padding_mode=padding_mode)


def Linear(in_features, out_features, bias):
    return nn.Linear(in_features, out_features, bias=bias)


def ReLU():
    return nn.ReLU()


def Identity():
    return nn.Identity()


def Flatten(start_dim):
    return nn.Flatten(start_dim)


def Dropout(p):
    return nn.Dropout(p)


def GlobalAvgPool():
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())


def GlobalMaxPool():
    return nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten())


def AdaptiveAvgPool2d(output_size):
    return nn.AdaptiveAvgPool2d(output_size)


def AdaptiveMaxPool2d(output_size):
    return nn.AdaptiveMaxPool2d(output_size)


def MaxPool2d(kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override):
    return nn.MaxPool2d(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def AvgPool2d(kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override):
    return nn.AvgPool2d(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                        count_include_pad=count_include_pad, divisor_override=divisor_override or None)


def LpPool2d(p, kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override):
    return nn.LPPool2d(p, kernel_size=kernel, stride=stride, ceil_mode=ceil_mode)


def MaxUnpool2d(kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override):
    return nn.MaxUnpool2d(kernel_size=kernel, stride=stride, padding=padding)


def _pad_index(p, n, mode):
    """poolnet's pad_source_index: the source of padded position p on an axis of n, or -1 (zeros)."""
    if 0 <= p < n:
        return p
    if mode == "zeros":
        return -1
    if mode == "circular":
        return p % n
    if n == 1:
        return 0
    period = 2 * (n - 1)
    q = p % period
    return q if q < n else period - q


def _padded(x, dim, before, after, mode):
    """x padded along dim by before/after (larger pads than the axis repeat the wrap or mirror)."""
    n = x.shape[dim]
    index = [_pad_index(p, n, mode) for p in range(-before, n + after)]
    if mode == "zeros":
        x = torch.cat([x, torch.zeros_like(x.narrow(dim, 0, 1))], dim)
        index = [n if i < 0 else i for i in index]
    return x.index_select(dim, torch.tensor(index, dtype=torch.long, device=x.device))


def _binomial(size):
    k = [1.0]
    for _ in range(size - 1):
        k = [a + b for a, b in zip(k + [0.0], [0.0] + k)]
    return [v / 2.0 ** (size - 1) for v in k]


def _pair(stride):
    """A stride as (sh, sw): an int s is (s, s)."""
    return (stride, stride) if isinstance(stride, int) else tuple(stride)


def blur(x, size, stride, mode):
    """poolnet's blur_pool2d: binomial filter of `size` taps, padded floor((size-1)/2) before and
    floor(size/2) after in `mode`, output ceil(H/sh) x ceil(W/sw): one depthwise convolution with
    the outer product of the 1-D filters. An axis with stride 1 while the other's is above 1 is
    not filtered (1 tap, no padding)."""
    sh, sw = _pair(stride)
    pure = sh == 1 and sw == 1
    fh, fw = (size if sh > 1 or pure else 1), (size if sw > 1 or pure else 1)
    h, w = x.shape[2], x.shape[3]
    xp = x
    for dim, f, n in ((2, fh, h), (3, fw, w)):
        before, after = (f - 1) // 2, f // 2
        fits = mode == "zeros" or (after <= n if mode == "circular" else after < n)
        if before + after == 0:
            continue
        if fits:  # F.pad's own modes cover these pads
            pads = (0, 0, before, after) if dim == 2 else (before, after, 0, 0)
            xp = F.pad(xp, pads, mode={"zeros": "constant"}.get(mode, mode))
        else:  # pads larger than the map repeat the wrap or mirror
            xp = _padded(xp, dim, before, after, mode)
    c = x.shape[1]
    kh = torch.tensor(_binomial(fh), dtype=x.dtype, device=x.device)
    kw = torch.tensor(_binomial(fw), dtype=x.dtype, device=x.device)
    weight = torch.outer(kh, kw).expand(c, 1, fh, fw)
    return F.conv2d(xp, weight, stride=(sh, sw), groups=c)


def _wrapped(x, stride):
    """x padded circularly at the bottom/right up to multiples of the stride (sh, sw)."""
    sh, sw = _pair(stride)
    h, w = x.shape[2], x.shape[3]
    rows = torch.tensor([i % h for i in range(-(-h // sh) * sh)], dtype=torch.long, device=x.device)
    cols = torch.tensor([j % w for j in range(-(-w // sw) * sw)], dtype=torch.long, device=x.device)
    return x.index_select(2, rows).index_select(3, cols)


def polyphase_components(x, stride):
    """The sh*sw polyphase components of x [N, C, H, W], phase i*sw + j: [N, P, C, OH, OW]."""
    sh, sw = _pair(stride)
    xp = _wrapped(x, stride)
    return torch.stack([xp[:, :, i::sh, j::sw] for i in range(sh) for j in range(sw)], 1)


def aps_phases(x, stride, norm):
    """Per sample, the phase i*sw + j of the polyphase component with the largest norm over
    all channels and positions (in double; l2 compares sums of squares); ties: lowest phase."""
    comps = polyphase_components(x.detach().double(), stride)
    norms = []
    for p in range(comps.shape[1]):
        c = comps[:, p]
        if norm == "l2":
            norms.append((c * c).sum((1, 2, 3)))
        elif norm == "l1":
            norms.append(c.abs().sum((1, 2, 3)))
        else:
            norms.append(c.abs().amax((1, 2, 3)))
    return torch.stack(norms, 1).argmax(1)


def aps_select(x, phases, stride):
    """y[n] = polyphase component phases[n] of x[n] (circularly padded to multiples of stride)."""
    return polyphase_components(x, stride)[torch.arange(x.shape[0], device=x.device), phases]


def _windows(x, kernel, stride):
    """The unpadded windows of x [N, C, H, W]: [N, C, KH*KW (row-major), OH, OW]."""
    n, c, h, w = x.shape
    oh, ow = (h - kernel[0]) // stride[0] + 1, (w - kernel[1]) // stride[1] + 1
    return torch.nn.functional.unfold(x, kernel, stride=stride).view(n, c, kernel[0] * kernel[1], oh, ow)


class BatchNorm2d(nn.BatchNorm2d):
    """nn.BatchNorm2d without the num_batches_tracked buffer, which poolnet does not keep (the
    momentum is always set, so the counter is never read)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.num_batches_tracked = None

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, *args):
        # As a version-2 state dict: nn.BatchNorm2d would otherwise add a counter to the weights.
        super()._load_from_state_dict(state_dict, prefix, dict(local_metadata, version=2), *args)


class BlurPool2d(nn.Module):
    """Binomial low-pass filter, then subsampling (no parameters)."""

    def __init__(self, filter_size, stride, padding_mode):
        super().__init__()
        self.filter_size, self.stride, self.padding_mode = filter_size, stride, padding_mode

    def forward(self, x):
        return blur(x, self.filter_size, self.stride, self.padding_mode)


class MaxBlurPool2d(nn.Module):
    """Dense 2x2 max (stride 1; circular mode wraps it: one row and column padded at the bottom/right),
    then blur and subsample."""

    def __init__(self, filter_size, stride, padding_mode):
        super().__init__()
        self.filter_size, self.stride, self.padding_mode = filter_size, stride, padding_mode

    def forward(self, x):
        if self.padding_mode == "circular":
            x = _padded(_padded(x, 2, 0, 1, "circular"), 3, 0, 1, "circular")
        return blur(F.max_pool2d(x, 2, 1), self.filter_size, self.stride, self.padding_mode)


class ConvBlurPool2d(nn.Module):
    """3x3 convolution (stride 1, padding 1), ReLU, then blur and subsample."""

    def __init__(self, filter_size, stride, padding_mode, conv):
        super().__init__()
        self.conv = conv
        self.filter_size, self.stride, self.padding_mode = filter_size, stride, padding_mode

    def forward(self, x):
        return blur(F.relu(self.conv(x)), self.filter_size, self.stride, self.padding_mode)


class ApsPool2d(nn.Module):
    """Adaptive polyphase sampling, optionally after a stride-1 blur; keeps the chosen phases."""

    def __init__(self, stride, norm, blur_filter=0, blur_padding="circular"):
        super().__init__()
        self.stride, self.norm, self.blur_filter, self.blur_padding = stride, norm, blur_filter, blur_padding
        self.last_phases = None

    def forward(self, x):
        if self.blur_filter > 0:
            x = blur(x, self.blur_filter, 1, self.blur_padding)
        self.last_phases = aps_phases(x, self.stride, self.norm)
        return aps_select(x, self.last_phases, self.stride)

    def follow(self, t):
        """t downsampled with the latest forward's phases (after the same blur)."""
        if self.blur_filter > 0:
            t = blur(t, self.blur_filter, 1, self.blur_padding)
        return aps_select(t, self.last_phases, self.stride)


class MixedPool2d(nn.Module):
    """a * max + (1 - a) * avg over the same windows, a = sigmoid(gate)."""

    def __init__(self, kernel, stride, padding, dilation, ceil_mode, count_include_pad, divisor_override):
        super().__init__()
        self.gate = nn.Parameter(torch.zeros(1))
        self.kernel_size, self.stride, self.padding = kernel, stride, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        avg = F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode,
                           count_include_pad=self.count_include_pad)
        top = F.max_pool2d(x, self.kernel_size, self.stride, self.padding, ceil_mode=self.ceil_mode)
        return avg + torch.sigmoid(self.gate) * (top - avg)


class SoftPool2d(nn.Module):
    """The softmax-weighted sum of each window (unpadded, floor mode)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel_size, self.stride = kernel, stride

    def forward(self, x):
        p = _windows(x, self.kernel_size, self.stride)
        e = torch.exp(p - p.amax(2, keepdim=True).detach())
        return (e * p).sum(2) / e.sum(2)


class StochasticPool2d(nn.Module):
    """eval: sum max(a,0)^2 / sum max(a,0) per window (0 if no value is positive); training: one
    value per window drawn with probability max(a,0) / sum max(a,0) from torch's generator (poolnet
    draws from its own counter-based streams, so training draws differ)."""

    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel_size, self.stride = kernel, stride

    def forward(self, x):
        p = _windows(x, self.kernel_size, self.stride)
        a = p.clamp(min=0)
        s = a.sum(2)
        live = (s > 0) | s.isnan()
        if not self.training:
            return torch.where(live, (a * a).sum(2) / torch.where(live, s, torch.ones_like(s)), torch.zeros_like(s))
        threshold = (torch.rand_like(s) * s).unsqueeze(2)
        k = (a.cumsum(2) <= threshold).sum(2).clamp(max=p.shape[2] - 1)
        k = torch.where(live, k, torch.zeros_like(k))
        return p.gather(2, k.unsqueeze(2)).squeeze(2)


class FractionalMaxPool2d(nn.Module):
    """Max over kernel-sized windows at PyTorch's fractional intervals (F.fractional_max_pool2d):
    output `output` unless it is (0, 0), else floor(ratio * input). eval: every plane's two
    offsets are eval_u, as in poolnet, so both compute the same; training: offsets from torch's
    generator (poolnet draws from its own counter-based streams, so training draws differ)."""

    def __init__(self, kernel, ratio, output, eval_u):
        super().__init__()
        self.kernel_size, self.ratio, self.output, self.eval_u = kernel, ratio, output, eval_u

    def forward(self, x):
        n, c, h, w = x.shape
        size = tuple(self.output) if tuple(self.output) != (0, 0) else (int(h * self.ratio), int(w * self.ratio))
        samples = None if self.training else torch.full((n, c, 2), self.eval_u, dtype=x.dtype, device=x.device)
        return F.fractional_max_pool2d(x, self.kernel_size, output_size=size, _random_samples=samples)


class LpsPool2d(nn.Module):
    """Learnable polyphase sampling (Rojas-Gomez et al. 2022): an optional stride-1 blur, then the
    sh*sw polyphase components (phase i*sw + j = xp[:, :, i::sh, j::sw], xp wrapped circularly at
    the bottom/right), scored by conv1 -> ReLU -> conv2 (3x3, 'same', circular) averaged over
    channels and positions; training: the F.gumbel_softmax (soft) mixture of the components at
    temperature tau (torch's own noise: poolnet draws from its counter-based streams, so training
    draws differ); eval: the component of the largest logit, kept in last_phases."""

    def __init__(self, stride, blur_filter, blur_padding, tau, conv1, conv2):
        super().__init__()
        self.stride = tuple(stride) if isinstance(stride, (tuple, list)) else (stride, stride)
        self.blur_filter, self.blur_padding, self.tau = blur_filter, blur_padding, tau
        self.conv1, self.conv2 = conv1, conv2
        self.last_phases, self.last_weights = None, None

    def forward(self, x):
        if self.blur_filter > 1:
            x = blur(x, self.blur_filter, 1, self.blur_padding)
        comps = polyphase_components(x, self.stride)
        n, p = comps.shape[0], comps.shape[1]
        logits = self.conv2(F.relu(self.conv1(comps.flatten(0, 1)))).mean(dim=(1, 2, 3)).view(n, p)
        if self.training:
            self.last_weights = F.gumbel_softmax(logits, tau=self.tau, hard=False)
            self.last_phases = self.last_weights.argmax(1)
            return (comps * self.last_weights.view(n, p, 1, 1, 1)).sum(1)
        self.last_phases, self.last_weights = logits.argmax(1), None
        return comps[torch.arange(n, device=x.device), self.last_phases]

    def follow(self, t):
        """t downsampled with the latest forward's choice (training: its mixture weights)."""
        if self.blur_filter > 1:
            t = blur(t, self.blur_filter, 1, self.blur_padding)
        comps = polyphase_components(t, self.stride)
        if self.last_weights is not None:
            return (comps * self.last_weights.view(comps.shape[0], comps.shape[1], 1, 1, 1)).sum(1)
        return comps[torch.arange(comps.shape[0], device=t.device), self.last_phases]
class S3Pool2d(nn.Module):
    """S3Pool (Zhai et al. 2017, the authors' StochasticPool2DLayer): max pool kernel 2 stride 1
    without padding, then eval: average pooling with kernel = stride = `stride`, padding
    stride // 2, padding excluded; training: per axis, from each grid of `grid` rows (grid
    (0, 0): the stride) grid // stride rows drawn without replacement and sorted, one draw for
    the whole batch from torch's generator (poolnet draws from its own counter-based streams, so
    training draws differ)."""

    def __init__(self, stride, grid):
        super().__init__()
        self.stride = tuple(stride)
        self.grid = tuple(stride) if tuple(grid) == (0, 0) else tuple(grid)

    @staticmethod
    def draw(n, grid, stride):
        """Kept indices of the pooled length n - 1: grids of the input length n, the last grid
        takes the rest, min(grid // stride, its size) of each."""
        grids, kept = n // grid, []
        for i in range(grids):
            start = grid * i
            size = grid if i < grids - 1 else n - 1 - start
            kept += sorted((start + torch.randperm(size)[: grid // stride]).tolist())
        return kept

    def forward(self, x):
        m = F.max_pool2d(x, 2, 1)
        (sh, sw), (gh, gw) = self.stride, self.grid
        if not self.training:
            return F.avg_pool2d(m, (sh, sw), (sh, sw), (sh // 2, sw // 2), count_include_pad=False)
        rows, cols = self.draw(x.shape[2], gh, sh), self.draw(x.shape[3], gw, sw)
        return m[:, :, rows][:, :, :, cols]
class TipsPool2d(nn.Module):
    """Translation invariant polyphase sampling (sourajitcs/tips, tips.py): reflect-pad the top/left
    to a multiple of the stride; psi = relu(conv1(x)) (depthwise KxK, no bias); per channel the
    softmax over the flattened (sh, sw) bins of conv2(adaptive_avg_pool(psi)) (depthwise 1x1);
    component (i, j) = x[:, :, i::sh, j::sw] weighted by bin j*sh + i (tips.py's stacking order).
    The regulariser (framework/ops/tips.h) is a training loss, not part of the output."""

    def __init__(self, channels, kernel, stride, padding_mode, conv1=None, conv2=None):
        super().__init__()
        self.stride = tuple(stride) if isinstance(stride, (tuple, list)) else (stride, stride)
        self.conv1 = conv1 or nn.Conv2d(channels, channels, kernel, padding=(kernel - 1) // 2, groups=channels,
                                        bias=False, padding_mode=padding_mode)
        self.conv2 = conv2 or nn.Conv2d(channels, channels, 1, groups=channels, bias=False)

    def forward(self, x):
        sh, sw = self.stride
        h, w = x.shape[-2:]
        top, left = (sh - h % sh) % sh, (sw - w % sw) % sw
        if top or left:
            x = F.pad(x, (left, 0, top, 0), mode="reflect")
        n, c = x.shape[:2]
        psi = F.relu(self.conv1(x))
        tau = torch.softmax(self.conv2(F.adaptive_avg_pool2d(psi, (sh, sw))).view(n, c, -1), dim=-1)
        comps = torch.stack([x[:, :, i::sh, j::sw] for j in range(sw) for i in range(sh)], dim=2)
        return (tau.view(n, c, sh * sw, 1, 1) * comps).sum(dim=2)


class GlobalAvgMaxPool(nn.Module):
    """Global average and global max pooling side by side: [N, C, H, W] -> [N, 2C]."""

    def forward(self, x):
        return torch.cat([x.mean((2, 3)), x.amax((2, 3))], 1)


def LayerNorm(channels):
    return nn.LayerNorm(channels)


class GemPool(nn.Module):
    """Generalised mean over the map (cirtorch's GeM): (mean of clamp(x, 1e-6)^p)^(1/p), p learnable."""

    def __init__(self):
        super().__init__()
        self.p = nn.Parameter(torch.full((1,), 3.0))

    def forward(self, x):
        return F.avg_pool2d(x.clamp(min=1e-6).pow(self.p), x.shape[-2:]).pow(1.0 / self.p).flatten(1)


class LsePool(nn.Module):
    """Log-sum-exp over the map (timm's LsePlus2d): m + log(mean exp(r (x - m))) / r, r learnable."""

    def __init__(self):
        super().__init__()
        self.r = nn.Parameter(torch.full((1,), 10.0))

    def forward(self, x):
        m = F.adaptive_max_pool2d(x, 1)
        return (m + torch.log(torch.exp(self.r * (x - m)).mean(dim=(2, 3), keepdim=True)) / self.r).flatten(1)


class SimPool2d(nn.Module):
    """SimPool (timm's SimPool2d, gamma 2): query = q(mean token), keys = k(LN(tokens)), values =
    LN(tokens) shifted per channel to be positive, raised to gamma; (attention sum)^(1/gamma)."""

    def __init__(self, channels, heads, norm, q, k):
        super().__init__()
        self.heads, self.norm, self.q, self.k = heads, norm, q, k
        self.last_attention = None

    def forward(self, x):
        b, c, h, w = x.shape
        d = c // self.heads
        t = x.flatten(2).transpose(1, 2)
        xn = self.norm(t)
        q = self.q(t.mean(dim=1, keepdim=True)).reshape(b, 1, self.heads, d).transpose(1, 2)
        k = self.k(xn).reshape(b, h * w, self.heads, d).transpose(1, 2)
        v = xn.reshape(b, h * w, self.heads, d).transpose(1, 2)
        v = (v - v.amin(dim=-2, keepdim=True) + 1e-6).pow(2.0)
        attn = ((q * d ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
        self.last_attention = attn.reshape(b, self.heads, h, w)
        return (attn @ v).pow(0.5).transpose(1, 2).reshape(b, c)


class AttentionPool2d(nn.Module):
    """CLIP's AttentionPool2d: [mean token, tokens] + position embedding, multi-head attention with
    the mean token as the only query, then c_proj."""

    def __init__(self, channels, size, heads, k_proj, q_proj, v_proj, c_proj):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.zeros(size[0] * size[1] + 1, channels))
        self.heads, self.k_proj, self.q_proj, self.v_proj, self.c_proj = heads, k_proj, q_proj, v_proj, c_proj

    def forward(self, x):
        t = x.flatten(start_dim=2).permute(2, 0, 1)
        t = torch.cat([t.mean(dim=0, keepdim=True), t], dim=0) + self.positional_embedding[:, None, :]
        out, _ = F.multi_head_attention_forward(
            query=t[:1], key=t, value=t, embed_dim_to_check=t.shape[-1], num_heads=self.heads,
            q_proj_weight=self.q_proj.weight, k_proj_weight=self.k_proj.weight, v_proj_weight=self.v_proj.weight,
            in_proj_weight=None, in_proj_bias=torch.cat([self.q_proj.bias, self.k_proj.bias, self.v_proj.bias]),
            bias_k=None, bias_v=None, add_zero_attn=False, dropout_p=0.0, out_proj_weight=self.c_proj.weight,
            out_proj_bias=self.c_proj.bias, use_separate_proj_weight=True, training=self.training,
            need_weights=False)
        return out.squeeze(0)


class BasicBlock(nn.Module):
    """conv1 -> bn1 -> ReLU -> [down] -> conv2 -> bn2, plus the shortcut ([shortcut_down] or, with
    phase_shortcut, `down`'s polyphase choice: down.follow; then [shortcut_conv -> shortcut_bn]), then ReLU."""

    def __init__(self, phase_shortcut, conv1, bn1, conv2, bn2, down=None, shortcut_down=None, shortcut_conv=None,
                 shortcut_bn=None):
        super().__init__()
        self.conv1, self.bn1, self.down, self.conv2, self.bn2 = conv1, bn1, down, conv2, bn2
        self.shortcut_down, self.shortcut_conv, self.shortcut_bn = shortcut_down, shortcut_conv, shortcut_bn
        self.phase_shortcut = phase_shortcut

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        if self.down is not None:
            h = self.down(h)
        h = self.bn2(self.conv2(h))
        s = x
        if self.phase_shortcut:
            s = self.down.follow(s)
        elif self.shortcut_down is not None:
            s = self.shortcut_down(s)
        if self.shortcut_conv is not None:
            s = self.shortcut_bn(self.shortcut_conv(s))
        return F.relu(h + s)


def InstanceNorm2d(num_features, eps, affine):
    return nn.InstanceNorm2d(num_features, eps=eps, affine=affine)


class SoftGate(nn.Module):
    """coeff * sigmoid(x) (sebgao/LIP, imagenet/lip_resnet.py: SoftGate with COEFF = 12)."""

    def __init__(self, coeff):
        super().__init__()
        self.coeff = coeff

    def forward(self, x):
        return torch.sigmoid(x).mul(self.coeff)


def LipLogit(coeff, conv, bn):
    """The simplified LIP's logit module: conv -> bn -> gate, named as SimplifiedLIP.logit."""
    logit = nn.Sequential()
    logit.add_module("conv", conv)
    logit.add_module("bn", bn)
    logit.add_module("gate", SoftGate(coeff))
    return logit


class LipPool2d(nn.Module):
    """Local importance pooling (sebgao/LIP, lip2d and SimplifiedLIP): avg_pool(x * w) / avg_pool(w),
    w = exp(logit(x)); zeros: the padding adds 0 to both, so it takes no part; circular: x and w
    wrap around by the padding, then unpadded windows."""

    def __init__(self, kernel, stride, padding, padding_mode, logit):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.padding_mode = kernel, stride, padding, padding_mode
        self.logit = logit

    def forward(self, x):
        w = self.logit(x).exp()
        padding = self.padding
        if self.padding_mode == "circular":
            wrap = (padding[1], padding[1], padding[0], padding[0])
            x, w, padding = F.pad(x, wrap, mode="circular"), F.pad(w, wrap, mode="circular"), 0
        return (F.avg_pool2d(x * w, self.kernel_size, self.stride, padding) /
                F.avg_pool2d(w, self.kernel_size, self.stride, padding))


class SpectralPool2d(nn.Module):
    """Rippel et al. 2015: the centred floor(ratio*H) x floor(ratio*W) block (at least 1) of the
    shifted spectrum, norm="forward" both ways (a constant plane stays constant), real part."""

    def __init__(self, ratio):
        super().__init__()
        self.ratio = ratio

    def forward(self, x):
        H, W = x.shape[2], x.shape[3]
        oh, ow = max(1, math.floor(self.ratio * H)), max(1, math.floor(self.ratio * W))
        X = torch.fft.fftshift(torch.fft.fft2(x, norm="forward"), dim=(-2, -1))
        r0, c0 = H // 2 - oh // 2, W // 2 - ow // 2
        block = torch.fft.ifftshift(X[:, :, r0:r0 + oh, c0:c0 + ow], dim=(-2, -1))
        return torch.fft.ifft2(block, norm="forward").real


class FlcPool2d(nn.Module):
    """FLC pooling (Grabinski et al. 2022) as FLC_Pooling.forward in GeJulia/flc_pooling
    flc_pooling.py: the magnitude of the inverse of the middle half of the shifted spectrum."""

    def forward(self, x):
        H, W = x.shape[2], x.shape[3]
        low = torch.fft.fftshift(torch.fft.fft2(x))[:, :, H // 4:3 * H // 4, W // 4:3 * W // 4]
        return torch.fft.ifft2(torch.fft.ifftshift(low)).abs()


class AsapPool2d(nn.Module):
    """ASAP (Grabinski et al. 2023) as ASAP.forward in GeJulia/flc_pooling asap.py with
    transpose=False: FLC's crop of the Hamming-windowed shifted spectrum, norm="forward", real part."""

    def forward(self, x):
        H, W = x.shape[2], x.shape[3]
        n_h, n_w = torch.arange(H, dtype=torch.float64), torch.arange(W, dtype=torch.float64)
        hamming_h = 0.54 - 0.46 * torch.cos(2 * math.pi * n_h / (H - 1)) if H > 1 else torch.ones(1, dtype=torch.float64)
        hamming_w = 0.54 - 0.46 * torch.cos(2 * math.pi * n_w / (W - 1)) if W > 1 else torch.ones(1, dtype=torch.float64)
        window = torch.sqrt(torch.outer(hamming_h.abs(), hamming_w.abs())).to(x.dtype)
        low = torch.fft.fftshift(torch.fft.fft2(x, norm="forward")) * window
        low = low[:, :, H // 4:3 * H // 4, W // 4:3 * W // 4]
        return torch.fft.ifft2(torch.fft.ifftshift(low), norm="forward").real


# Low-pass taps in correlation orientation (pywt's rec_lo): output i reads inputs 2i + k - (F/2 - 1).
_WAVELET_LOWPASS = {
    "haar": [2 ** -0.5, 2 ** -0.5],
    "db2": [(1 + 3 ** 0.5) / (4 * 2 ** 0.5), (3 + 3 ** 0.5) / (4 * 2 ** 0.5), (3 - 3 ** 0.5) / (4 * 2 ** 0.5),
            (1 - 3 ** 0.5) / (4 * 2 ** 0.5)],
}


class WaveletPool2d(nn.Module):
    """Wavelet pooling (Williams & Li 2018): the first-level approximation of the periodic 2-D DWT
    (what the two-level decompose / one-step reconstruct scheme gives). An odd side first repeats
    its last sample (pywt's periodization mode); then circular padding F/2 - 1 before and after
    and one depthwise stride-2 convolution with the outer product of the low-pass taps."""

    def __init__(self, wavelet):
        super().__init__()
        self.wavelet = wavelet

    def forward(self, x):
        taps = torch.tensor(_WAVELET_LOWPASS[self.wavelet], dtype=torch.float64)
        f, c = taps.numel(), x.shape[1]
        x = F.pad(x, (0, x.shape[3] % 2, 0, x.shape[2] % 2), mode="replicate")
        pad = f // 2 - 1
        if pad:
            x = F.pad(x, (pad, pad, pad, pad), mode="circular")
        weight = torch.outer(taps, taps).to(x.dtype).expand(c, 1, f, f)
        return F.conv2d(x, weight, stride=2, groups=c)


class DppPool2d(nn.Module):
    """Detail-preserving pooling, symmetric lite (visinf/dpp, DPP_sym_lite.lua): per non-overlapping
    window, guide = mean, s = (x - guide)^2 + 1e-3, w = exp(min(log_alpha, 10)) + (s / mean(s))^(exp(log_lambda) / 2),
    y = mean(w x) / mean(w); rows and columns past the last whole window are dropped."""

    def __init__(self, channels, window):
        super().__init__()
        self.log_alpha = nn.Parameter(torch.zeros(channels))
        self.log_lambda = nn.Parameter(torch.zeros(channels))
        self.window = tuple(window)

    def forward(self, x):
        kh, kw = self.window
        x = x[:, :, :x.shape[2] // kh * kh, :x.shape[3] // kw * kw]

        def window_mean(t):
            return F.avg_pool2d(t, self.window).repeat_interleave(kh, 2).repeat_interleave(kw, 3)

        s = (x - window_mean(x)) ** 2 + 1e-3
        c = x.shape[1]
        alpha = torch.exp(self.log_alpha.clamp(max=10)).view(1, c, 1, 1)
        half_lambda = (torch.exp(self.log_lambda) / 2).view(1, c, 1, 1)
        w = alpha + (s / window_mean(s)) ** half_lambda
        return F.avg_pool2d(x * w, self.window) / F.avg_pool2d(w, self.window)
