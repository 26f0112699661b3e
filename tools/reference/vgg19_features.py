"""PyTorch reference for the VGG-19 feature extractor: torchvision vgg19().features (architectures/part-a.md §5(d)),
written from the spec. An nn.Sequential `features` with torchvision's indices: conv 3x3 stride 1 zero-pad 1 with bias,
ReLU, MaxPool2d(2, 2); keys features.<N>.weight/bias at the conv indices 0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25,
28, 30, 32, 34. `width` scales the channel counts 64/128/256/512/512 (narrow goldens), `upto` truncates the
Sequential after that index (DeblurGAN's perceptual loss uses features[:15]).

LAYER_NAMES maps index -> Caffe-style name (conv1_1, relu1_1, ..., pool5)."""
import torch
from torch import nn

CONVS_PER_BLOCK = [2, 2, 4, 4, 4]
LAYER_NAMES = []
for _b, _n in enumerate(CONVS_PER_BLOCK):
    for _i in range(_n):
        LAYER_NAMES += ["conv%d_%d" % (_b + 1, _i + 1), "relu%d_%d" % (_b + 1, _i + 1)]
    LAYER_NAMES.append("pool%d" % (_b + 1))

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class VGG19Features(nn.Module):
    def __init__(self, width=64, upto=len(LAYER_NAMES), pool="max"):
        super().__init__()
        layers, cin = [], 3
        for b, n in enumerate(CONVS_PER_BLOCK):
            cout = width * min(2 ** b, 8)
            for _ in range(n):
                layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=False)]
                cin = cout
            layers.append(nn.MaxPool2d(2, 2) if pool == "max" else nn.AvgPool2d(2, 2))
        self.features = nn.Sequential(*layers[:upto])

    def forward(self, x, names):
        """Returns {name: activation} for the requested layer names (x already normalised)."""
        out = {}
        for i, layer in enumerate(self.features):
            x = layer(x)
            if LAYER_NAMES[i] in names:
                out[LAYER_NAMES[i]] = x
        return out


def normalize_imagenet(x01):
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x01 - mean) / std


if __name__ == "__main__":
    print(len(LAYER_NAMES), sum(p.numel() for p in VGG19Features().parameters()))
