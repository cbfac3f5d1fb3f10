"""Tutorial 4.1: CIFAR-10 through torchvision.datasets with a transform pipeline.

CIFAR-10 downloads from its real source into ./data (MD5-checked) unless it is already there."""
# --- filled in: names the tutorial leaves undefined ---
from torch.utils.data import DataLoader
# --- the tutorial's code ---
import torchvision.datasets as datasets
import torchvision.transforms as transforms

# 定义数据变换
transform = transforms.Compose([
    transforms.Resize((224, 224)),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406],
                         std=[0.229, 0.224, 0.225])
])

# 加载 CIFAR-10 数据集
train_dataset = datasets.CIFAR10(root='./data', train=True,
                                 download=True, transform=transform)
test_dataset = datasets.CIFAR10(root='./data', train=False,
                               download=True, transform=transform)

# 创建数据加载器
train_loader = DataLoader(train_dataset, batch_size=32, shuffle=True)
test_loader = DataLoader(test_dataset, batch_size=32, shuffle=False)

# --- shows the result ---
images, labels = next(iter(train_loader))
print(len(train_dataset), len(test_dataset), images.shape, images.dtype, labels.shape, labels.dtype)
