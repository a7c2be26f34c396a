"""The one differentiable Adam update: it is torch's AdamW, per model, and carries gradients."""

import torch

from pinndd.learner._functional import AdamState, adam_init, adam_step, adam_update


def _quadratic_grads(tensors, targets):
    return [2.0 * (t - c) for t, c in zip(tensors, targets)]


def test_adam_update_takes_torchs_adamw_steps():
    gen = torch.Generator().manual_seed(0)
    start = [torch.randn(3, 2, generator=gen, dtype=torch.float64), torch.randn(2, generator=gen, dtype=torch.float64)]
    targets = [torch.randn_like(t) for t in start]
    ours, m, v = [t.clone() for t in start], [torch.zeros_like(t) for t in start], [torch.zeros_like(t) for t in start]
    theirs = [t.clone().requires_grad_(True) for t in start]
    opt = torch.optim.AdamW(theirs, lr=0.05, weight_decay=0.01)
    for step in range(1, 8):
        ours, m, v = adam_update(ours, _quadratic_grads(ours, targets), m, v, step, 0.05, weight_decay=0.01)
        for t, g in zip(theirs, _quadratic_grads([t.detach() for t in theirs], targets)):
            t.grad = g
        opt.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b.detach(), rtol=1e-12, atol=1e-12)


def test_per_model_step_counts_equal_separate_updates():
    gen = torch.Generator().manual_seed(1)

    def draw(*shape):
        return torch.randn(*shape, generator=gen, dtype=torch.float64)

    params, grads = [(draw(2, 3, 4), draw(2, 4))], [draw(2, 3, 4), draw(2, 4)]
    state = adam_init(params)
    state = AdamState(state.m, state.v, torch.tensor([0.0, 4.0], dtype=torch.float64))  # model 1 is older
    stacked, _ = adam_step(params, grads, state, 0.1)
    for k, step in enumerate((1, 5)):
        zeros = [torch.zeros_like(g[k]) for g in grads]
        alone, _, _ = adam_update([t[k] for t in params[0]], [g[k] for g in grads], zeros, zeros, step, 0.1,
                                  sqrt_floor=1e-30)
        for a, b in zip(alone, stacked[0]):
            torch.testing.assert_close(a, b[k], rtol=1e-14, atol=1e-14)


def test_the_update_is_differentiable_in_the_gradients():
    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    w = [torch.zeros(2, dtype=torch.float64)]
    m, v = [torch.zeros(2, dtype=torch.float64)], [torch.ones(2, dtype=torch.float64)]  # v > 0: smooth in g
    new, _, _ = adam_update(w, [x * 3.0], m, v, 1, 0.1)
    new[0].sum().backward()
    assert torch.isfinite(x.grad).all() and (x.grad != 0).all()
