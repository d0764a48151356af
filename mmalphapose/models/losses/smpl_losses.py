"""HybrIK's losses (AlphaPose ``L1LossDimSMPL``)."""
from typing import Dict, Optional

from torch import Tensor, nn

from mmalphapose.registry import MODELS


def _weighted_mse(pred: Tensor, target: Tensor, weight: Tensor) -> Tensor:
    """mean((pred * w - target * w) ** 2) over all entries (``nn.MSELoss``
    of the weighted tensors, as HybrIK)."""
    return ((pred - target) * weight).pow(2).mean()


@MODELS.register_module()
class HybrIKLoss(nn.Module):
    """Weighted sum of HybrIK's terms, returned separately for logging.

    - ``loss_uvd``: L1 on the normalised (u, v, d) of the first
      ``uvd_num_joints`` joints, weighted per coordinate, summed and divided
      by the batch size;
    - ``loss_beta``: MSE of the shape (10) on samples with SMPL labels;
    - ``loss_theta``: MSE of the 24 relative rotation matrices from the IK
      against the labels (HybrIK compares quaternions; rotation matrices
      avoid their sign ambiguity);
    - ``loss_twist``: MSE of the raw (cos, sin) twist outputs, per-joint
      weights;
    - ``loss_phi_reg``: mean of ``(|phi| - 1)^2`` (keeps the pairs on the
      unit circle).

    Defaults are AlphaPose's SMPL config: UVD24 1, BETA 1, THETA 0.01,
    TWIST 0.01, PHI_REG 1e-4. A term whose weight is 0 or whose targets are
    missing is not returned.
    """

    def __init__(self,
                 uvd_weight: float = 1.,
                 beta_weight: float = 1.,
                 theta_weight: float = 0.01,
                 twist_weight: float = 0.01,
                 phi_reg_weight: float = 1e-4,
                 uvd_num_joints: int = 24) -> None:
        super().__init__()
        self.uvd_weight = uvd_weight
        self.beta_weight = beta_weight
        self.theta_weight = theta_weight
        self.twist_weight = twist_weight
        self.phi_reg_weight = phi_reg_weight
        self.uvd_num_joints = uvd_num_joints

    def forward(self, pred: Dict[str, Tensor], target: Dict[str,
                                                            Optional[Tensor]]) -> Dict[str, Tensor]:
        """
        Args:
            pred: ``uvd`` (N,K,3), ``betas`` (N,10), ``phis`` (N,23,2) and,
                when the IK ran, ``rot_mats`` (N,24,3,3).
            target: ``uvd`` (N,K,3) and ``uvd_weight`` (N,K,3); optional
                ``betas`` (N,10), ``rot_mats`` (N,24,3,3), ``smpl_weight``
                (N,), ``twist`` (N,23,2), ``twist_weight`` (N,23).
        """
        losses: Dict[str, Tensor] = {}
        n = pred['uvd'].shape[0]
        k = self.uvd_num_joints
        if self.uvd_weight:
            err = (pred['uvd'][:, :k] - target['uvd'][:, :k]).abs() * target['uvd_weight'][:, :k]
            losses['loss_uvd'] = self.uvd_weight * err.sum() / max(n, 1)
        smpl_w = target.get('smpl_weight')
        if smpl_w is None:
            smpl_w = pred['uvd'].new_ones(n)
        if self.beta_weight and target.get('betas') is not None:
            nb = target['betas'].shape[-1]
            losses['loss_beta'] = self.beta_weight * _weighted_mse(pred['betas'][:, :nb],
                                                                   target['betas'], smpl_w[:, None])
        if (self.theta_weight and target.get('rot_mats') is not None
                and pred.get('rot_mats') is not None):
            losses['loss_theta'] = self.theta_weight * _weighted_mse(
                pred['rot_mats'], target['rot_mats'], smpl_w[:, None, None, None])
        if self.twist_weight and target.get('twist') is not None:
            tw = target.get('twist_weight')
            tw = smpl_w[:, None] if tw is None else tw
            losses['loss_twist'] = self.twist_weight * _weighted_mse(pred['phis'], target['twist'],
                                                                     tw[..., None])
        if self.phi_reg_weight:
            losses['loss_phi_reg'] = self.phi_reg_weight * (pred['phis'].norm(dim=-1) -
                                                            1).pow(2).mean()
        return losses


__all__ = ['HybrIKLoss']
