"""FakeData: random images, reproducible per index (``torchvision.datasets.FakeData``)."""
from .vision import VisionDataset


class FakeData(VisionDataset):
    """A dataset of random PIL images and int targets.

    Args:
        size: number of items.
        image_size: (C, H, W) of each image.
        num_classes: targets are drawn in ``[0, num_classes)``.
        transform, target_transform: applied to the image and the target.
        random_offset: added to the index to seed each item's draw.

    Item ``i`` is drawn after ``manual_seed(i + random_offset)`` (the global RNG state is saved
    and restored around it), so items are the same on every access, as in torchvision.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        import ember
        from ..transforms import ToPILImage
        if index >= len(self):
            raise IndexError(f'{self.__class__.__name__} index out of range')
        rng_state = ember.get_rng_state()
        ember.manual_seed(index + self.random_offset)
        img = ember.randn(*self.image_size)
        target = ember.randint(0, self.num_classes, size=(1,), dtype=ember.long)[0]
        ember.set_rng_state(rng_state)
        img = ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item() if hasattr(target, 'item') else target

    def __len__(self):
        return self.size
