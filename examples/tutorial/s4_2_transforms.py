"""Tutorial 4.2: a data-augmentation pipeline applied to an image."""
import torchvision.transforms as transforms

# 图像预处理变换
transform = transforms.Compose([
    # 几何变换
    transforms.Resize((256, 256)),
    transforms.RandomCrop(224),
    transforms.RandomHorizontalFlip(),
    transforms.RandomRotation(10),
    
    # 颜色变换
    transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1),
    
    # 转换为张量
    transforms.ToTensor(),
    
    # 标准化
    transforms.Normalize(mean=[0.485, 0.456, 0.406],
                         std=[0.229, 0.224, 0.225])
])

# --- shows the result ---
import numpy as np
from PIL import Image
img = Image.fromarray(np.random.RandomState(0).randint(0, 256, (300, 280, 3), dtype=np.uint8))
out = transform(img)
print(transform)
print(out.shape, out.dtype)
