"""Tutorial 7.2: dynamic quantization of the Linear layers, then eager-mode static quantization
(prepare, calibrate, convert) of the tutorial CNN."""
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
model.eval()
# --- the tutorial's code ---
# 动态量化
quantized_model = torch.quantization.quantize_dynamic(
    model, {nn.Linear}, dtype=torch.qint8
)

# 静态量化 (需要校准数据)
model.qconfig = torch.quantization.get_default_qconfig('fbgemm')
torch.quantization.prepare(model, inplace=True)
# 使用校准数据运行模型
torch.quantization.convert(model, inplace=True)

# --- shows the result ---
print(quantized_model)
print(model.conv1)
print(model.fc1)
