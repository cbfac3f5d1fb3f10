"""Adaptive softmax: ``AdaptiveLogSoftmaxWithLoss`` (``torch.nn.modules.adaptive``)."""
from collections import namedtuple

from ...ops.shape import cat
from ..module import Module
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear

__all__ = ['AdaptiveLogSoftmaxWithLoss']

_ASMoutput = namedtuple('_ASMoutput', ['output', 'loss'])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax of Grave et al. (2016): a ``head`` over the ``cutoffs[0]`` most
    frequent classes plus one entry per cluster, and one low-rank ``tail`` projection per
    cluster of rarer classes (``nn.AdaptiveLogSoftmaxWithLoss``).

    Args:
        in_features (int): features per input sample.
        n_classes (int): number of classes (sorted by frequency, most frequent first).
        cutoffs (Sequence[int]): increasing cluster boundaries in ``[1, n_classes - 1]``.
        div_value (float): cluster ``i`` projects to ``in_features // div_value ** (i + 1)``.
        head_bias (bool): give the head a bias (default False).

    ``forward(input, target)`` returns ``_ASMoutput(output, loss)``: each sample's target
    log-probability and their negated mean.
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        factory_kwargs = {'device': device, 'dtype': dtype}
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError('cutoffs should be a sequence of length larger than 0')
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError('cutoffs should be a sequence of unique, positive integers sorted '
                             'in an increasing order, where each value is between 1 and '
                             'n_classes-1')
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory_kwargs)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **factory_kwargs),
                                        Linear(hsz, osz, bias=False, **factory_kwargs)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError('Input and target should have the same size in the batch '
                                   'dimension.')
            if input_.dim() != 2:
                raise RuntimeError('1D target tensor expects 2D input tensors, but found '
                                   f'inputs with size {input_.size()}')
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError('0D target tensor expects 1D input tensors, but found '
                                   f'inputs with size {input_.size()}')
        else:
            raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
        is_batched = targ_dim > 0
        input = input_ if is_batched else input_.unsqueeze(0)
        target = target_ if is_batched else target_.unsqueeze(0)
        if target.numel():
            lo, hi = target.min().item(), target.max().item()
            if lo < 0 or hi > self.n_classes - 1:
                raise RuntimeError(f'Target values should be in [0, {self.n_classes - 1}], '
                                   f'but values in range [{lo}, {hi}] were found. ')

        output = input.new_zeros(target.size(0))
        gather_inds = target
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            mask = (target >= low) & (target < high)
            rows = mask.nonzero().squeeze(1)
            if rows.numel() == 0:
                continue
            cluster_logprob = F.log_softmax(self.tail[i](input.index_select(0, rows)), dim=1)
            local = cluster_logprob.gather(1, (target.index_select(0, rows) - low).unsqueeze(1))
            output = output.index_copy(0, rows, local.squeeze(1))
            gather_inds = gather_inds.masked_fill(mask, self.shortlist_size + i)

        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = output + head_logprob.gather(1, gather_inds.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        if not is_batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, input, head_output):
        """Log-probabilities of all ``n_classes`` from ``input`` and ``self.head(input)``."""
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, proj in enumerate(self.tail):
            parts.append(F.log_softmax(proj(input), dim=1)
                         + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """Log-probabilities ``(N, n_classes)`` of every class for a minibatch ``input``."""
        return self._get_full_log_prob(input, self.head(input))

    def predict(self, input):
        """The most probable class of each sample: ``log_prob(input).argmax(dim=1)``, computing
        the tails only for samples whose head argmax is a cluster."""
        head_output = self.head(input)
        output = head_output.argmax(dim=1)
        not_in_shortlist = output >= self.shortlist_size
        if not not_in_shortlist.any():
            return output
        if not_in_shortlist.all():
            return self._get_full_log_prob(input, head_output).argmax(dim=1)
        log_prob = self._get_full_log_prob(input[not_in_shortlist],
                                           head_output[not_in_shortlist])
        output[not_in_shortlist] = log_prob.argmax(dim=1)
        return output
