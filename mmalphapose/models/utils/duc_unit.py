"""Dense upsampling convolution unit (AlphaPose layers/DUC.py)."""
from torch import Tensor, nn


class DUCUnit(nn.Module):
    """Conv3x3 (no bias) -> BN -> ReLU -> PixelShuffle(r): ``out // r**2``
    channels at ``r`` times the resolution. Names ``conv``/``bn`` follow
    AlphaPose's checkpoints."""

    def __init__(self, in_channels: int, out_channels: int, upscale_factor: int = 2) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, momentum=0.1)
        self.relu = nn.ReLU(inplace=True)
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

    def forward(self, x: Tensor) -> Tensor:
        return self.pixel_shuffle(self.relu(self.bn(self.conv(x))))
