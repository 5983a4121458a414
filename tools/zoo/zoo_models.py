"""Fashion-MNIST architectures of the INFaaS model zoo.

Every network takes float32 NCHW [N, 1, 28, 28] (normalised as described in
zoo_data.py) and returns raw logits [N, 10]. Only operators that export to
ONNX opset 11 and load in OpenCV 4.6 DNN are used: Conv2d, BatchNorm2d (folded
at export), ReLU (never ReLU6), MaxPool2d, AdaptiveAvgPool2d(1), Linear,
Dropout (identity in eval mode) and torch.flatten(x, 1).
"""

import torch
from torch import nn


class Linear(nn.Module):
    """Multinomial logistic regression on the 784 pixels."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.fc = nn.Linear(28 * 28, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


class MLP(nn.Module):
    """Two hidden fully-connected layers."""

    def __init__(self, num_classes=10, hidden=(256, 128), dropout=0.2):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, hidden[0])
        self.fc2 = nn.Linear(hidden[0], hidden[1])
        self.fc3 = nn.Linear(hidden[1], num_classes)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = self.drop(self.relu(self.fc1(x)))
        x = self.drop(self.relu(self.fc2(x)))
        return self.fc3(x)


class LeNet5(nn.Module):
    """LeNet-5 layout (6/16 feature maps, 120-84 classifier) with ReLU and
    max pooling instead of the original tanh and subsampling."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(2),                                  # 6 x 14 x 14
            nn.Conv2d(6, 16, kernel_size=5), nn.ReLU(),
            nn.MaxPool2d(2),                                  # 16 x 5 x 5
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def _conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout), nn.ReLU()]


class VGGMini(nn.Module):
    """Two VGG-style stages of two 3x3 convolutions each, then an MLP head."""

    def __init__(self, num_classes=10, widths=(16, 32), dropout=0.3):
        super().__init__()
        a, b = widths
        self.features = nn.Sequential(
            *_conv_bn_relu(1, a), *_conv_bn_relu(a, a), nn.MaxPool2d(2),
            *_conv_bn_relu(a, b), *_conv_bn_relu(b, b), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(b * 7 * 7, 128), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(128, num_classes),
        )

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with an identity (or 1x1 projection) shortcut."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + self.shortcut(x))


class ResNetMini(nn.Module):
    """A small ResNet: 3x3 stem, three stages of basic blocks at 28x28,
    14x14 and 7x7, global average pooling and a linear classifier."""

    def __init__(self, num_classes=10, widths=(32, 64, 128),
                 blocks=(1, 1, 1)):
        super().__init__()
        self.stem = nn.Sequential(*_conv_bn_relu(1, widths[0]))
        layers = []
        cin = widths[0]
        for stage, (width, count) in enumerate(zip(widths, blocks)):
            for i in range(count):
                stride = 2 if (stage > 0 and i == 0) else 1
                layers.append(BasicBlock(cin, width, stride))
                cin = width
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


# name -> (constructor, one-line description). Order: cheapest first.
ARCHITECTURES = {
    "linear": (Linear, "logistic regression on raw pixels"),
    "mlp": (MLP, "MLP 784-256-128-10, ReLU, dropout 0.2"),
    "lenet5": (LeNet5, "LeNet-5 (conv 6/16, fc 120-84), ReLU + max-pool"),
    "vgg_mini": (VGGMini, "4x conv3x3 (16,16,32,32) + BN, fc 128"),
    "resnet_mini": (ResNetMini, "ResNet: stem + 3 basic blocks (32@28, 64@14, 128@7), GAP"),
}


def build(name):
    return ARCHITECTURES[name][0]()


def count_params(model):
    return sum(p.numel() for p in model.parameters())
