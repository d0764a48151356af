import torch

from mmalphapose.models.data_preprocessors import PoseDataPreprocessor


def test_alphapose_normalisation():
    pre = PoseDataPreprocessor()
    img = torch.randint(0, 256, (3, 8, 6), dtype=torch.uint8)  # BGR
    out = pre(dict(inputs=[img], data_samples=None))['inputs']
    rgb = img.flip(0).float() / 255
    mean = torch.tensor([0.406, 0.457, 0.480])[:, None, None]
    torch.testing.assert_close(out[0], rgb - mean, atol=1e-5, rtol=0)
