"""PyTorch tutorials "Datasets & DataLoaders" (data_tutorial.py) and "Transforms"
(transforms_tutorial.py), with a small synthetic FashionMNIST written to the current folder: a
custom Dataset reading an annotations file, ToTensor-like and Lambda transforms (one-hot through
zeros().scatter_), DataLoader with shuffle and a seeded generator, iterating batches."""
import csv
import os

import numpy as np
import torch
from torch.utils.data import Dataset, DataLoader, TensorDataset

torch.manual_seed(0)

labels_map = {
    0: "T-Shirt", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat",
    5: "Sandal", 6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle Boot",
}


class ToTensor:
    """torchvision.transforms.ToTensor for an HxW uint8 array: a 1xHxW float tensor in [0, 1]."""

    def __call__(self, pic):
        img = torch.from_numpy(np.asarray(pic))
        img = img.view(pic.shape[0], pic.shape[1], 1).permute((2, 0, 1)).contiguous()
        return img.to(dtype=torch.get_default_dtype()).div(255)

    def __repr__(self):
        return self.__class__.__name__ + "()"


class Lambda:
    """torchvision.transforms.Lambda."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class FakeFashionMNIST(Dataset):
    def __init__(self, train=True, transform=None, target_transform=None):
        g = torch.Generator().manual_seed(0 if train else 1)
        n = 96 if train else 40
        self.data = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g)
        self.targets = torch.randint(0, 10, (n,), generator=g)
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data[index].numpy(), int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


training_data = FakeFashionMNIST(train=True, transform=ToTensor())
test_data = FakeFashionMNIST(train=False, transform=ToTensor())
print(len(training_data), len(test_data))

# Iterating and Visualizing the Dataset
torch.manual_seed(3)
cols, rows = 3, 3
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    print(i, sample_idx, labels_map[label], img.shape, img.dtype, f'{img.mean().item():.4f}', img.squeeze().shape)

# Creating a Custom Dataset for your files: annotations_file + img_dir
img_dir = 'images'
os.makedirs(img_dir, exist_ok=True)
with open('labels.csv', 'w', newline='') as f:
    writer = csv.writer(f)
    for i in range(12):
        name = f'tshirt{i}.npy'
        np.save(os.path.join(img_dir, name), training_data.data[i].numpy())
        writer.writerow([name, int(training_data.targets[i])])


def read_image(path):
    return torch.from_numpy(np.load(path)).unsqueeze(0)


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file) as f:
            self.img_labels = [(row[0], int(row[1])) for row in csv.reader(f)]
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        img_path = os.path.join(self.img_dir, self.img_labels[idx][0])
        image = read_image(img_path)
        label = self.img_labels[idx][1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


custom = CustomImageDataset('labels.csv', img_dir)
image, label = custom[5]
print(len(custom), image.shape, image.dtype, label, torch.equal(image[0], training_data.data[5]))

# Preparing your data for training with DataLoaders
train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)
print(len(train_dataloader), len(test_dataloader), train_dataloader.batch_size, train_dataloader.drop_last)

# Display image and label.
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
print(img.shape, f'{img.sum().item():.4f}')
print(f"Label: {label}")
print(train_labels, train_labels.dtype)
for epoch in range(2):
    for i, (xb, yb) in enumerate(train_dataloader):
        print(epoch, i, xb.shape, yb.tolist()[:8], f'{xb.mean().item():.5f}')

# Transforms: Lambda one-hot target transform
target_transform = Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
ds = FakeFashionMNIST(train=True, transform=ToTensor(), target_transform=target_transform)
x0, y0 = ds[0]
print(ToTensor(), x0.shape, x0.dtype, x0.min().item(), x0.max().item(), y0, y0.dtype)
loader = DataLoader(ds, batch_size=16, shuffle=False)
xb, yb = next(iter(loader))
print(xb.shape, yb.shape, yb.argmax(1), torch.equal(yb.argmax(1), ds.targets[:16]))
print(yb[:3])
try:
    Lambda(3)
except TypeError as e:
    print('TypeError:', e)

# Custom collate_fn, drop_last and sampler
def collate(batch):
    imgs, targets = zip(*batch)
    return torch.stack(imgs).flatten(1), torch.tensor(targets)


loader = DataLoader(training_data, batch_size=20, shuffle=True, drop_last=True, collate_fn=collate,
                    generator=torch.Generator().manual_seed(5))
print(len(loader))
for xb, yb in loader:
    print(xb.shape, yb[:5].tolist(), yb.dtype)
td = TensorDataset(torch.arange(10.).view(5, 2), torch.arange(5))
print(td[2], len(td), [b for b in DataLoader(td, batch_size=2)])

# ---- "Writing Custom Datasets, DataLoaders and Transforms" (data_loading_tutorial.py) ----
from torch.utils.data import default_collate

np.random.seed(0)
with open('face_landmarks.csv', 'w', newline='') as f:
    writer = csv.writer(f)
    writer.writerow(['image_name'] + [f'part_{i}_{c}' for i in range(4) for c in 'xy'])
    for i in range(10):
        h, w = 40 + 4 * i, 36 + 2 * (i % 3)
        np.save(f'face{i}.npy', (np.random.rand(h, w, 3) * 255).astype(np.uint8))
        writer.writerow([f'face{i}.npy'] + [f'{v:.1f}' for v in np.random.rand(8) * 30])


class FaceLandmarksDataset(Dataset):
    """Face Landmarks dataset."""

    def __init__(self, csv_file, root_dir, transform=None):
        with open(csv_file) as f:
            rows = list(csv.reader(f))[1:]
        self.landmarks_frame = rows
        self.root_dir = root_dir
        self.transform = transform

    def __len__(self):
        return len(self.landmarks_frame)

    def __getitem__(self, idx):
        if torch.is_tensor(idx):
            idx = idx.tolist()

        img_name = os.path.join(self.root_dir, self.landmarks_frame[idx][0])
        image = np.load(img_name)
        landmarks = np.array([float(v) for v in self.landmarks_frame[idx][1:]], dtype=float).reshape(-1, 2)
        sample = {'image': image, 'landmarks': landmarks}

        if self.transform:
            sample = self.transform(sample)

        return sample


class Rescale(object):
    """Rescale the image in a sample to a given size (nearest neighbour here)."""

    def __init__(self, output_size):
        assert isinstance(output_size, (int, tuple))
        self.output_size = output_size

    def __call__(self, sample):
        image, landmarks = sample['image'], sample['landmarks']

        h, w = image.shape[:2]
        if isinstance(self.output_size, int):
            if h > w:
                new_h, new_w = self.output_size * h / w, self.output_size
            else:
                new_h, new_w = self.output_size, self.output_size * w / h
        else:
            new_h, new_w = self.output_size

        new_h, new_w = int(new_h), int(new_w)
        rows = (np.arange(new_h) * h / new_h).astype(int)
        cols = (np.arange(new_w) * w / new_w).astype(int)
        img = image[rows][:, cols]

        # h and w are swapped for landmarks because for images,
        # x and y axes are axis 1 and 0 respectively
        landmarks = landmarks * [new_w / w, new_h / h]

        return {'image': img, 'landmarks': landmarks}


class RandomCrop(object):
    """Crop randomly the image in a sample."""

    def __init__(self, output_size):
        assert isinstance(output_size, (int, tuple))
        if isinstance(output_size, int):
            self.output_size = (output_size, output_size)
        else:
            assert len(output_size) == 2
            self.output_size = output_size

    def __call__(self, sample):
        image, landmarks = sample['image'], sample['landmarks']

        h, w = image.shape[:2]
        new_h, new_w = self.output_size

        top = np.random.randint(0, h - new_h + 1)
        left = np.random.randint(0, w - new_w + 1)

        image = image[top: top + new_h,
                      left: left + new_w]

        landmarks = landmarks - [left, top]

        return {'image': image, 'landmarks': landmarks}


class ToTensorSample(object):
    """Convert ndarrays in sample to Tensors."""

    def __call__(self, sample):
        image, landmarks = sample['image'], sample['landmarks']

        # swap color axis because
        # numpy image: H x W x C
        # torch image: C x H x W
        image = image.transpose((2, 0, 1))
        return {'image': torch.from_numpy(image),
                'landmarks': torch.from_numpy(landmarks)}


class Compose:
    """torchvision.transforms.Compose."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


face_dataset = FaceLandmarksDataset(csv_file='face_landmarks.csv', root_dir='.')
for i, sample in enumerate(face_dataset):
    print(i, sample['image'].shape, sample['landmarks'].shape)
    if i == 3:
        break

scale = Rescale(32)
crop = RandomCrop(24)
composed = Compose([Rescale(32), RandomCrop(28)])
sample = face_dataset[6]
for tsfrm in [scale, crop, composed]:
    transformed_sample = tsfrm(sample)
    print(type(tsfrm).__name__, transformed_sample['image'].shape, np.round(transformed_sample['landmarks'][0], 3))

transformed_dataset = FaceLandmarksDataset(csv_file='face_landmarks.csv', root_dir='.',
                                           transform=Compose([Rescale(32), RandomCrop(28), ToTensorSample()]))
for i, sample in enumerate(transformed_dataset):
    print(i, sample['image'].size(), sample['image'].dtype, sample['landmarks'].size(), sample['landmarks'].dtype)
    if i == 3:
        break

dataloader = DataLoader(transformed_dataset, batch_size=4, shuffle=True, num_workers=0)
for i_batch, sample_batched in enumerate(dataloader):
    print(i_batch, sample_batched['image'].size(), sample_batched['landmarks'].size(),
          sorted(sample_batched.keys()), f"{sample_batched['landmarks'].sum().item():.4f}")
batch = default_collate([{'a': torch.tensor(1), 'b': (np.float64(2.5), 'x')}, {'a': torch.tensor(3), 'b': (1.5, 'y')}])
print(batch)
