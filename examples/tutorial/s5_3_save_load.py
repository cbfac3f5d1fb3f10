"""Tutorial 5.3: saving and loading a whole model and a state_dict."""
# --- filled in: names the tutorial leaves undefined ---
import torch.nn as nn
import torch.nn.functional as F


class SimpleNet(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return x

import torch
torch.manual_seed(0)
input_size, hidden_size, output_size = 10, 50, 2
model = SimpleNet(input_size, hidden_size, output_size)
x = torch.randn(4, input_size)
before = model(x)
# --- the tutorial's code ---
# 保存完整模型（包括架构和参数）
torch.save(model, 'model.pth')

# 仅保存模型参数（推荐方式）
torch.save(model.state_dict(), 'model_weights.pth')

# 加载完整模型
loaded_model = torch.load('model.pth')

# 加载模型参数（需要先定义模型架构）
model = SimpleNet(input_size, hidden_size, output_size)
model.load_state_dict(torch.load('model_weights.pth'))
model.eval()  # 设置为评估模式

# --- shows the result ---
print(type(loaded_model).__name__, torch.equal(loaded_model(x), before), torch.equal(model(x), before))
