"""A short tour of ember's tensors and autograd: the README's main job (for now).

    python examples/tour.py
"""
import ember as torch

torch.manual_seed(0)
print('ember', torch.__version__)

x = torch.tensor([[1., 2.], [3., 4.]])
print('x =', x)
print('shape', x.shape, 'dtype', x.dtype, 'device', x.device)
print('x @ x.T =', x @ x.T)
print('mean', x.mean().item(), 'max along dim 1', torch.max(x, dim=1))

# autograd: fit y = 3x + 1 by gradient descent on a tensor of parameters
w = torch.zeros(2, requires_grad=True)
xs = torch.linspace(-1, 1, 50)
ys = 3 * xs + 1
for step in range(200):
    loss = ((w[0] * xs + w[1] - ys) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
print(f'fitted w = {w[0].item():.3f}, b = {w[1].item():.3f} (expected 3, 1); loss {loss.item():.2e}')
assert abs(w[0].item() - 3) < 1e-2 and abs(w[1].item() - 1) < 1e-2

# higher-order gradients: d2/dx2 of x**3 at x = 2 is 12
t = torch.tensor(2.0, requires_grad=True)
(g,) = torch.autograd.grad(t ** 3, t, create_graph=True)
(g2,) = torch.autograd.grad(g, t)
print('d/dx x^3 at 2 =', g.item(), ' d2/dx2 =', g2.item())
