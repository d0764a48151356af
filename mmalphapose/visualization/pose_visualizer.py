"""OpenCV pose visualizer: keypoints, skeletons, boxes, track ids, heatmaps.

Colours and links come from the dataset metainfo (MMPose format, colours are
RGB and converted to BGR here), so COCO-17, Halpe-26, Halpe-136 and
COCO-WholeBody-133 all draw with their own skeletons. ``skeleton_style=
'openpose'`` draws the body as OpenPose's COCO-18 (synthetic neck, rainbow
limbs as ellipses) and the remaining parts (feet, face, hands) from metainfo.

Whole-body layouts: each person's face and hands are drawn at their own size
(point radius and link width scale with the part's extent in the image, up to
``radius`` / ``line_width``; a part smaller than ``min_part_size`` pixels is
left out, as are its points below its threshold), and hand points take the
colour of their finger's link, as MMPose's whole-body visualizer colours them.
"""
import warnings
from typing import Optional, Union

import cv2
import numpy as np
from mmengine.structures import InstanceData

from mmalphapose.registry import VISUALIZERS
from mmalphapose.structures.pose_metainfo import PoseMetainfo
from mmalphapose.utils.array_conversion import to_numpy
from .openpose import COCO18, COCO18_LIMBS, OPENPOSE_COLORS, openpose_joints


# BGR colours of track ids (AlphaPose's pool: red, green, blue, cyan, yellow,
# orange, purple, white, then more)
TRACK_COLORS = np.array(
    [[0, 0, 255], [0, 255, 0], [255, 0, 0], [255, 255, 0], [0, 255, 255], [0, 165, 255],
     [128, 0, 128], [255, 255, 255], [180, 105, 255], [128, 128, 0], [0, 128, 128], [19, 69, 139]],
    dtype=np.uint8)


#: whole-body parts drawn at their own size (PoseMetainfo part names)
SMALL_PARTS = ('face', 'left_hand', 'right_hand')


def _ellipse_limb(canvas: np.ndarray, p1: np.ndarray, p2: np.ndarray, width: int, color) -> None:
    center = (p1 + p2) / 2
    length = float(np.hypot(*(p1 - p2)))
    angle = float(np.degrees(np.arctan2(p1[1] - p2[1], p1[0] - p2[0])))
    poly = cv2.ellipse2Poly((int(center[0]), int(center[1])), (int(length / 2), max(1, width)),
                            int(angle), 0, 360, 1)
    cv2.fillConvexPoly(canvas, poly, color, lineType=cv2.LINE_AA)


@VISUALIZERS.register_module()
class PoseVisualizer:
    """Draw pose predictions on BGR images.

    Args:
        name: instance name (kept for mmengine-style construction).
        radius: keypoint radius in pixels.
        line_width: limb thickness.
        kpt_thr: keypoints with a lower score are not drawn (a float, or one
            value per keypoint).
        skeleton_style: ``'mmpose'`` (metainfo colours) or ``'openpose'``.
        draw_bbox: draw person boxes.
        show_track_id: write the track id above the box when present.
        alpha: blending of the skeleton layer (1 = opaque).
        dataset_meta: metainfo (a parsed MMPose dict, a metainfo file or
            ``dict(from_file=...)``); may also be set later with
            :meth:`set_dataset_meta`.
        part_scale: whole-body parts: radius = ``part_scale`` x the part's
            extent (pixels), link width half of it, both at least 1 and at most
            ``radius`` / ``line_width``.
        min_part_size: face / hand parts whose visible points span less than
            this many pixels are not drawn.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 radius: int = 3,
                 line_width: int = 2,
                 kpt_thr: float = 0.3,
                 skeleton_style: str = 'mmpose',
                 draw_bbox: bool = True,
                 show_track_id: bool = True,
                 alpha: float = 0.8,
                 dataset_meta: Optional[Union[dict, str]] = None,
                 part_scale: float = 0.02,
                 min_part_size: float = 12.0):
        if skeleton_style not in ('mmpose', 'openpose'):
            raise ValueError(f'skeleton_style must be "mmpose" or "openpose", '
                             f'got "{skeleton_style}"')
        self.name, self.radius, self.line_width = name, radius, line_width
        self.kpt_thr, self.skeleton_style = kpt_thr, skeleton_style
        self.draw_bbox, self.show_track_id, self.alpha = draw_bbox, show_track_id, alpha
        self.part_scale, self.min_part_size = float(part_scale), float(min_part_size)
        self.dataset_meta: dict = {}
        if dataset_meta:
            self.set_dataset_meta(dataset_meta)

    def set_dataset_meta(self,
                         dataset_meta: Union[dict, str],
                         skeleton_style: Optional[str] = None) -> None:
        """Use the colours / links of a dataset metainfo (anything
        :meth:`PoseMetainfo.load` takes: a parsed metainfo, a metainfo file,
        ``dict(from_file=...)``)."""
        dataset_meta = PoseMetainfo.load(dataset_meta)
        self.dataset_meta = dataset_meta
        if skeleton_style:
            self.skeleton_style = skeleton_style
        k = dataset_meta['num_keypoints']
        kc = dataset_meta.get('keypoint_colors')
        self._kpt_colors = (
            np.asarray(kc, np.uint8)[:, ::-1] if kc is not None and len(kc) == k else np.full(
                (k, 3), 255, np.uint8))
        links = np.asarray(dataset_meta.get('skeleton_links') or [], np.int64).reshape(-1, 2)
        lc = dataset_meta.get('skeleton_link_colors')
        self._links = links
        self._link_colors = (
            np.asarray(lc, np.uint8)[:, ::-1] if lc is not None and len(lc) == len(links) else
            np.full((len(links), 3), 255, np.uint8))
        # which links / keypoints the openpose body layout replaces
        names = dataset_meta['keypoint_name2id']
        self._op_ok = all(n in names for n in COCO18 if n != 'neck')
        body = {names[n] for n in COCO18 if n in names}
        if 'neck' in names:
            body.add(names['neck'])
        self._op_body_ids = np.array(sorted(body), np.int64)
        self._op_other_links = np.array([not (a in body and b in body) for a, b in links], bool)
        # whole-body parts drawn at their own size: part id per keypoint (-1:
        # the body) and per link (its end points' part, if they share one)
        self._part_of = np.full(k, -1, np.int64)
        parts = dataset_meta.parts
        for i, name in enumerate(SMALL_PARTS):
            if name in parts:
                self._part_of[np.asarray(parts[name], np.int64)] = i
        pa, pb = self._part_of[links[:, 0]], self._part_of[links[:, 1]]
        self._link_part = np.where(pa == pb, pa, -1)
        # hand points take their finger's link colour (MMPose's hand colours)
        for li in np.flatnonzero(self._link_part >= 1)[::-1]:
            self._kpt_colors[links[li, 1]] = self._link_colors[li]

    # ------------------------------------------------------------------
    def draw_instances(self,
                       image: np.ndarray,
                       instances: InstanceData,
                       kpt_thr: Optional[Union[float, np.ndarray]] = None,
                       draw_bbox: Optional[bool] = None,
                       skeleton_style: Optional[str] = None) -> np.ndarray:
        """Return a copy of ``image`` with all instances drawn."""
        if not self.dataset_meta:
            raise RuntimeError('PoseVisualizer: call set_dataset_meta() first')
        thr = self.kpt_thr if kpt_thr is None else kpt_thr
        style = skeleton_style or self.skeleton_style
        draw_bbox = self.draw_bbox if draw_bbox is None else draw_bbox
        img = np.ascontiguousarray(image).copy()
        if instances is None or len(instances) == 0 or 'keypoints' not in instances:
            return img
        kpts = to_numpy(instances.keypoints, np.float32, 'instances.keypoints')
        scores = (
            to_numpy(instances.keypoint_scores, np.float32, 'instances.keypoint_scores')
            if 'keypoint_scores' in instances else np.ones(kpts.shape[:2], np.float32))
        if scores.ndim == 3:
            scores = scores[..., 0]
        if kpts.shape[1] != self.dataset_meta['num_keypoints']:
            raise ValueError(f'{kpts.shape[1]} keypoints predicted but the dataset '
                             f'"{self.dataset_meta.get("dataset_name")}" has '
                             f'{self.dataset_meta["num_keypoints"]}')
        track_ids = to_numpy(instances.track_ids, np.int64, 'instances.track_ids') \
            if 'track_ids' in instances else None
        layer = img.copy()
        # a scalar, or one threshold per keypoint (combined heads)
        thr = np.broadcast_to(np.asarray(thr, np.float32), (kpts.shape[1], ))
        vis = np.isfinite(kpts).all(-1) & (scores > thr)
        radius, width = self._part_sizes(kpts, vis)
        pts = np.nan_to_num(kpts).round().astype(np.int32)
        if style == 'openpose' and self._op_ok:
            self._draw_openpose_body(layer, kpts, scores, float(thr[0]))
            links_mask = self._op_other_links
            kpt_mask = np.ones(len(self._kpt_colors), bool)
            kpt_mask[self._op_body_ids] = False
        else:
            links_mask = np.ones(len(self._links), bool)
            kpt_mask = np.ones(len(self._kpt_colors), bool)
        # limbs: all (person, link) pairs with both ends visible, found at once
        if len(self._links):
            links = self._links[links_mask]
            colors = self._link_colors[links_mask]
            ok = vis[:, links[:, 0]] & vis[:, links[:, 1]]  # (N,L)
            link_part = self._link_part[links_mask]
            for n, li in zip(*np.nonzero(ok)):
                a, b = links[li]
                cv2.line(layer, tuple(pts[n, a]), tuple(pts[n, b]),
                         tuple(int(c) for c in colors[li]), int(width[n, link_part[li] + 1]),
                         cv2.LINE_AA)
        ok = vis & kpt_mask[None]
        for n, k in zip(*np.nonzero(ok)):
            cv2.circle(layer, tuple(pts[n, k]), int(radius[n, self._part_of[k] + 1]),
                       tuple(int(c) for c in self._kpt_colors[k]), -1, cv2.LINE_AA)
        img = cv2.addWeighted(layer, self.alpha, img, 1 - self.alpha, 0)
        if draw_bbox and 'bboxes' in instances:
            self._draw_boxes(img, to_numpy(instances.bboxes, name='instances.bboxes'), track_ids)
        return img

    def _part_sizes(self, kpts: np.ndarray, vis: np.ndarray):
        """Point radius and link width (N, 1 + parts) of the body (column 0)
        and of each face / hand part; hides (in ``vis``, in place) the
        points of parts smaller than ``min_part_size``."""
        n = len(kpts)
        radius = np.full((n, 1 + len(SMALL_PARTS)), self.radius, np.int64)
        width = np.full_like(radius, self.line_width)
        for i in range(len(SMALL_PARTS)):
            ids = np.flatnonzero(self._part_of == i)
            if not len(ids):
                continue
            v = vis[:, ids]
            p = np.where(v[..., None], np.nan_to_num(kpts[:, ids]), np.nan)
            with np.errstate(invalid='ignore'), warnings.catch_warnings():
                warnings.simplefilter('ignore', RuntimeWarning)  # all-NaN people
                size = np.nanmax(np.nanmax(p, 1) - np.nanmin(p, 1), -1)
            size = np.nan_to_num(size, nan=0.0)
            vis[:, ids] &= (size >= self.min_part_size)[:, None]
            radius[:, i + 1] = np.clip(np.round(self.part_scale * size), 1, self.radius)
            width[:, i + 1] = np.clip(np.round(self.part_scale * size / 2), 1, self.line_width)
        return radius, width

    def _draw_openpose_body(self, canvas, kpts, scores, thr) -> None:
        joints = openpose_joints(self.dataset_meta, np.nan_to_num(kpts), scores, COCO18)
        vis = joints[..., 2] > thr
        limbs = np.asarray(COCO18_LIMBS)
        ok = vis[:, limbs[:, 0]] & vis[:, limbs[:, 1]]
        colors = OPENPOSE_COLORS[:, ::-1]
        width = max(2, self.line_width * 2)
        for n, li in zip(*np.nonzero(ok)):
            a, b = limbs[li]
            _ellipse_limb(canvas, joints[n, a, :2], joints[n, b, :2], width,
                          tuple(int(c) for c in colors[li % len(colors)]))
        for n, j in zip(*np.nonzero(vis)):
            cv2.circle(canvas, tuple(joints[n, j, :2].round().astype(int)), self.radius + 1,
                       tuple(int(c) for c in colors[j]), -1, cv2.LINE_AA)

    def _draw_boxes(self, img, bboxes, track_ids) -> None:
        for i, box in enumerate(np.nan_to_num(bboxes).round().astype(int)):
            color = (0, 255, 0)
            if track_ids is not None:
                color = tuple(int(c) for c in TRACK_COLORS[track_ids[i] % len(TRACK_COLORS)])
            cv2.rectangle(img, tuple(box[:2]), tuple(box[2:4]), color, 1)
            if track_ids is not None and self.show_track_id:
                cv2.putText(img, f'id {int(track_ids[i])}', (box[0], max(10, box[1] - 4)),
                            cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)

    def draw_heatmap(self,
                     image: np.ndarray,
                     heatmaps: np.ndarray,
                     centers: np.ndarray,
                     scales: np.ndarray,
                     alpha: float = 0.5) -> np.ndarray:
        """Blend the per-person max-over-keypoints heatmaps (crop space,
        ``(N,K,h,w)``) back into the image (crop center/scale per person)."""
        h_img, w_img = image.shape[:2]
        heat = np.zeros((h_img, w_img), np.float32)
        heatmaps = to_numpy(heatmaps).astype(np.float32)
        if heatmaps.ndim == 3:
            heatmaps = heatmaps[None]
        centers = np.asarray(centers, np.float32).reshape(-1, 2)
        scales = np.asarray(scales, np.float32).reshape(-1, 2)
        for hm, c, s in zip(heatmaps.max(axis=1), centers, scales):
            hh, ww = hm.shape
            a = s[0] / ww  # image pixels per heatmap pixel
            mat = np.array(
                [[a, 0, c[0] - s[0] / 2 + a / 2 - 0.5], [0, a, c[1] - s[1] / 2 + a / 2 - 0.5]],
                np.float32)
            heat = np.maximum(heat, cv2.warpAffine(hm, mat, (w_img, h_img)))
        heat = np.clip(heat / max(float(heat.max()), 1e-6), 0, 1)
        color = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)
        return cv2.addWeighted(image, 1 - alpha, color, alpha, 0)

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample,
                       draw_gt: bool = False,
                       draw_pred: bool = True,
                       draw_heatmap: bool = False,
                       draw_bbox: Optional[bool] = None,
                       kpt_thr: Optional[float] = None,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       **kwargs) -> np.ndarray:
        """MMPose-style entry point: draw a PoseDataSample, optionally show/save."""
        drawn = np.ascontiguousarray(image)
        if draw_gt and 'gt_instances' in data_sample:
            drawn = self.draw_instances(
                drawn, data_sample.gt_instances, kpt_thr=-1, draw_bbox=draw_bbox)
        if draw_pred and 'pred_instances' in data_sample:
            drawn = self.draw_instances(drawn, data_sample.pred_instances, kpt_thr, draw_bbox)
        if draw_heatmap and 'pred_fields' in data_sample and \
                'heatmaps' in data_sample.pred_fields:
            meta = data_sample.metainfo
            drawn = self.draw_heatmap(drawn, data_sample.pred_fields.heatmaps,
                                      meta.get('input_center'), meta.get('input_scale'))
        if show:
            cv2.imshow(name, drawn)
            cv2.waitKey(max(1, int(wait_time * 1000)))
        if out_file:
            cv2.imwrite(out_file, drawn)
        return drawn
