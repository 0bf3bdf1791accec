"""Reference for src/samplers/samplers.test.ts, written to src/fixtures/gaussian-samplers.json.

Data x0 ~ N(mu_c, s_c^2) per channel c. Its exact eps-denoiser is affine in x_t,
    eps(x_t) = sqrt(1 - ab_t) (x_t - sqrt(ab_t) mu) / (ab_t s^2 + 1 - ab_t),
so every sampler step is affine and a whole run is
    out = A x_in + B + sum_k c_k z_k        (z_k: the k-th noise draw)
This script propagates A, B, c_k in float64 (numpy), written from the papers' update rules
(DDPM posterior, DDIM eq. 12, DPM-Solver++ Alg. 2), not from the TypeScript. It also gives the
output moments for x_in drawn from the exact marginal q(x_{t_0}), and the exact probability-flow
ODE map x_in -> x_0 = mu + s / sqrt(ab s^2 + 1 - ab) (x_in - sqrt(ab) mu).
Run: python3 scripts/make_gaussian_sampler_fixtures.py
"""
import json
import math
import os

import numpy as np

T = 1000
BETAS = np.linspace(0.0015**0.5, 0.0195**0.5, T, dtype=np.float64) ** 2
AB = np.cumprod(1.0 - BETAS)
MU = [0.5, -1.0, 0.0, 1.0]
S = [0.5, 1.5, 2.0, 1.0]

CONFIGS = [
    {"name": "ddpm-250", "sampler": "ddpm", "steps": 250, "spacing": "trailing", "variance": "fixedSmall"},
    {"name": "ddpm-50-fixedLarge", "sampler": "ddpm", "steps": 50, "spacing": "trailing", "variance": "fixedLarge"},
    {"name": "ddim-200-eta1-leading", "sampler": "ddim", "steps": 200, "spacing": "leading", "eta": 1.0},
    {"name": "ddim-200-eta0", "sampler": "ddim", "steps": 200, "spacing": "trailing", "eta": 0.0},
    {"name": "ddim-50-eta0", "sampler": "ddim", "steps": 50, "spacing": "trailing", "eta": 0.0},
    {"name": "ddim-50-eta0.5-linspace", "sampler": "ddim", "steps": 50, "spacing": "linspace", "eta": 0.5},
    {"name": "dpmpp-2m-25", "sampler": "dpmpp-2m", "steps": 25, "spacing": "logSnr"},
    {"name": "dpmpp-2m-15", "sampler": "dpmpp-2m", "steps": 15, "spacing": "logSnr"},
    {"name": "dpmpp-2m-20-leading", "sampler": "dpmpp-2m", "steps": 20, "spacing": "leading"},
]


def timesteps(n, spacing):
    if spacing == "trailing":
        return [int(np.round(T - k * T / n)) - 1 for k in range(n)]
    if spacing == "leading":  # latent-diffusion make_ddim_timesteps("uniform") + 1
        c = T // n
        ts = list(range(0, T, c))[:n]
        if ts[-1] + 1 <= T - 1:
            ts = [t + 1 for t in ts]
        return ts[::-1]
    if spacing == "linspace":
        return [int(v) for v in np.round(np.linspace(0, T - 1, n))][::-1]
    if spacing == "logSnr":  # uniform in log-SNR from t = T-1 to t = 0, nearest timestep, made distinct
        lam = np.log(AB / (1 - AB))
        targets = np.linspace(lam[T - 1], lam[0], n)
        ts = [int(np.argmin(np.abs(lam - v))) for v in targets]
        for k in range(n - 2, -1, -1):
            ts[k] = max(ts[k], ts[k + 1] + 1)
        assert ts[0] <= T - 1
        return ts
    raise ValueError(spacing)


def run(cfg, mu, s):
    ts = timesteps(cfg["steps"], cfg["spacing"])
    # x = A x_in + B + sum c_k z_k, tracked as (A, B, [c_k]).
    A, B, cs = 1.0, 0.0, []
    prev = None  # DPM-Solver++: (lambda, (A, B, cs)) of the previous x0 estimate

    def scale(coef, st):
        return (coef * st[0], coef * st[1], [coef * c for c in st[2]])

    def add(*states):
        n = max(len(st[2]) for st in states)
        return (
            sum(st[0] for st in states),
            sum(st[1] for st in states),
            [sum(st[2][k] if k < len(st[2]) else 0.0 for st in states) for k in range(n)],
        )

    for i, t in enumerate(ts):
        ab = AB[t]
        ab_next = AB[ts[i + 1]] if i + 1 < len(ts) else 1.0
        x = (A, B, cs)
        k = math.sqrt(1 - ab) / (ab * s * s + 1 - ab)
        eps = add(scale(k, x), (0.0, -k * math.sqrt(ab) * mu, []))
        x0 = add(scale(1 / math.sqrt(ab), x), scale(-math.sqrt(1 / ab - 1), eps))
        noise = 0.0
        if cfg["sampler"] == "ddpm":
            beta = 1 - ab / ab_next
            mean = add(scale(beta * math.sqrt(ab_next) / (1 - ab), x0), scale((1 - ab_next) * math.sqrt(1 - beta) / (1 - ab), x))
            if i + 1 < len(ts):
                var = beta * (1 - ab_next) / (1 - ab) if cfg["variance"] == "fixedSmall" else beta
                noise = math.sqrt(var)
            A, B, cs = mean
        elif cfg["sampler"] == "ddim":
            sig = cfg["eta"] * math.sqrt((1 - ab_next) / (1 - ab)) * math.sqrt(1 - ab / ab_next)
            A, B, cs = add(scale(math.sqrt(ab_next), x0), scale(math.sqrt(max(0.0, 1 - ab_next - sig * sig)), eps))
            noise = sig
        else:
            lam = 0.5 * math.log(ab / (1 - ab))
            if ab_next == 1.0:
                A, B, cs = x0
            else:
                h = 0.5 * math.log(ab_next / (1 - ab_next)) - lam
                if prev is None:
                    D = x0
                else:
                    r = (lam - prev[0]) / h
                    D = add(scale(1 + 1 / (2 * r), x0), scale(-1 / (2 * r), prev[1]))
                A, B, cs = add(scale(math.sqrt((1 - ab_next) / (1 - ab)), x), scale(-math.sqrt(ab_next) * math.expm1(-h), D))
            prev = (lam, x0)
        if noise > 0:
            cs = cs + [noise]
    a0 = AB[ts[0]]
    m_in, v_in = math.sqrt(a0) * mu, a0 * s * s + 1 - a0
    return {
        "timesteps": ts,
        "A": A,
        "B": B,
        "noise": cs,
        "mean": A * m_in + B,
        "std": math.sqrt(A * A * v_in + sum(c * c for c in cs)),
        "inputMean": m_in,
        "inputStd": math.sqrt(v_in),
        "odeA": s / math.sqrt(v_in),
        "odeB": mu - s / math.sqrt(v_in) * m_in,
    }


def main():
    out = {"mu": MU, "s": S, "configs": []}
    for cfg in CONFIGS:
        per = [run(cfg, m, s) for m, s in zip(MU, S)]
        entry = dict(cfg)
        entry["timesteps"] = per[0]["timesteps"]
        entry["noiseDraws"] = len(per[0]["noise"])
        for key in ["A", "B", "mean", "std", "inputMean", "inputStd", "odeA", "odeB"]:
            entry[key] = [p[key] for p in per]
        # noise[k][c]: coefficient of draw k in channel c.
        entry["noise"] = [[p["noise"][k] for p in per] for k in range(entry["noiseDraws"])]
        if entry["steps"] > 50:
            del entry["timesteps"]
        out["configs"].append(entry)
    path = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "gaussian-samplers.json")
    with open(path, "w") as f:
        json.dump(out, f)
        f.write("\n")
    for e in out["configs"]:
        print(e["name"], "draws", e["noiseDraws"], "std/s", [round(a / b, 4) for a, b in zip(e["std"], S)], "mean-mu", [round(a - b, 6) for a, b in zip(e["mean"], MU)])


if __name__ == "__main__":
    main()
