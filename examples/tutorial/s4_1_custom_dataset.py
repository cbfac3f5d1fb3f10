"""Tutorial 4.1: a custom Dataset and a DataLoader with worker processes."""
from torch.utils.data import Dataset, DataLoader
import numpy as np

class CustomDataset(Dataset):
    def __init__(self, data, targets, transform=None):
        self.data = data
        self.targets = targets
        self.transform = transform
        
    def __len__(self):
        return len(self.data)
    
    def __getitem__(self, idx):
        x = self.data[idx]
        y = self.targets[idx]
        
        if self.transform:
            x = self.transform(x)
            
        return x, y

# 创建示例数据
data = np.random.randn(100, 3, 32, 32)
targets = np.random.randint(0, 10, 100)

# 实例化数据集
dataset = CustomDataset(data, targets)

# 创建数据加载器
dataloader = DataLoader(dataset, batch_size=16, shuffle=True, num_workers=4)

# --- shows the result ---
if __name__ == '__main__':
    for x, y in dataloader:
        print(type(x).__name__, x.shape, x.dtype, y.shape, y.dtype)
        break
    print(len(dataset), len(dataloader))
