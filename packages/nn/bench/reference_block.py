#!/usr/bin/env python3
"""PyTorch version of docs/toolchain.md's reference block, for side-by-side runs with bench/fused.ts and
bench/reference-block.ts on the same GPU.

4 residual blocks, each h + conv3x3(silu(GN(conv3x3(silu(GN(h)))))): GroupNorm(32, 128, eps 1e-5,
affine), convs without bias, 'same' padding. Input [B, 128, 32, 32] (NCHW), loss MSE to a fixed
random target, Adam lr 1e-4. fp32 with TF32 off. Prints one JSON line per batch size, in the
shape of the tfjs benches' lines.

    python3 packages/nn/bench/reference_block.py [--batches 1,32] [--iters 50] [--channels-last]
                                                  [--profile] [--threads N] [--warmup K]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(32, c, eps=1e-5)
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.norm2 = nn.GroupNorm(32, c, eps=1e-5)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, h):
        a = self.conv1(F.silu(self.norm1(h)))
        return h + self.conv2(F.silu(self.norm2(a)))


class ReferenceBlock(nn.Module):
    def __init__(self, c: int = 128):
        super().__init__()
        self.blocks = nn.ModuleList([ResBlock(c) for _ in range(4)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x


def timed(fn, iters: int, device) -> float:
    times = []
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda _d: None)
    for _ in range(iters):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batches", default="1,32")
    p.add_argument("--iters", type=int, default=50)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=128)
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--profile", action="store_true", help="print the top CUDA ops of one train step")
    a = p.parse_args()

    if a.threads:
        torch.set_num_threads(a.threads)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format

    for batch in [int(b) for b in a.batches.split(",")]:
        torch.manual_seed(0)
        model = ReferenceBlock(a.channels).to(device).to(memory_format=fmt)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        shape = (batch, a.channels, a.size, a.size)
        x = torch.randn(shape, device=device).contiguous(memory_format=fmt)
        target = torch.randn(shape, device=device).contiguous(memory_format=fmt)

        def forward():
            with torch.no_grad():
                model(x)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.mse_loss(model(x), target)
            loss.backward()
            opt.step()

        for _ in range(a.warmup):  # warm-up: cuDNN autotuning, allocator
            forward()
            step()
        forward_ms = timed(forward, a.iters, device)
        step_ms = timed(step, a.iters, device)
        print(json.dumps({
            "block": "reference",
            "backend": f"pytorch-{torch.__version__}-{device.type}",
            "adapter": name,
            "dtype": "float32 (TF32 off)",
            "threads": torch.get_num_threads(),
            "memoryFormat": "channels_last" if a.channels_last else "NCHW",
            "shape": [batch, a.size, a.size, a.channels],
            "iterations": a.iters,
            "forwardMs": round(forward_ms, 3),
            "trainStepMs": round(step_ms, 3),
        }), flush=True)
        if a.profile and device.type == "cuda":
            from torch.profiler import ProfilerActivity, profile

            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                step()
                torch.cuda.synchronize(device)
            print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=12), flush=True)


if __name__ == "__main__":
    main()
