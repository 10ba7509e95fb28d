"""The SGD steps of skip-gram with negative sampling, as one TorchScript function.

:func:`sgd_steps` runs a run of batched steps in one call. Compiled with TorchScript,
the loop runs in C++ without holding Python's GIL, so two threads, each stepping on
its own copy of the tables, use both cores, where the same loop in Python gains less from
a second thread (``python benchmarks/sgd_threads.py``; docs/performance.md). If
TorchScript is not there, the same function runs as Python with the same numbers.

>>> import torch
>>> w_in, w_out = torch.full((3, 2), 0.1), torch.zeros(3, 2)
>>> ids = torch.tensor([0, 1, 1, 2])
>>> STEPS(w_in, w_out, ids, ids.flip(0), torch.tensor([[2], [0]]), [0.5, 0.25], 2, 1.0, [2])
>>> bool(w_out.abs().sum() > 0)
True
"""

from __future__ import annotations

import warnings
from typing import List  # noqa: UP035 (TorchScript reads the annotations)

import torch


def sgd_step(
    w_in: torch.Tensor,
    w_out: torch.Tensor,
    c: torch.Tensor,
    x: torch.Tensor,
    negs: torch.Tensor,
    weight: float,
    lr: float,
    nested: List[int],  # noqa: UP006
) -> None:
    """One batched SGD step of the negative-sampling loss, gradients written by hand.

    The batch shares one set of noise words ``negs`` (M of them), each weighted by
    ``weight`` = negative / M, so every pair still sees ``negative`` noise words in
    expectation while the noise terms become matrix products:
    loss = -log σ(v·u) - weight · Σ_m log σ(-v·n_m), for v = in[c], u = out[x], n = out[negs].

    Matryoshka: the loss is averaged over the prefixes in ``nested`` (e.g. the first 16,
    32, 64 and all dimensions), so each prefix is a word vector on its own.

    Batches stay small (SGNS's ``batch_size`` and ``shared_negatives``): in batches a few
    times larger the noise words' summed updates wreck the vectors.

    Speed (one core): rows are gathered with ``index_select`` and the step size is
    folded into the two small gradient factors, so ``index_add_`` runs without
    ``alpha`` (each much faster than the alternatives).
    """
    v, u, n = w_in.index_select(0, c), w_out.index_select(0, x), w_out.index_select(0, negs)
    step = -lr / len(nested)  # the mean of the prefix losses, so the step size stays as without nesting
    if len(nested) == 1:
        g_pos = (torch.sigmoid((v * u).sum(-1, keepdim=True)) - 1.0).mul_(step)  # step · d loss / d (v·u)
        g_neg = torch.sigmoid(v @ n.T).mul_(step * weight)  # step · d loss / d (v·n_m), shape (B, M)
        grad_v = torch.addmm(g_pos * u, g_neg, n)
        grad_u = g_pos * v
        grad_n = g_neg.T @ v
    else:
        grad_v, grad_u, grad_n = torch.zeros_like(v), torch.zeros_like(u), torch.zeros_like(n)
        for m in nested:
            vm, um, nm = v[:, :m], u[:, :m], n[:, :m]
            g_pos = (torch.sigmoid((vm * um).sum(-1, keepdim=True)) - 1.0).mul_(step)
            g_neg = torch.sigmoid(vm @ nm.T).mul_(step * weight)
            grad_v[:, :m] += g_pos * um + g_neg @ nm
            grad_u[:, :m] += g_pos * vm
            grad_n[:, :m] += g_neg.T @ vm
    w_out.index_add_(0, x, grad_u)
    w_out.index_add_(0, negs, grad_n)
    w_in.index_add_(0, c, grad_v)


def sgd_steps(
    w_in: torch.Tensor,
    w_out: torch.Tensor,
    centers: torch.Tensor,
    contexts: torch.Tensor,
    negs: torch.Tensor,
    lrs: List[float],  # noqa: UP006
    batch: int,
    weight: float,
    nested: List[int],  # noqa: UP006
) -> None:
    """Steps k = 0, 1, …: pairs ``[k·batch, (k+1)·batch)`` of ``centers``/``contexts``,
    noise words ``negs[k]``, step size ``lrs[k]``."""
    for k in range(len(lrs)):
        lo = k * batch
        sgd_step(w_in, w_out, centers[lo : lo + batch], contexts[lo : lo + batch], negs[k], weight, lrs[k], nested)


def _compile() -> object:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 2.13 marks TorchScript deprecated; it is still the GIL-free loop
            return torch.jit.script(sgd_steps)
    except Exception:  # no TorchScript: the same steps in Python
        return sgd_steps


STEPS = _compile()
