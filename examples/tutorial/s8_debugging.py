"""Tutorial 8: memory and debugging aids - gradient clipping against exploding gradients
(torch.nn.utils.clip_grad_norm_), checking shapes, and the CUDA memory counters."""
import torch
import torch.nn as nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 50), nn.ReLU(), nn.Linear(50, 2))
inputs, targets = torch.randn(16, 10) * 100, torch.randint(0, 2, (16,))
loss = nn.CrossEntropyLoss()(model(inputs), targets)
loss.backward()

# 使用梯度裁剪
total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
clipped = torch.sqrt(sum((p.grad ** 2).sum() for p in model.parameters()))
print(f'gradient norm before clipping {total_norm.item():.2f}, after {clipped.item():.4f}')

# 使用 print(tensor.shape) 调试
print(inputs.shape, model(inputs).shape)

# 检查内存使用
if torch.cuda.is_available():
    print(f'CUDA memory allocated: {torch.cuda.memory_allocated()} bytes')
else:
    print('CUDA is not available: memory counters are', torch.cuda.memory_allocated())
