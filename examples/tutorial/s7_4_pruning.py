"""Tutorial 7.4: L1 pruning of one layer, then global pruning across layers."""
# --- filled in: names the tutorial leaves undefined ---
import torch
import torch.nn as nn


class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=1)
        self.pool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = x.view(-1, 64 * 7 * 7)
        x = self.relu(self.fc1(x))
        x = self.fc2(x)
        return x
torch.manual_seed(0)
model = CNN()
# --- the tutorial's code ---
import torch.nn.utils.prune as prune

# 剪枝单个层
prune.l1_unstructured(model.conv1, name='weight', amount=0.3)

# 全局剪枝
parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
)
prune.global_unstructured(
    parameters_to_prune,
    pruning_method=prune.L1Unstructured,
    amount=0.3,
)

# --- shows the result ---
for name, module in [('conv1', model.conv1), ('conv2', model.conv2), ('fc1', model.fc1)]:
    print(f'{name}: {100 * float((module.weight == 0).sum()) / module.weight.numel():.1f}% zeros')
total = sum(m.weight.numel() for m, _ in parameters_to_prune)
zeros = sum(float((m.weight == 0).sum()) for m, _ in parameters_to_prune)
print(f'global sparsity: {100 * zeros / total:.1f}%')
print([k for k in model.state_dict() if k.startswith('conv1')])
