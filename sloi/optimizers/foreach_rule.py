"""`ForeachRule`: a `torch.optim.Optimizer` whose update is a Keras formula in `torch._foreach_*`.

Used where torch's built-in optimizer computes something other than Keras (epsilon inside vs.
outside a square root, momentum scaled by the learning rate before vs. after). The update runs
on whole lists of tensors, one kernel per operation as torch's own `foreach=True` optimizers do.
"""

import torch


class ForeachRule(torch.optim.Optimizer):
    """Gathers the parameters that have a gradient, their state and step counts, and hands
    them to `_update` as lists.

    Subclasses implement:
        _state_fills(group): `{state_name: initial_value}` of the per-parameter state tensors
            (created lazily, like torch's optimizers, at a parameter's first update).
        _update(group, params, grads, states, steps): the in-place update. `states` maps each
            state name to a list aligned with `params`; `steps` are the parameters' 1-based
            update counts (Python ints, so bias corrections need no device value).
    """

    def _state_fills(self, group):
        return {}

    def _update(self, group, params, grads, states, steps):
        raise NotImplementedError

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            fills = self._state_fills(group)
            params, grads, steps = [], [], []
            states = {name: [] for name in fills}
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients.")
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    for name, value in fills.items():
                        state[name] = torch.full_like(p, value, memory_format=torch.preserve_format)
                state["step"] += 1
                params.append(p)
                grads.append(p.grad)
                steps.append(state["step"])
                for name in fills:
                    states[name].append(state[name])
            if params:
                self._update(group, params, grads, states, steps)
        return loss
