"""Tutorial 3.3: the common layers, applied to a batch."""
# --- filled in: names the tutorial leaves undefined ---
import torch
import torch.nn as nn
# --- the tutorial's code ---
# 全连接层
linear = nn.Linear(in_features=10, out_features=20)

# 卷积层
conv2d = nn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=1, padding=1)

# 池化层
maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
avgpool = nn.AvgPool2d(kernel_size=2, stride=2)

# 归一化层
batchnorm = nn.BatchNorm2d(num_features=16)
layernorm = nn.LayerNorm(normalized_shape=[16, 32, 32])

# 激活函数
relu = nn.ReLU()
sigmoid = nn.Sigmoid()
tanh = nn.Tanh()

# Dropout
dropout = nn.Dropout(p=0.5)

# --- shows the result ---
x = torch.randn(2, 3, 32, 32)
h = batchnorm(conv2d(x))
print(linear, conv2d, maxpool, avgpool, batchnorm, layernorm, relu, sigmoid, tanh, dropout, sep="\n")
print(linear(torch.randn(4, 10)).shape, maxpool(h).shape, avgpool(h).shape, layernorm(h).shape,
      dropout(relu(h)).shape, sigmoid(h).shape, tanh(h).shape)
