#!/usr/bin/env python3
"""PyTorch CPU twin of the project's UNet denoiser, for speed comparisons with the tfjs model.

Mirrors packages/diffusion/src/unet/unet.ts layer by layer (with blocks/res-block.ts,
blocks/spatial-transformer.ts and the @sgdiff/nn modules they use), built from
`parts.unet.config.unet` of a model JSON: same convs, norms, attention, MLP, timestep and
global-embedding paths and layout conv, so the parameter count equals the tfjs model's
(`UNet.numParameters()`). Weights are random (torch defaults): this is for timing only.

Tensors are NCHW (as PyTorch users write it) unless --channels-last. Inputs per batch B:
x_t [B, C, H, W] from `latentShape`, int timesteps in [0, 1000), context [B, L + 1, Dc] (the
`numLocalTokens` local tokens plus the global one, as conditioning/graph-context.ts builds it)
with a padding mask, and a layout map [B, layoutChannels, H, W]. Prints JSON lines: parameter
count, forward median per batch (no_grad), then a train-step median (MSE to a random target,
backward, AdamW lr 1e-4).

    python3 packages/diffusion/bench/unet_twin.py --config models/default/sgdiff.json --threads 2 \
        [--batches 1,16] [--train-batch 24] [--iters 5] [--channels-last] [--explicit-attention]
        [--params-only]
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# As attention.ts: padded keys get this logit added, so exp underflows to exactly 0.
MASKED_LOGIT = -1e9
EXPLICIT_ATTENTION = False


def norm_groups(channels: int, max_groups: int = 32) -> int:
    """res-block.ts normGroups: the largest group count ≤ max that divides channels."""
    g = min(max_groups, channels)
    while channels % g:
        g -= 1
    return g


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    # [cos, sin] order as timestep-embedding.ts (improved-diffusion), not [sin, cos].
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    return F.pad(emb, (0, 1)) if dim % 2 else emb


class ResBlock(nn.Module):
    def __init__(self, channels: int, out: int, emb_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(norm_groups(channels, groups), channels, eps=1e-5)
        self.conv1 = nn.Conv2d(channels, out, 3, padding=1)
        self.emb_proj = nn.Linear(emb_dim, out)
        self.norm2 = nn.GroupNorm(norm_groups(out, groups), out, eps=1e-5)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1)
        self.skip = nn.Conv2d(channels, out, 1) if out != channels else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb_proj(F.silu(emb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return (self.skip(x) if self.skip is not None else x) + h


class MultiHeadAttention(nn.Module):
    """attention.ts: separate q/k/v/out projections; the transformer builds them bias-free."""

    def __init__(self, dim: int, heads: int, context_dim: int, dropout: float, bias: bool):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim, bias=bias)
        self.k = nn.Linear(context_dim, dim, bias=bias)
        self.v = nn.Linear(context_dim, dim, bias=bias)
        self.out = nn.Linear(dim, dim, bias=bias)
        self.dropout = dropout

    def forward(self, x, context=None, key_bias=None):
        # key_bias: [B, 1, 1, Tk] additive, 0 for real keys and MASKED_LOGIT for padding.
        ctx = x if context is None else context
        b, tq, d = x.shape
        dh = d // self.heads

        def split(t):
            return t.view(b, -1, self.heads, dh).transpose(1, 2)  # [B, H, T, dh]

        q, k, v = split(self.q(x)), split(self.k(ctx)), split(self.v(ctx))
        p = self.dropout if self.training else 0.0
        if EXPLICIT_ATTENTION:  # the tfjs op sequence: matmul, scale, mask, softmax, matmul
            logits = (q @ k.transpose(-1, -2)) * (1 / math.sqrt(dh))
            if key_bias is not None:
                logits = logits + key_bias
            heads = F.dropout(logits.softmax(-1), p) @ v
        else:  # what a PyTorch user would write; same math and FLOPs, one fused kernel
            heads = F.scaled_dot_product_attention(q, k, v, attn_mask=key_bias, dropout_p=p)
        return self.out(heads.transpose(1, 2).reshape(b, tq, d))


class MLP(nn.Module):
    """mlp.ts: Linear → exact GELU → dropout → Linear (a plain MLP, not GEGLU)."""

    def __init__(self, dim: int, hidden: int, dropout: float):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.dropout(F.gelu(self.fc1(x))))


class SpatialTransformer(nn.Module):
    """spatial-transformer.ts: one block, Linear (not 1×1 conv) proj_in/proj_out over tokens."""

    def __init__(self, channels: int, context_dim: int, head_channels: int, groups: int,
                 dropout: float):
        super().__init__()
        heads = max(1, channels // head_channels)
        self.norm = nn.GroupNorm(norm_groups(channels, groups), channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, channels)
        self.norm1 = nn.LayerNorm(channels, eps=1e-5)
        self.self_attn = MultiHeadAttention(channels, heads, channels, dropout, bias=False)
        self.norm2 = nn.LayerNorm(channels, eps=1e-5)
        self.cross_attn = MultiHeadAttention(channels, heads, context_dim, dropout, bias=False)
        self.norm3 = nn.LayerNorm(channels, eps=1e-5)
        self.mlp = MLP(channels, 4 * channels, dropout)
        self.proj_out = nn.Linear(channels, channels)

    def forward(self, x, context, key_bias):
        b, c, h, w = x.shape
        t = self.proj_in(self.norm(x).flatten(2).transpose(1, 2))  # [B, H·W, C]
        t = t + self.self_attn(self.norm1(t))
        t = t + self.cross_attn(self.norm2(t), context, key_bias)
        t = t + self.mlp(self.norm3(t))
        return x + self.proj_out(t).transpose(1, 2).reshape(b, c, h, w)


class Stage(nn.Module):
    def __init__(self, res: ResBlock, attn):
        super().__init__()
        self.res = res
        self.attn = attn

    def forward(self, x, emb, context, key_bias):
        h = self.res(x, emb)
        return self.attn(h, context, key_bias) if self.attn is not None else h


class Upsample(nn.Module):
    """upsample.ts: nearest ×2, then a 3×3 'same' conv."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class UNet(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        mc, mult, nres = cfg["modelChannels"], cfg["channelMult"], cfg["numResBlocks"]
        groups, dropout, cdim = cfg["groups"], cfg["dropout"], cfg["contextDim"]
        emb_dim = 4 * mc
        self.mc, self.nres = mc, nres
        self.time_embed1 = nn.Linear(mc, emb_dim)
        self.time_embed2 = nn.Linear(emb_dim, emb_dim)
        self.global_embed = nn.Linear(cdim, emb_dim) if cfg.get("globalEmbedding") else None
        self.input_conv = nn.Conv2d(cfg["inChannels"], mc, 3, padding=1)
        lc = cfg.get("layoutChannels")
        # Added to the input features (not concatenated), bias-free as in unet.ts.
        self.layout_conv = nn.Conv2d(lc, mc, 3, padding=1, bias=False) if lc else None

        def attn(level, ch):
            if level not in cfg["attentionLevels"]:
                return None
            return SpatialTransformer(ch, cdim, cfg["headChannels"], groups, dropout)

        def res(cin, cout):
            return ResBlock(cin, cout, emb_dim, groups, dropout)

        skips, ch = [mc], mc
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        for level, m in enumerate(mult):
            for _ in range(nres):
                self.down.append(Stage(res(ch, mc * m), attn(level, mc * m)))
                ch = mc * m
                skips.append(ch)
            last = level == len(mult) - 1
            # Stride-2 3×3 conv, padding 1 (res-block.ts Downsample); Identity keeps indexing.
            self.downsample.append(nn.Identity() if last else nn.Conv2d(ch, ch, 3, 2, 1))
            if not last:
                skips.append(ch)
        self.mid_res1 = res(ch, ch)
        self.mid_attn = SpatialTransformer(ch, cdim, cfg["headChannels"], groups, dropout)
        self.mid_res2 = res(ch, ch)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for r, m in enumerate(reversed(mult)):
            level = len(mult) - 1 - r
            for _ in range(nres + 1):
                skip = skips.pop()
                self.up.append(Stage(res(ch + skip, mc * m), attn(level, mc * m)))
                ch = mc * m
            self.upsample.append(nn.Identity() if level == 0 else Upsample(ch))
        self.out_norm = nn.GroupNorm(norm_groups(ch, groups), ch, eps=1e-5)
        self.out_conv = nn.Conv2d(ch, cfg["outChannels"], 3, padding=1)

    def forward(self, x, t, context, context_mask=None, layout=None):
        emb = self.time_embed2(F.silu(self.time_embed1(timestep_embedding(t, self.mc))))
        if self.global_embed is not None:
            emb = emb + self.global_embed(context[:, -1])  # the last token is the global one
        key_bias = None
        if context_mask is not None:
            key_bias = ((1 - context_mask.float()) * MASKED_LOGIT)[:, None, None, :]
        h = self.input_conv(x)
        if layout is not None:
            h = h + self.layout_conv(layout)
        hs, s = [h], 0
        for down in self.downsample:
            for _ in range(self.nres):
                h = self.down[s](h, emb, context, key_bias)
                s += 1
                hs.append(h)
            if not isinstance(down, nn.Identity):
                h = down(h)
                hs.append(h)
        h = self.mid_res2(self.mid_attn(self.mid_res1(h, emb), context, key_bias), emb)
        s = 0
        for up in self.upsample:
            for _ in range(self.nres + 1):
                h = self.up[s](torch.cat([h, hs.pop()], dim=1), emb, context, key_bias)
                s += 1
            h = up(h)
        return self.out_conv(F.silu(self.out_norm(h)))


def make_inputs(batch, latent_shape, tokens, cfg, fmt):
    h, w, c = latent_shape
    x = torch.randn(batch, c, h, w).contiguous(memory_format=fmt)
    t = torch.randint(0, 1000, (batch,))
    context = torch.randn(batch, tokens, cfg["contextDim"])
    # Real local tokens first, then padding; the global token (last) is always real.
    real = torch.randint(1, tokens, (batch, 1))
    mask = (torch.arange(tokens)[None] < real).float()
    mask[:, -1] = 1
    layout = None
    if cfg.get("layoutChannels"):
        layout = torch.randn(batch, cfg["layoutChannels"], h, w).contiguous(memory_format=fmt)
    return x, t, context, mask, layout


def timed(fn, iters: int) -> float:
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    global EXPLICIT_ATTENTION
    p = argparse.ArgumentParser()
    p.add_argument("--config", default="models/default/sgdiff.json")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batches", default="1,16")
    p.add_argument("--train-batch", type=int, default=24)
    p.add_argument("--iters", type=int, default=5)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--explicit-attention", action="store_true",
                   help="attention as tfjs runs it (matmul/softmax/matmul) instead of SDPA")
    p.add_argument("--params-only", action="store_true")
    a = p.parse_args()
    EXPLICIT_ATTENTION = a.explicit_attention

    torch.set_num_threads(a.threads)
    try:  # only settable before any inter-op work has started
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    # On CPUs NNPACK can't use, every batch-1 conv retries it and warns on stderr before
    # falling back; switching it off there only silences that (where it works, it stays on).
    if not torch.backends.nnpack.is_available():
        torch.backends.nnpack.set_flags(False)

    with open(a.config) as f:
        model_json = json.load(f)
    unet_part = model_json["parts"]["unet"]["config"]
    cfg = unet_part["unet"]
    # graph-context.ts: numLocalTokens local tokens plus the global one.
    tokens = unet_part["context"]["numLocalTokens"] + 1
    latent_shape = model_json["latentShape"]  # [H, W, C]

    torch.manual_seed(0)
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = UNet(cfg).to(memory_format=fmt)
    n_params = sum(p.numel() for p in model.parameters())
    tag = {"model": "unet-twin"}
    print(json.dumps({**tag, "torch": torch.__version__, "threads": a.threads,
                      "params": n_params}), flush=True)
    if a.params_only:
        return

    model.eval()
    for batch in [int(b) for b in a.batches.split(",")]:
        inputs = make_inputs(batch, latent_shape, tokens, cfg, fmt)

        def forward():
            with torch.no_grad():
                model(*inputs)

        forward()  # warm-up: allocator, oneDNN primitive caches
        print(json.dumps({**tag, "threads": a.threads, "batch": batch,
                          "forwardMs": round(timed(forward, a.iters), 3)}), flush=True)

    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    inputs = make_inputs(a.train_batch, latent_shape, tokens, cfg, fmt)
    target = torch.randn_like(inputs[0])

    def step():
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(*inputs), target).backward()
        opt.step()

    step()  # warm-up, and creates AdamW's state
    print(json.dumps({**tag, "threads": a.threads, "batch": a.train_batch,
                      "trainStepMs": round(timed(step, a.iters), 3)}), flush=True)


if __name__ == "__main__":
    main()
