"""Reference values for src/schedules.test.ts, written to src/fixtures/schedules.json.

Follows latent-diffusion's `make_beta_schedule` ("linear": sqrt-linspace squared) and
improved-diffusion's `betas_for_alpha_bar` (cosine) and `GaussianDiffusion.__init__`, in float64.
Only a few timesteps are stored so the fixture stays small. Run: python3 scripts/make_schedule_fixtures.py
"""
import json
import math
import os

import numpy as np

T = 1000
INDICES = [0, 1, 2, 10, 99, 250, 500, 750, 900, 998, 999]


def linear_betas(n, start=0.0015, end=0.0195):
    return np.linspace(start**0.5, end**0.5, n, dtype=np.float64) ** 2


def cosine_betas(n, s=0.008, max_beta=0.999):
    f = lambda t: math.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    return np.array([min(1 - f((i + 1) / n) / f(i / n), max_beta) for i in range(n)], dtype=np.float64)


def derived(betas):
    alphas = 1.0 - betas
    ac = np.cumprod(alphas)
    ac_prev = np.append(1.0, ac[:-1])
    post_var = betas * (1.0 - ac_prev) / (1.0 - ac)
    return {
        "betas": betas,
        "alphasCumprod": ac,
        "alphasCumprodPrev": ac_prev,
        "sqrtAlphasCumprod": np.sqrt(ac),
        "sqrtOneMinusAlphasCumprod": np.sqrt(1.0 - ac),
        "sqrtRecipAlphasCumprod": np.sqrt(1.0 / ac),
        "sqrtRecipm1AlphasCumprod": np.sqrt(1.0 / ac - 1),
        "posteriorVariance": post_var,
        "posteriorLogVarianceClipped": np.log(np.append(post_var[1], post_var[1:])),
        "posteriorMeanCoef1": betas * np.sqrt(ac_prev) / (1.0 - ac),
        "posteriorMeanCoef2": (1.0 - ac_prev) * np.sqrt(alphas) / (1.0 - ac),
        "sigmas": np.sqrt((1.0 - ac) / ac),
        "logSnr": np.log(ac / (1.0 - ac)),
    }


def main():
    out = {"indices": INDICES, "numTimesteps": T, "schedules": {}}
    for name, betas in [("linear", linear_betas(T)), ("cosine", cosine_betas(T))]:
        d = derived(betas)
        out["schedules"][name] = {
            "at": {k: [float(v[i]) for i in INDICES] for k, v in d.items()},
            "sum": {k: float(v.sum()) for k, v in d.items()},
        }
    path = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "schedules.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
